import { MetricsRangeSchema, type MetricsSecond } from '@switchboard/shared/metrics';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { upstreamCall } from '../events/fixtures';
import { openDatabase } from '../runtime/node/sqlite';
import { createSqliteMetricsStore } from '../runtime/node/sqlite-metrics-store';
import { createSketch, sketchRelativeError } from './histogram';
import { createMetricsEngine } from './metrics-engine';
import { downsample, planRange, type MetricsStore } from './metrics-store';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Seconds from `start`: second k has k+1 calls to users.summary of (k+1) ms each, one in 4 failing. */
function traffic(start: number, seconds: number): MetricsSecond[] {
  let t = start;
  const out: MetricsSecond[] = [];
  const engine = createMetricsEngine({
    integrations: ['users'],
    integrationState: () => ({
      breaker: 'closed',
      distanceToTrip: 5,
      bulkhead: { active: 0, queued: 0, maxConcurrent: 16, maxQueue: 32 },
      rateLimitHeadroom: 1,
    }),
    now: () => t,
    onSecond: (s) => out.push(s),
  });
  for (let k = 0; k < seconds; k++) {
    t = start + k * 1000;
    for (let i = 0; i <= k; i++) {
      const failed = i % 4 === 3;
      engine.record(
        upstreamCall('users', {
          latencyMs: k + 1,
          outcome: failed ? 'error' : 'ok',
          ...(failed && { kind: 'http_5xx' }),
        }),
      );
    }
    engine.tick(t + 1000);
  }
  return out;
}

const expectedCalls = (seconds: number) => (seconds * (seconds + 1)) / 2;

async function writeAll(store: MetricsStore, seconds: MetricsSecond[]) {
  for (const s of seconds) await store.write(s);
}

