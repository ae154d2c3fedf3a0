// Jobs finished per second, from two successive queue-stats polls. Pure.
import type { QueueStats } from '@switchboard/shared/queue';

/** Jobs that have left the queue for good (succeeded or dead), per type and in all. */
export function finishedCounts(stats: QueueStats): Map<string, number> {
  const out = new Map<string, number>();
  for (const [type, counts] of Object.entries(stats.byType))
    out.set(type, (counts.succeeded ?? 0) + (counts.dead ?? 0));
  return out;
}

/**
 * Per type: jobs finished per second between two samples; null before there are two. A count that
 * went down (the store was pruned or reset) gives no figure rather than a negative one.
 */
export function throughput(
  before: { at: number; stats: QueueStats } | null,
  after: { at: number; stats: QueueStats },
): Map<string, number | null> {
  const now = finishedCounts(after.stats);
  const out = new Map<string, number | null>();
  const then = before ? finishedCounts(before.stats) : null;
  const seconds = before ? (after.at - before.at) / 1000 : 0;
  for (const [type, count] of now) {
    const previous = then?.get(type) ?? 0;
    out.set(
      type,
      !then || seconds <= 0 || count < previous
        ? null
        : Math.round(((count - previous) / seconds) * 10) / 10,
    );
  }
  return out;
}
