// Metrics contracts: the mergeable per-second bucket, the per-second snapshot, and the history API.
import { z } from 'zod';
import { BreakerStateSchema } from './events';
import { ErrorKindSchema, NameSchema } from './upstreams';

const count = z.number().int().nonnegative();

/**
 * A latency sketch (DDSketch-style log buckets, 1 % relative error) in its compact form:
 * `b` is flattened `[indexDelta, count, indexDelta, count, ...]` pairs in increasing bucket index
 * (the first delta is from 0), `z` counts values too small to index (reported as 0 ms).
 * Merging two sketches is adding their bucket counts, so it is exact.
 */
export const LatencySketchSchema = z.object({
  z: count,
  b: z.array(z.number().int()),
  min: z.number().nonnegative().nullable(),
  max: z.number().nonnegative().nullable(),
  sum: z.number().nonnegative(),
});
export type LatencySketchData = z.infer<typeof LatencySketchSchema>;

const kindCounts = z.partialRecord(ErrorKindSchema, count);

/**
 * Everything counted about one series (an integration, or one of its operations) over one bucket
 * of time. Every field merges exactly: counts add, sketches add bucket-wise, gauges keep the worst
 * (max occupancy, min headroom) and breaker states add the seconds spent in each.
 */
export const MetricsBucketSchema = z.object({
  calls: count,
  ok: count,
  errors: count,
  errorsByKind: kindCounts,
  latency: LatencySketchSchema,
  /** Attempts beyond the first, over all calls. */
  retries: count,
  /** Calls by how many attempts they needed: `{ "1": 97, "2": 2, "3": 1 }`. */
  attempts: z.record(z.string().regex(/^\d+$/), count),
  cache: z.object({ hit: count, miss: count, stale: count, coalesced: count, none: count }),
  fallback: z.object({ static: count, failover: count }),
  /** Calls by the integration that answered (differs from the series' integration after failover). */
  providers: z.record(NameSchema, count),
  /** Synthetic health-check calls (also counted above) and how many of them failed. */
  synthetic: z.object({ calls: count, errors: count }),
  /** Integration series only: live state, sampled once a second. */
  state: z
    .object({
      /** Seconds spent in each breaker state during the bucket. */
      breakerSeconds: z.object({ closed: count, open: count, 'half-open': count }),
      /** The state at the end of the bucket. */
      breaker: BreakerStateSchema,
      breakerTransitions: count,
      /** Fewest further failures that would have opened the breaker; null when they cannot. */
      minDistanceToTrip: z.number().int().nonnegative().nullable(),
      bulkhead: z.object({
        maxActive: count,
        maxQueued: count,
        maxConcurrent: count,
        maxQueue: count,
      }),
      /** Lowest share of the outbound rate limit left, 0..1. */
      minRateLimitHeadroom: z.number().min(0).max(1),
      /** The last synthetic check's result in or before this bucket; null before the first. */
      health: z.enum(['up', 'down']).nullable(),
      /** Filled by the queue capability once it exists. */
      queueDepth: count.optional(),
      deadLetters: count.optional(),
    })
    .optional(),
});
export type MetricsBucket = z.infer<typeof MetricsBucketSchema>;

/** One series in a per-second snapshot: `operation` is null for the integration as a whole. */
export const MetricsSeriesSecondSchema = MetricsBucketSchema.extend({
  integration: NameSchema,
  operation: NameSchema.nullable(),
});
export type MetricsSeriesSecond = z.infer<typeof MetricsSeriesSecondSchema>;

/** What the metrics engine emits when a second closes. */
export const MetricsSecondSchema = z.object({
  /** Start of the second, epoch milliseconds (a multiple of 1000). */
  at: z.number().int(),
  series: z.array(MetricsSeriesSecondSchema),
});
export type MetricsSecond = z.infer<typeof MetricsSecondSchema>;

export const MetricsRangeSchema = z.enum(['live', '15m', '1h', '24h', '7d', '30d']);
export type MetricsRange = z.infer<typeof MetricsRangeSchema>;

const ms = z.number().nonnegative().nullable();

/** One point of a history series: figures derived from the merged buckets in `[at, at + stepSec)`. */
export const MetricsPointSchema = z.object({
  at: z.number().int(),
  calls: count,
  /** Calls per second over the step. */
  throughput: z.number().nonnegative(),
  /** errors / calls; null without calls. */
  errorRate: z.number().min(0).max(1).nullable(),
  errorsByKind: kindCounts,
  /** Within 1 % of the exact nearest-rank percentile; null without calls. */
  p50Ms: ms,
  p95Ms: ms,
  p99Ms: ms,
  maxMs: ms,
  retries: count,
  attempts: z.record(z.string(), count),
  /** hit / (hit + miss + stale); null when nothing was cacheable. */
  cacheHitRatio: z.number().min(0).max(1).nullable(),
  staleRatio: z.number().min(0).max(1).nullable(),
  failovers: count,
  providers: z.record(z.string(), count),
  synthetic: z.object({ calls: count, errors: count }),
  breaker: BreakerStateSchema.nullable(),
  breakerOpenSec: count,
  minDistanceToTrip: z.number().int().nonnegative().nullable(),
  maxBulkheadActive: count.nullable(),
  minRateLimitHeadroom: z.number().min(0).max(1).nullable(),
  health: z.enum(['up', 'down']).nullable(),
});
export type MetricsPoint = z.infer<typeof MetricsPointSchema>;

export const MetricsSeriesSchema = z.object({
  integration: NameSchema,
  operation: NameSchema.nullable(),
  points: z.array(MetricsPointSchema),
});

export const MetricsResponseSchema = z
  .object({
    range: MetricsRangeSchema,
    /** Width of each point. */
    stepSec: z.number().int().positive(),
    /** Epoch milliseconds, inclusive start and exclusive end. */
    from: z.number().int(),
    to: z.number().int(),
    series: z.array(MetricsSeriesSchema),
  })
  .meta({ id: 'MetricsHistory' });
export type MetricsResponse = z.infer<typeof MetricsResponseSchema>;
