// Metrics history as a port: 1 s buckets rolled up into 1 min and 1 h on write, pruned by age,
// and read back for a range at a resolution chosen so no series has more than ~1000 points.
import type {
  MetricsBucket,
  MetricsRange,
  MetricsResponse,
  MetricsSecond,
} from '@switchboard/shared/metrics';
import { createAccumulator, mergeBucket, toPoint, type BucketAccumulator } from './bucket';

/** Stored resolutions: every second is also merged into its minute and its hour as it is written. */
export const tiers = { second: 1_000, minute: 60_000, hour: 3_600_000 } as const;
export type Tier = keyof typeof tiers;

/** How long each resolution is kept, in milliseconds. */
export type MetricsRetention = Record<Tier, number>;

/**
 * Defaults: seconds for 1 h, minutes for 7 days, hours for 90 days. Rows per series are then
 * bounded by 3,600 + 10,080 + 2,160 = 15,840, whatever the traffic (pruning runs every minute, so
 * at most one minute's worth more). A row's sketch has at most one bucket per 2 % step of latency
 * between 1 µs and the slowest call (≈ 900 for 1 µs..10 min), so a row stays under ~8 KB and is
 * typically well under 1 KB.
 */
export const defaultRetention: MetricsRetention = {
  second: 3_600_000,
  minute: 7 * 24 * 3_600_000,
  hour: 90 * 24 * 3_600_000,
};

export interface StoredBucket {
  at: number;
  integration: string;
  /** null for the integration as a whole. */
  operation: string | null;
  bucket: MetricsBucket;
}

export interface BucketQuery {
  tier: Tier;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  integration?: string;
  /** One operation; `'*'` for every operation's series besides the totals; unset for totals only. */
  operation?: string;
}

export interface MetricsStore {
  /** Writes one closed second and merges it into its minute and hour, in one transaction. */
  write(second: MetricsSecond): Promise<void>;
  /** Buckets in `[from, to)` in time order. */
  read(query: BucketQuery): Promise<StoredBucket[]>;
  /** Deletes buckets older than each tier's retention; returns how many rows went. */
  prune(now: number): Promise<number>;
}

export interface RangePlan {
  tier: Tier;
  stepSec: number;
  from: number;
  to: number;
}

const plans: Record<MetricsRange, { spanSec: number; tier: Tier; stepSec: number }> = {
  live: { spanSec: 60, tier: 'second', stepSec: 1 },
  '15m': { spanSec: 900, tier: 'second', stepSec: 1 },
  '1h': { spanSec: 3_600, tier: 'second', stepSec: 5 },
  '24h': { spanSec: 86_400, tier: 'minute', stepSec: 120 },
  '7d': { spanSec: 604_800, tier: 'minute', stepSec: 900 },
  '30d': { spanSec: 2_592_000, tier: 'hour', stepSec: 3_600 },
};

/**
 * The stored tier and step for a range ending at `now`: at most 900 points for any range
 * (15m: 900 × 1 s, 1h: 720 × 5 s, 24h: 720 × 2 min, 7d: 672 × 15 min, 30d: 720 × 1 h), the last
 * of them the step in progress.
 * @example planRange('24h', Date.now()) // { tier: 'minute', stepSec: 120, from, to }
 */
export function planRange(range: MetricsRange, now: number): RangePlan {
  const { spanSec, tier, stepSec } = plans[range];
  const step = stepSec * 1000;
  // The step in progress is included (its last point may be partial) so live data shows at once.
  const to = Math.floor(now / step) * step + step;
  return { tier, stepSec, from: to - spanSec * 1000, to };
}

/**
 * Merges stored buckets into points `stepSec` wide covering `[from, to)`; steps without data read
 * as zero calls and unknown state. Series come out totals first, in name order.
 */
export function downsample(
  rows: readonly StoredBucket[],
  plan: Pick<RangePlan, 'from' | 'to' | 'stepSec'>,
): MetricsResponse['series'] {
  const step = plan.stepSec * 1000;
  const bySeries = new Map<
    string,
    { integration: string; operation: string | null; steps: Map<number, BucketAccumulator> }
  >();
  for (const row of rows) {
    const key = `${row.integration}\u0000${row.operation ?? ''}`;
    let s = bySeries.get(key);
    if (!s)
      bySeries.set(
        key,
        (s = { integration: row.integration, operation: row.operation, steps: new Map() }),
      );
    const at = plan.from + Math.floor((row.at - plan.from) / step) * step;
    let acc = s.steps.get(at);
    if (!acc) s.steps.set(at, (acc = createAccumulator()));
    mergeBucket(acc, row.bucket);
  }
  return [...bySeries.values()]
    .sort(
      (a, b) =>
        a.integration.localeCompare(b.integration) ||
        (a.operation ?? '').localeCompare(b.operation ?? ''),
    )
    .map(({ integration, operation, steps }) => {
      const points = [];
      for (let at = plan.from; at < plan.to; at += step)
        points.push(toPoint(at, plan.stepSec, steps.get(at) ?? createAccumulator()));
      return { integration, operation, points };
    });
}
