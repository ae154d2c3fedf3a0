// Queue figures for the live metrics: depth, throughput (completed and failed jobs per second) and
// dead letters, sampled once a second for the `queue` stream topic, Prometheus and the metrics engine.
import type { QueueStats } from '@switchboard/shared/queue';
import type { QueueSampleMessage } from '@switchboard/shared/stream';
import type { MetricsRegistry } from '../telemetry/metrics';
import type { Queue } from './queue';

export type QueueSample = Omit<QueueSampleMessage, 'seq'>;

export interface QueueMetrics {
  /** Reads the queue's counts and closes the second's throughput; returns the sample. */
  sample(at: number): Promise<QueueSample>;
  /** The last sampled depth and dead letters of one integration (for the metrics engine). */
  integration(name: string): { queueDepth: number; deadLetters: number } | undefined;
  stop(): void;
}

/**
 * The counts are re-read only once their last read's duration times this has passed: reading them
 * walks every job still queued, running or dead (O(backlog)), so under a deep backlog a read every
 * second took 10 % of the event loop (≈ 100 ms per read at 80,000 queued jobs, bench/RESULTS.md,
 * ingest8). With this, reads take at most ≈ 2 % of the loop; under a small backlog (a read of a few
 * milliseconds) they still run every sample. Throughput figures are fresh at every sample.
 */
const readCostFactor = 50;

/**
 * @example
 * const figures = createQueueMetrics(queue, registry);
 * setInterval(async () => hub.publish(await figures.sample(Date.now())), 1000);
 */
export function createQueueMetrics(
  queue: Queue,
  registry?: MetricsRegistry,
  /** Monotonic milliseconds, to time the count reads (tests inject one). */
  monotonicNow: () => number = () => performance.now(),
): QueueMetrics {
  const completed = new Map<string, number>();
  const failed = new Map<string, number>();
  const add = (map: Map<string, number>, type: string) => map.set(type, (map.get(type) ?? 0) + 1);
  const settledTotal = registry?.counter(
    'switchboard_queue_jobs_settled_total',
    'Job attempts settled, by job type and outcome (succeeded, retrying, dead)',
    ['type', 'outcome'],
  );
  const jobsGauge = registry?.gauge(
    'switchboard_queue_jobs',
    'Jobs by type and status (queued, running, dead) at the last sample',
    ['type', 'status'],
  );
  const off = queue.onSettled((event) => {
    settledTotal?.inc({ type: event.type, outcome: event.outcome });
    if (event.outcome === 'succeeded') add(completed, event.type);
    else if (event.outcome === 'dead') add(failed, event.type);
  });
  let byIntegration: Record<string, { depth: number; dead: number }> | undefined;
  let lastStats: QueueStats | undefined;
  let nextReadAt = -Infinity;

  /** The counts: read afresh when due, otherwise the last ones read (see `readCostFactor`). */
  async function counts(): Promise<QueueStats> {
    const started = monotonicNow();
    if (lastStats && started < nextReadAt) return lastStats;
    const [stats, integrations] = await Promise.all([queue.stats(), queue.depthByIntegration()]);
    const ended = monotonicNow();
    nextReadAt = ended + (ended - started) * (readCostFactor - 1);
    lastStats = stats;
    byIntegration = integrations;
    return stats;
  }

  return {
    async sample(at) {
      const stats = await counts();
      const byType: QueueSample['byType'] = {};
      let depth = 0;
      let running = 0;
      let deadLetters = 0;
      let completedPerSecond = 0;
      let failedPerSecond = 0;
      const types = new Set([...Object.keys(stats.byType), ...completed.keys(), ...failed.keys()]);
      for (const type of types) {
        const counts = stats.byType[type];
        const queued = counts?.queued ?? 0;
        const inFlight = counts?.running ?? 0;
        const dead = counts?.dead ?? 0;
        const done = completed.get(type) ?? 0;
        const lost = failed.get(type) ?? 0;
        byType[type] = {
          depth: queued + inFlight,
          completed: done,
          failed: lost,
          deadLetters: dead,
        };
        depth += queued + inFlight;
        running += inFlight;
        deadLetters += dead;
        completedPerSecond += done;
        failedPerSecond += lost;
        jobsGauge?.set({ type, status: 'queued' }, queued);
        jobsGauge?.set({ type, status: 'running' }, inFlight);
        jobsGauge?.set({ type, status: 'dead' }, dead);
      }
      completed.clear();
      failed.clear();
      return {
        type: 'queue.sample',
        topic: 'queue',
        at,
        depth,
        running,
        completedPerSecond,
        failedPerSecond,
        deadLetters,
        byType,
      };
    },
    integration(name) {
      if (!byIntegration) return undefined;
      const figures = byIntegration[name];
      return { queueDepth: figures?.depth ?? 0, deadLetters: figures?.dead ?? 0 };
    },
    stop: off,
  };
}
