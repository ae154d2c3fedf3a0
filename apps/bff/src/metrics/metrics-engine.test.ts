import { MetricsSecondSchema, type MetricsSecond } from '@switchboard/shared/metrics';
import { describe, expect, it } from 'vitest';
import { upstreamCall } from '../events/fixtures';
import { createAccumulator, mergeBucket, toPoint } from './bucket';
import { sketchRelativeError } from './histogram';
import { createMetricsEngine, type IntegrationGauges } from './metrics-engine';

const gauges = (over: Partial<IntegrationGauges> = {}): IntegrationGauges => ({
  breaker: 'closed',
  distanceToTrip: 5,
  bulkhead: { active: 2, queued: 1, maxConcurrent: 16, maxQueue: 32 },
  rateLimitHeadroom: 0.9,
  ...over,
});

function setup(state: Record<string, IntegrationGauges> = { users: gauges(), payments: gauges() }) {
  let t = 10_000;
  const seconds: MetricsSecond[] = [];
  const engine = createMetricsEngine({
    integrations: Object.keys(state),
    integrationState: (name) => state[name],
    now: () => t,
    onSecond: (s) => seconds.push(MetricsSecondSchema.parse(s)),
  });
  return { engine, seconds, at: (ms: number) => (t = ms), state };
}

const series = (s: MetricsSecond | undefined, integration: string, operation: string | null) =>
  s?.series.find((x) => x.integration === integration && x.operation === operation);

