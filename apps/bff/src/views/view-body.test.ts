// viewBody: the one-pass body is JSON.stringify's text, and its ETag the reference's.
import type { SourceResult, ViewResult } from '@switchboard/shared/upstreams';
import { describe, expect, it } from 'vitest';
import { viewBody, viewEtag } from './view-body';

/** A section built the way runView's toSection builds one (field order included). */
function section(status: SourceResult['status'], extra: Partial<SourceResult> = {}): SourceResult {
  const s: SourceResult = {
    integration: 'users',
    operation: 'list',
    startedAtMs: 0.3,
    latencyMs: 12.4,
    attempts: 1,
    cache: 'none',
    provider: 'users',
    status,
  };
  if (extra.data !== undefined) s.data = extra.data;
  if (extra.error !== undefined) s.error = extra.error;
  return s;
}

const result = (sources: Record<string, SourceResult>): ViewResult => ({
  view: 'overview',
  generatedAt: '2026-11-22T21:00:00.000Z',
  deadlineMs: 800,
  latencyMs: 21.7,
  sources,
});

const samples: Record<string, ViewResult> = {
  'every kind of section': result({
    users: section('ok', { data: { items: [{ id: 'u1', name: 'Zoë "Z" \\ \u2028' }], total: 1 } }),
    payments: section('stale', {
      data: [1, 2.5, null, true],
      error: { kind: 'breaker_open', message: 'open' },
    }),
    email: section('error', { error: { kind: 'http_5xx', message: 'boom', httpStatus: 503 } }),
    analytics: section('timeout', { error: { kind: 'timeout', message: 'late' } }),
    nulled: section('ok', { data: null }),
    // runView's skipped sections list their fields in another order: still serialised exactly.
    skipped: {
      integration: 'a',
      operation: 'b',
      status: 'skipped',
      startedAtMs: 0,
      latencyMs: 0,
      attempts: 0,
      cache: 'none',
      provider: 'a',
      error: { kind: 'cancelled', message: 'skipped: x' },
    },
  }),
  'no sources': result({}),
  'a name that needs escaping': result({ 'we"ird\n': section('ok', { data: 'x' }) }),
};

describe('viewBody', () => {
  for (const [name, sample] of Object.entries(samples)) {
    it(`serialises ${name} exactly as JSON.stringify does, with the reference ETag`, () => {
      const body = viewBody(sample);
      expect(body.json).toBe(JSON.stringify(sample));
      expect(body.etag).toBe(viewEtag(sample));
      expect(body.etag).toMatch(/^W\/"[0-9a-f]{16}"$/);
    });
  }

  it('keeps the ETag when only timings change, and changes it with the data or an outcome', () => {
    const base = result({ users: section('ok', { data: { n: 1 } }) });
    const later = result({ users: { ...section('ok', { data: { n: 1 } }), latencyMs: 99 } });
    later.latencyMs = 55;
    later.generatedAt = '2026-11-22T21:00:01.000Z';
    const changed = result({ users: section('ok', { data: { n: 2 } }) });
    const failed = result({
      users: section('error', { error: { kind: 'network', message: 'x' } }),
    });

    expect(viewBody(later).etag).toBe(viewBody(base).etag);
    expect(viewBody(changed).etag).not.toBe(viewBody(base).etag);
    expect(viewBody(failed).etag).not.toBe(viewBody(base).etag);
  });
});
