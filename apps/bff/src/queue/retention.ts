// Bounded storage for the queue and what rides on it: settled jobs, finished flow runs, the webhook
// log and expired idempotency keys are deleted once older than their retention. Deletes run in
// small batches with a turn of the event loop between them, so a prune never holds the loop (or
// the SQLite write lock) for long, however much there is to delete.
import type { Logger } from '../http/logger';

/** One kind of record to prune: deletes at most `limit` records older than `before`. */
export interface PruneTarget {
  name: string;
  /** How long records are kept; `before` is `now - retentionMs`. */
  retentionMs: number;
  /** Returns how many records it deleted (fewer than `limit`: nothing older is left). */
  prune(before: number, limit: number): Promise<number>;
}

export interface RetentionOptions {
  targets: PruneTarget[];
  /** Time between prunes. */
  intervalMs: number;
  /** Records deleted per statement (one short write each). Default 500. */
  batchSize?: number;
  /** Wall-clock epoch milliseconds. */
  now: () => number;
  logger: Logger;
}

export interface Retention {
  /** Prunes every target now; resolves with how many records each lost. */
  runOnce(): Promise<Record<string, number>>;
  /** Prunes every `intervalMs` (the first time one interval after start). */
  start(): void;
  /** Stops the timer; a prune under way stops after its current batch. */
  stop(): Promise<void>;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * @example
 * const retention = createRetention({ targets, intervalMs: 300_000, now: Date.now, logger });
 * retention.start(); // … await retention.stop();
 */
export function createRetention(options: RetentionOptions): Retention {
  const { targets, intervalMs, now, logger } = options;
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error('retention batchSize must be a positive integer');
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;
  let running: Promise<Record<string, number>> | undefined;

  async function pruneAll(): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const target of targets) {
      const before = now() - target.retentionMs;
      let total = 0;
      try {
        for (;;) {
          const n = await target.prune(before, batchSize);
          total += n;
          if (n < batchSize || stopped) break;
          // Let requests (and the group commit) run between batches.
          await nextTurn();
        }
      } catch (err) {
        logger.warn({ err: String(err), target: target.name }, 'pruning old records failed');
      }
      deleted[target.name] = total;
      if (stopped) break;
    }
    const sum = Object.values(deleted).reduce((a, b) => a + b, 0);
    if (sum > 0) logger.info({ deleted }, 'pruned records past their retention');
    return deleted;
  }

  const runOnce = () => {
    // One prune at a time: a timer tick during a long prune joins it.
    running ??= pruneAll().finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    runOnce,
    start() {
      stopped = false;
      timer ??= setInterval(() => void runOnce(), intervalMs);
      // The prune timer alone never keeps the process alive.
      timer.unref?.();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
