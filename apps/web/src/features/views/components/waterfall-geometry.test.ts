// Waterfall geometry: bars on a shared axis that always contains the deadline and every source.
import type { SourceResult, ViewResult } from '@switchboard/shared/upstreams';
import { describe, expect, it } from 'vitest';
import { minBarPct, tickStep, waterfallGeometry } from './waterfall-geometry';

const source = (
  patch: Partial<SourceResult> & Pick<SourceResult, 'integration'>,
): SourceResult => ({
  operation: 'summary',
  status: 'ok',
  startedAtMs: 0,
  latencyMs: 100,
  attempts: 1,
  cache: 'none',
  provider: patch.integration,
  ...patch,
});

const view = (
  sources: Record<string, SourceResult>,
  deadlineMs = 2000,
  latencyMs = 500,
): ViewResult => ({
  view: 'test',
  generatedAt: new Date(0).toISOString(),
  deadlineMs,
  latencyMs,
  sources,
});

describe('tickStep', () => {
  it('picks 1, 2 or 5 × 10^k so that at most five steps cover the span', () => {
    expect(tickStep(2000)).toBe(500);
    expect(tickStep(1000)).toBe(200);
    expect(tickStep(90)).toBe(20);
    expect(tickStep(7)).toBe(2);
    expect(tickStep(0)).toBe(1);
  });
});

describe('waterfallGeometry', () => {
  it('places bars by start and duration on an axis as long as the deadline', () => {
    const g = waterfallGeometry(
      view({
        users: source({ integration: 'users', startedAtMs: 0, latencyMs: 500 }),
        profile: source({
          integration: 'users',
          operation: 'get',
          startedAtMs: 500,
          latencyMs: 1000,
        }),
      }),
    );
    expect(g.scaleMs).toBe(2000);
    expect(g.deadlinePct).toBe(100);
    expect(g.ticks.map((t) => t.ms)).toEqual([0, 500, 1000, 1500, 2000]);
    expect(g.ticks.map((t) => t.pct)).toEqual([0, 25, 50, 75, 100]);
    const [users, profile] = g.rows;
    expect(users).toMatchObject({ id: 'users', leftPct: 0, widthPct: 25, endMs: 500 });
    expect(profile).toMatchObject({ id: 'profile', leftPct: 25, widthPct: 50, endMs: 1500 });
    expect(g.rows.every((r) => !r.pastDeadline)).toBe(true);
  });

  it('stretches the axis past the deadline for a source that ran over, and marks it', () => {
    const g = waterfallGeometry(
      view(
        {
          slow: source({
            integration: 'slow',
            status: 'timeout',
            startedAtMs: 100,
            latencyMs: 2300,
          }),
        },
        2000,
        2400,
      ),
    );
    expect(g.scaleMs).toBe(2500);
    expect(g.deadlinePct).toBe(80);
    expect(g.rows[0]).toMatchObject({ leftPct: 4, widthPct: 92, pastDeadline: true, endMs: 2400 });
  });

  it('keeps a 0 ms source visible and every bar inside the axis', () => {
    const g = waterfallGeometry(
      view({
        hit: source({ integration: 'hit', latencyMs: 0, cache: 'hit' }),
        late: source({ integration: 'late', startedAtMs: 2000, latencyMs: 0 }),
      }),
    );
    const [hit, late] = g.rows;
    expect(hit?.widthPct).toBe(minBarPct);
    expect(late?.leftPct).toBe(100);
    expect(late?.widthPct).toBe(0);
  });

  it('orders rows by start, keeping the view order for ties', () => {
    const g = waterfallGeometry(
      view({
        b: source({ integration: 'b', startedAtMs: 300 }),
        a: source({ integration: 'a', startedAtMs: 0 }),
        c: source({ integration: 'c', startedAtMs: 0 }),
      }),
    );
    expect(g.rows.map((r) => r.id)).toEqual(['a', 'c', 'b']);
  });

  it('flags failover (another provider answered) and stale data (status or cache)', () => {
    const g = waterfallGeometry(
      view({
        email: source({ integration: 'email', status: 'fallback', provider: 'email-backup' }),
        users: source({ integration: 'users', status: 'stale', cache: 'stale' }),
        pay: source({ integration: 'pay', status: 'ok', cache: 'stale' }),
        ok: source({ integration: 'ok' }),
      }),
    );
    const byId = new Map(g.rows.map((r) => [r.id, r]));
    expect(byId.get('email')).toMatchObject({
      failover: true,
      stale: false,
      provider: 'email-backup',
    });
    expect(byId.get('users')).toMatchObject({ failover: false, stale: true });
    expect(byId.get('pay')?.stale).toBe(true);
    expect(byId.get('ok')).toMatchObject({ failover: false, stale: false });
  });
});
