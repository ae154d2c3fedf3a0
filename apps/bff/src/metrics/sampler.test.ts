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
    expect(message.samples).toEqual([
      { integration: 'users', calls: 100, errors: 10, latencyMs: { p50: 50, p95: 95, max: 100 } },
      { integration: 'payments', calls: 0, errors: 0, latencyMs: null },
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
    });
  });
});