describe('metrics engine', () => {
  it('counts known traffic exactly per integration and per operation, in the second it arrives', () => {
    const { engine, seconds, at } = setup();
    at(10_100);
    // 100 calls to users.summary with latencies 1..100 ms: 10 errors of two kinds.
    for (let i = 1; i <= 100; i++) {
      const failed = i % 10 === 0;
      engine.record(
        upstreamCall('users', {
          latencyMs: i,
          outcome: failed ? 'error' : 'ok',
          ...(failed && { kind: i % 20 === 0 ? 'timeout' : 'http_5xx' }),
          attempts: i <= 90 ? 1 : i <= 97 ? 2 : 3,
          cache: i <= 20 ? 'hit' : i <= 25 ? 'stale' : 'miss',
        }),
      );
    }
    engine.record(upstreamCall('users', { operation: 'get', latencyMs: 7 }));
    // Failover: email's call answered by email-backup.
    engine.record(upstreamCall('email', { provider: 'email-backup', fallback: 'failover' }));
    expect(seconds).toEqual([]);
    engine.tick(10_999);
    expect(seconds).toEqual([]);
    engine.tick(11_000);
    expect(seconds).toHaveLength(1);
    const second = seconds[0];
    expect(second?.at).toBe(10_000);

    const users = series(second, 'users', null);
    expect(users).toMatchObject({
      calls: 101,
      ok: 91,
      errors: 10,
      errorsByKind: { timeout: 5, http_5xx: 5 },
      retries: 7 * 1 + 3 * 2,
      attempts: { '1': 91, '2': 7, '3': 3 },
      cache: { hit: 20, stale: 5, miss: 75, none: 1, coalesced: 0 },
      providers: { users: 101 },
      state: {
        breaker: 'closed',
        breakerSeconds: { closed: 1, open: 0, 'half-open': 0 },
        minDistanceToTrip: 5,
        bulkhead: { maxActive: 2, maxQueued: 1, maxConcurrent: 16, maxQueue: 32 },
        minRateLimitHeadroom: 0.9,
        health: null,
      },
    });
    const summary = series(second, 'users', 'summary');
    expect(summary).toMatchObject({ calls: 100, errors: 10, retries: 13 });
    expect(summary?.state).toBeUndefined();
    expect(series(second, 'users', 'get')).toMatchObject({ calls: 1, ok: 1 });
    expect(series(second, 'email', null)).toMatchObject({
      calls: 1,
      providers: { 'email-backup': 1 },
      fallback: { failover: 1, static: 0 },
    });
    // An idle integration still appears, with its state.
    expect(series(second, 'payments', null)).toMatchObject({
      calls: 0,
      state: { breaker: 'closed' },
    });

    const acc = createAccumulator();
    if (summary) mergeBucket(acc, summary);
    const point = toPoint(10_000, 1, acc);
    expect(point).toMatchObject({ calls: 100, throughput: 100, errorRate: 0.1, maxMs: 100 });
    expect(point.cacheHitRatio).toBeCloseTo(0.2, 10);
    for (const [p, exact] of [
      [point.p50Ms, 50],
      [point.p95Ms, 95],
      [point.p99Ms, 99],
    ] as const)
      expect(Math.abs((p ?? NaN) - exact) / exact).toBeLessThanOrEqual(sketchRelativeError + 1e-4);
  });

  it('starts each second afresh, samples state when it closes and tracks health from synthetic calls', () => {
    const { engine, seconds, at, state } = setup({ users: gauges() });
    at(10_500);
    engine.record(upstreamCall('users', { synthetic: true, outcome: 'error', kind: 'timeout' }));
    engine.record(upstreamCall('users', { rateLimitHeadroom: 0.25 }));
    engine.record({
      type: 'breaker.transition',
      at: 10_500,
      integration: 'users',
      from: 'closed',
      to: 'open',
      reason: 'failures',
      forced: null,
    });
    state.users = gauges({ breaker: 'open', distanceToTrip: 0 });
    engine.tick(11_000);
    at(11_200);
    engine.tick();
    state.users = gauges({ breaker: 'half-open', distanceToTrip: 1 });
    engine.tick(12_000);
    const [first, second] = seconds;
    expect(series(first, 'users', null)).toMatchObject({
      calls: 2,
      synthetic: { calls: 1, errors: 1 },
      state: {
        breaker: 'open',
        breakerTransitions: 1,
        minDistanceToTrip: 0,
        minRateLimitHeadroom: 0.25,
        health: 'down',
      },
    });
    expect(series(second, 'users', null)).toMatchObject({
      calls: 0,
      synthetic: { calls: 0, errors: 0 },
      state: { breaker: 'half-open', breakerTransitions: 0, health: 'down' },
    });
    expect(second?.at).toBe(11_000);
    // Operation series appear only for seconds with calls.
    expect(series(second, 'users', 'summary')).toBeUndefined();
  });

  it('rolls over on the next event when no tick came, and flush closes the open second', () => {
    const { engine, seconds, at } = setup({ users: gauges() });
    at(10_100);
    engine.record(upstreamCall('users'));
    at(13_400);
    engine.record(upstreamCall('users'));
    expect(seconds.map((s) => s.at)).toEqual([10_000]);
    engine.flush();
    expect(seconds.map((s) => s.at)).toEqual([10_000, 13_000]);
    expect(series(seconds[1], 'users', null)?.calls).toBe(1);
  });

  it('with `defer`, an event that closes a second hands it over in a deferred task, in order', () => {
    let t = 10_000;
    const seconds: MetricsSecond[] = [];
    const tasks: Array<() => void> = [];
    const engine = createMetricsEngine({
      integrations: ['users'],
      integrationState: () => gauges(),
      now: () => t,
      onSecond: (s) => seconds.push(MetricsSecondSchema.parse(s)),
      defer: (task) => tasks.push(task),
    });
    const calls = (s: MetricsSecond | undefined) => series(s, 'users', null)?.calls;

    t = 10_100;
    engine.record(upstreamCall('users'));
    t = 11_050;
    engine.record(upstreamCall('users'));
    engine.record(upstreamCall('users'));
    // The second is closed (later events count in 11_000) but not yet handed over.
    expect(seconds).toEqual([]);
    expect(tasks).toHaveLength(1);
    tasks.shift()?.();
    expect(seconds.map((s) => s.at)).toEqual([10_000]);
    expect(calls(seconds[0])).toBe(1);

    // Closed by an event, then flushed before the task ran: both seconds, oldest first.
    t = 12_010;
    engine.record(upstreamCall('users'));
    expect(tasks).toHaveLength(1);
    engine.flush();
    expect(seconds.map((s) => s.at)).toEqual([10_000, 11_000, 12_000]);
    expect(seconds.map(calls)).toEqual([1, 2, 1]);
    // The late task finds nothing left to hand over.
    tasks.shift()?.();
    expect(seconds).toHaveLength(3);

    // tick and settle hand over a deferred second too.
    t = 14_500;
    engine.record(upstreamCall('users'));
    engine.tick(14_600);
    expect(seconds.map((s) => s.at)).toEqual([10_000, 11_000, 12_000, 13_000]);
    t = 15_100;
    engine.record(upstreamCall('users'));
    engine.settle();
    expect(seconds.map((s) => s.at)).toEqual([10_000, 11_000, 12_000, 13_000, 14_000]);
  });
});