describe('SQLite metrics store', () => {
  const start = Date.UTC(2026, 10, 22, 10, 0, 0);

  it('keeps seconds and rolls them up into minutes and hours exactly', async () => {
    const store = createSqliteMetricsStore(openDatabase(':memory:'));
    await writeAll(store, traffic(start, 150));
    const seconds = await store.read({ tier: 'second', from: start, to: start + 150_000 });
    expect(seconds).toHaveLength(150);
    expect(seconds[9]?.bucket.calls).toBe(10);

    const minutes = await store.read({ tier: 'minute', from: start, to: start + 3_600_000 });
    expect(minutes.map((m) => [m.at - start, m.bucket.calls])).toEqual([
      [0, expectedCalls(60)],
      [60_000, expectedCalls(120) - expectedCalls(60)],
      [120_000, expectedCalls(150) - expectedCalls(120)],
    ]);
    const [hour] = await store.read({ tier: 'hour', from: start, to: start + 3_600_000 });
    expect(hour?.bucket.calls).toBe(expectedCalls(150));
    // 1 in 4 of each second's calls failed (i = 3, 7, ...).
    const errors = Array.from({ length: 150 }, (_, k) => Math.floor((k + 1) / 4)).reduce(
      (a, b) => a + b,
    );
    expect(hour?.bucket.errors).toBe(errors);
    expect(hour?.bucket.errorsByKind).toEqual({ http_5xx: errors });
    expect(hour?.bucket.state?.breakerSeconds).toEqual({ closed: 150, open: 0, 'half-open': 0 });

    // The hour's sketch is exactly the sketch of every call, so its p99 is within 1 % of the truth.
    const all = createSketch();
    for (let k = 0; k < 150; k++) all.add(k + 1, k + 1);
    expect(hour?.bucket.latency.b).toEqual(all.toJSON().b);
    const series = downsample(hour ? [hour] : [], {
      from: start,
      to: start + 3_600_000,
      stepSec: 3_600,
    });
    const p99 = series[0]?.points[0]?.p99Ms ?? NaN;
    const truth = 149; // nearest rank 0.99 × 11,325 = 11,212th value: 149 ms
    expect(Math.abs(p99 - truth) / truth).toBeLessThanOrEqual(sketchRelativeError);
  });

  it('answers operation series on request, and downsamples to the planned step', async () => {
    const store = createSqliteMetricsStore(openDatabase(':memory:'));
    await writeAll(store, traffic(start, 20));
    const totals = await store.read({ tier: 'second', from: start, to: start + 20_000 });
    expect(new Set(totals.map((r) => r.operation))).toEqual(new Set([null]));
    const withOps = await store.read({
      tier: 'second',
      from: start,
      to: start + 20_000,
      operation: '*',
    });
    expect(new Set(withOps.map((r) => r.operation))).toEqual(new Set([null, 'summary']));
    const series = downsample(totals, { from: start, to: start + 20_000, stepSec: 5 });
    expect(series[0]?.points.map((p) => p.calls)).toEqual([15, 40, 65, 90]);
    expect(series[0]?.points[0]?.throughput).toBe(3);
  });

  it('plans every range at no more than 1000 points per series', () => {
    for (const range of MetricsRangeSchema.options) {
      const plan = planRange(range, start + 12_345);
      expect((plan.to - plan.from) / (plan.stepSec * 1000)).toBeLessThanOrEqual(1000);
      expect(plan.to % (plan.stepSec * 1000)).toBe(0);
    }
  });

  it('survives a restart: roll-ups read back after reopening, and the open minute carries on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-metrics-'));
    dirs.push(dir);
    const seconds = traffic(start, 90);
    let db = openDatabase(dir);
    await writeAll(createSqliteMetricsStore(db), seconds.slice(0, 75));
    db.close();

    db = openDatabase(dir);
    const store = createSqliteMetricsStore(db);
    const [firstMinute] = await store.read({ tier: 'minute', from: start, to: start + 60_000 });
    expect(firstMinute?.bucket.calls).toBe(expectedCalls(60));
    await writeAll(store, seconds.slice(75));
    const minutes = await store.read({ tier: 'minute', from: start, to: start + 120_000 });
    expect(minutes.map((m) => m.bucket.calls)).toEqual([
      expectedCalls(60),
      expectedCalls(90) - expectedCalls(60),
    ]);
    db.close();
  });

  it('writes a roll-up row only when its minute or hour closes; reads include the open ones', async () => {
    const db = openDatabase(':memory:');
    const store = createSqliteMetricsStore(db);
    const rows = (tier: string) =>
      (
        db.prepare('SELECT COUNT(*) AS n FROM metrics_buckets WHERE tier = ?').get(tier) as {
          n: number;
        }
      ).n;
    await writeAll(store, traffic(start, 59));
    expect([rows('minute'), rows('hour')]).toEqual([0, 0]);
    const [open] = await store.read({ tier: 'minute', from: start, to: start + 60_000 });
    expect(open?.bucket.calls).toBe(expectedCalls(59));
    await writeAll(store, traffic(start, 61).slice(59));
    // users and users.summary: their first minute is written as the second minute starts.
    expect([rows('minute'), rows('hour')]).toEqual([2, 0]);
    db.close();
  });

  it('after a stop just after a minute ended, writes that minute and rebuilds the hour from what is stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-metrics-'));
    dirs.push(dir);
    const seconds = traffic(start, 130);
    let db = openDatabase(dir);
    // The last second of the second minute is written; the minute's close is not (no later second).
    await writeAll(createSqliteMetricsStore(db), seconds.slice(0, 120));
    db.close();

    db = openDatabase(dir);
    const store = createSqliteMetricsStore(db);
    await writeAll(store, seconds.slice(120));
    const minutes = await store.read({ tier: 'minute', from: start, to: start + 180_000 });
    expect(minutes.map((m) => m.bucket.calls)).toEqual([
      expectedCalls(60),
      expectedCalls(120) - expectedCalls(60),
      expectedCalls(130) - expectedCalls(120),
    ]);
    const [hour] = await store.read({ tier: 'hour', from: start, to: start + 3_600_000 });
    expect(hour?.bucket.calls).toBe(expectedCalls(130));
    db.close();
  });

  it('after a stop mid-hour and a restart in a later hour, that hour is written from its minutes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-metrics-'));
    dirs.push(dir);
    let db = openDatabase(dir);
    await writeAll(createSqliteMetricsStore(db), traffic(start, 90));
    db.close();

    db = openDatabase(dir);
    const store = createSqliteMetricsStore(db);
    await writeAll(store, traffic(start + 2 * 3_600_000, 3));
    const hours = await store.read({ tier: 'hour', from: start, to: start + 3 * 3_600_000 });
    expect(hours.map((h) => [h.at - start, h.bucket.calls])).toEqual([
      [0, expectedCalls(90)],
      [2 * 3_600_000, expectedCalls(3)],
    ]);
    const minutes = await store.read({ tier: 'minute', from: start, to: start + 3_600_000 });
    expect(minutes.map((m) => m.bucket.calls)).toEqual([
      expectedCalls(60),
      expectedCalls(90) - expectedCalls(60),
    ]);
    db.close();
  });

  it('prunes each tier by its retention', async () => {
    const store = createSqliteMetricsStore(openDatabase(':memory:'), {
      retention: { second: 30_000, minute: 120_000, hour: 7_200_000 },
    });
    await writeAll(store, traffic(start, 90));
    // At start + 90 s: seconds before start + 60 s go (60 rows each for users and users.summary).
    expect(await store.prune(start + 90_000)).toBe(120);
    expect(await store.read({ tier: 'second', from: 0, to: Infinity })).toHaveLength(30);
    expect(await store.prune(start + 60_000 + 120_000)).toBeGreaterThanOrEqual(1);
    expect((await store.read({ tier: 'minute', from: 0, to: Infinity })).map((m) => m.at)).toEqual([
      start + 60_000,
    ]);
  });
});
