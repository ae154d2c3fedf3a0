import { describe, expect, it } from 'vitest';
import { upstreamCall } from '../events/fixtures';
import { createSampler } from './sampler';

const call = (integration: string, latencyMs: number, outcome: 'ok' | 'error' = 'ok') =>
  upstreamCall(integration, { latencyMs, outcome });

describe('createSampler', () => {
  it('counts calls and errors and computes nearest-rank percentiles per integration', () => {
    let t = 1000;
    const sampler = createSampler(['users', 'payments'], () => t);
    for (let i = 1; i <= 100; i++) sampler.record(call('users', i, i % 10 === 0 ? 'error' : 'ok'));
    t = 2000;
    const message = sampler.flush();
    expect(message.at).toBe(1000);
    const idle = { errorsByKind: {}, retries: 0, cacheHits: 0, providers: {} };
    expect(message.samples).toEqual([
      {
        integration: 'users',
        calls: 100,
        errors: 10,
        latencyMs: { p50: 50, p95: 95, p99: 99, max: 100 },
        // The fixture's errors carry no kind: unclassified failures count as network ones.
        errorsByKind: { network: 10 },
        retries: 0,
        cacheHits: 0,
        providers: { users: 100 },
      },
      { integration: 'payments', calls: 0, errors: 0, latencyMs: null, ...idle },
    ]);
  });

  it('starts a fresh window after each flush', () => {
    let t = 0;
    const sampler = createSampler(['users'], () => t);
    sampler.record(call('users', 5));
    t = 1000;
    sampler.flush();
    t = 2000;
    const second = sampler.flush();
    expect(second.at).toBe(1000);
    expect(second.samples[0]).toEqual({
      integration: 'users',
      calls: 0,
      errors: 0,
      latencyMs: null,
      errorsByKind: {},
      retries: 0,
      cacheHits: 0,
      providers: {},
    });
  });

  it('counts errors by kind, retries, cache hits and answering providers, and attaches live state', () => {
    let t = 0;
    const state = {
      breaker: 'open' as const,
      forced: null,
      distanceToTrip: 0,
      rateLimitHeadroom: 0.5,
      enabled: false,
      provider: 'backup' as const,
    };
    const sampler = createSampler(
      ['email'],
      () => t,
      (name) => (name === 'email' ? state : undefined),
    );
    sampler.record(upstreamCall('email', { outcome: 'error', kind: 'timeout', attempts: 3 }));
    sampler.record(upstreamCall('email', { outcome: 'error', kind: 'disabled', attempts: 0 }));
    sampler.record(upstreamCall('email', { cache: 'hit', attempts: 0 }));
    sampler.record(upstreamCall('email', { cache: 'stale', attempts: 1 }));
    sampler.record(upstreamCall('email', { provider: 'email-backup', fallback: 'failover' }));
    t = 1000;
    const [sample] = sampler.flush().samples;
    expect(sample).toMatchObject({
      calls: 5,
      errors: 2,
      errorsByKind: { timeout: 1, disabled: 1 },
      retries: 2,
      cacheHits: 2,
      providers: { email: 4, 'email-backup': 1 },
      state,
    });
  });
});
