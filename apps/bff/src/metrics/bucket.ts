// One mergeable metrics bucket: counting calls into it, merging buckets (roll-ups), and reading figures out.
import type { UpstreamCallEvent } from '@switchboard/shared/events';
import type { MetricsBucket, MetricsPoint } from '@switchboard/shared/metrics';
import { createSketch, type LatencySketch } from './histogram';

type State = NonNullable<MetricsBucket['state']>;

/** A bucket being filled: the sketch stays live (not serialised) until the bucket is finished. */
export interface BucketAccumulator {
  counts: Omit<MetricsBucket, 'latency'>;
  sketch: LatencySketch;
}

export function createAccumulator(): BucketAccumulator {
  return {
    counts: {
      calls: 0,
      ok: 0,
      errors: 0,
      errorsByKind: {},
      retries: 0,
      attempts: {},
      cache: { hit: 0, miss: 0, stale: 0, coalesced: 0, none: 0 },
      fallback: { static: 0, failover: 0 },
      providers: {},
      synthetic: { calls: 0, errors: 0 },
    },
    sketch: createSketch(),
  };
}

const bump = <K extends string>(record: Partial<Record<K, number>>, key: K, by = 1) => {
  record[key] = (record[key] ?? 0) + by;
};

/** Counts one finished call (after retries, cache and failover). */
export function addCall(acc: BucketAccumulator, event: UpstreamCallEvent): void {
  const c = acc.counts;
  c.calls += 1;
  if (event.outcome === 'ok') c.ok += 1;
  else {
    c.errors += 1;
    // An error event without a kind has never been seen; counted as network rather than lost.
    bump(c.errorsByKind, event.kind ?? 'network');
  }
  acc.sketch.add(event.latencyMs);
  c.retries += Math.max(0, event.attempts - 1);
  bump(c.attempts, String(event.attempts));
  c.cache[event.cache] += 1;
  if (event.fallback) c.fallback[event.fallback] += 1;
  bump(c.providers, event.provider);
  if (event.synthetic) {
    c.synthetic.calls += 1;
    if (event.outcome === 'error') c.synthetic.errors += 1;
  }
}

const minOf = (a: number | null, b: number | null) =>
  a === null ? b : b === null ? a : Math.min(a, b);

function mergeState(earlier: State | undefined, later: State | undefined): State | undefined {
  if (!earlier || !later) return later ?? earlier;
  const s: State = {
    breakerSeconds: {
      closed: earlier.breakerSeconds.closed + later.breakerSeconds.closed,
      open: earlier.breakerSeconds.open + later.breakerSeconds.open,
      'half-open': earlier.breakerSeconds['half-open'] + later.breakerSeconds['half-open'],
    },
    breaker: later.breaker,
    breakerTransitions: earlier.breakerTransitions + later.breakerTransitions,
    minDistanceToTrip: minOf(earlier.minDistanceToTrip, later.minDistanceToTrip),
    bulkhead: {
      maxActive: Math.max(earlier.bulkhead.maxActive, later.bulkhead.maxActive),
      maxQueued: Math.max(earlier.bulkhead.maxQueued, later.bulkhead.maxQueued),
      maxConcurrent: later.bulkhead.maxConcurrent,
      maxQueue: later.bulkhead.maxQueue,
    },
    minRateLimitHeadroom: Math.min(earlier.minRateLimitHeadroom, later.minRateLimitHeadroom),
    health: later.health ?? earlier.health,
  };
  const depth = [earlier.queueDepth, later.queueDepth].filter((d) => d !== undefined);
  if (depth.length > 0) s.queueDepth = Math.max(...depth);
  const dead = later.deadLetters ?? earlier.deadLetters;
  if (dead !== undefined) s.deadLetters = dead;
  return s;
}

/**
 * Adds a finished bucket into `acc`. Buckets must be merged in time order: state keeps the later
 * bucket's breaker state and health (counts, sketches and extremes do not care about order).
 */
export function mergeBucket(acc: BucketAccumulator, bucket: MetricsBucket): void {
  const c = acc.counts;
  c.calls += bucket.calls;
  c.ok += bucket.ok;
  c.errors += bucket.errors;
  for (const [kind, n] of Object.entries(bucket.errorsByKind))
    bump(c.errorsByKind, kind as keyof typeof c.errorsByKind, n);
  acc.sketch.merge(bucket.latency);
  c.retries += bucket.retries;
  for (const [k, n] of Object.entries(bucket.attempts)) bump(c.attempts, k, n);
  for (const k of Object.keys(c.cache) as (keyof typeof c.cache)[]) c.cache[k] += bucket.cache[k];
  c.fallback.static += bucket.fallback.static;
  c.fallback.failover += bucket.fallback.failover;
  for (const [k, n] of Object.entries(bucket.providers)) bump(c.providers, k, n);
  c.synthetic.calls += bucket.synthetic.calls;
  c.synthetic.errors += bucket.synthetic.errors;
  const state = mergeState(c.state, bucket.state);
  if (state) c.state = state;
}

/** The bucket as stored and sent (a copy: the accumulator may go on filling). */
export function finishBucket(acc: BucketAccumulator): MetricsBucket {
  return structuredClone({ ...acc.counts, latency: acc.sketch.toJSON() });
}

/**
 * `JSON.stringify(finishBucket(acc))` without the copy: a store that serialises at once needs no
 * clone, and the roll-ups are serialised every second for each open minute and hour (the clone
 * was a third of the per-second close).
 */
export function bucketJson(acc: BucketAccumulator): string {
  return JSON.stringify({ ...acc.counts, latency: acc.sketch.toJSON() });
}

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);
const round = (ms: number | null) => (ms === null ? null : Math.round(ms * 100) / 100);

/** Figures for the console from a (merged) bucket that covers `stepSec` seconds from `at`. */
export function toPoint(at: number, stepSec: number, acc: BucketAccumulator): MetricsPoint {
  const c = acc.counts;
  const cacheable = c.cache.hit + c.cache.miss + c.cache.stale;
  return {
    at,
    calls: c.calls,
    throughput: c.calls / stepSec,
    errorRate: ratio(c.errors, c.calls),
    errorsByKind: { ...c.errorsByKind },
    p50Ms: round(acc.sketch.quantile(0.5)),
    p95Ms: round(acc.sketch.quantile(0.95)),
    p99Ms: round(acc.sketch.quantile(0.99)),
    maxMs: round(acc.sketch.max),
    retries: c.retries,
    attempts: { ...c.attempts },
    cacheHitRatio: ratio(c.cache.hit, cacheable),
    staleRatio: ratio(c.cache.stale, cacheable),
    failovers: c.fallback.failover,
    providers: { ...c.providers },
    synthetic: { ...c.synthetic },
    breaker: c.state?.breaker ?? null,
    breakerOpenSec: c.state?.breakerSeconds.open ?? 0,
    minDistanceToTrip: c.state?.minDistanceToTrip ?? null,
    maxBulkheadActive: c.state?.bulkhead.maxActive ?? null,
    minRateLimitHeadroom: c.state?.minRateLimitHeadroom ?? null,
    health: c.state?.health ?? null,
  };
}
