// Queue samples over the real embedded queue (SQLite in memory): fresh counts while reading them is
// cheap, the last counts again while a slow read's budget has not passed.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../http/logger';
import { createManualClock } from '../resilience/clock';
import { openDatabase } from '../runtime/node/sqlite';
import { createSqliteJobStore } from '../runtime/node/sqlite-queue';
import { createJobQueue } from './job-queue';
import type { Queue } from './queue';
import { createQueueMetrics } from './queue-metrics';

function setup(readMs: number) {
  const queue = createJobQueue({
    store: createSqliteJobStore(openDatabase(':memory:')),
    clock: createManualClock(Date.UTC(2026, 0, 1)),
    logger: silentLogger,
  });
  let now = 0;
  let reads = 0;
  // Each read of the counts takes `readMs` on the injected monotonic clock.
  const timed: Queue = {
    ...queue,
    stats: () => {
      reads += 1;
      now += readMs;
      return queue.stats();
    },
  };
  const metrics = createQueueMetrics(timed, undefined, () => now);
  return {
    queue,
    metrics,
    reads: () => reads,
    at: (ms: number) => {
      now = ms;
    },
  };
}

describe('queue samples', () => {
  it('reads the counts at every sample while a read is cheap', async () => {
    const { queue, metrics, reads, at } = setup(2);
    at(0);
    expect((await metrics.sample(0)).depth).toBe(0);
    await queue.enqueue({ type: 't', payload: 1, integration: 'crm' });
    at(1000);
    expect((await metrics.sample(1000)).depth).toBe(1);
    expect(reads()).toBe(2);
    expect(metrics.integration('crm')).toEqual({ queueDepth: 1, deadLetters: 0 });
  });

  it('keeps the last counts until 50 times a slow read has passed', async () => {
    const { queue, metrics, reads, at } = setup(100);
    at(0);
    await metrics.sample(0); // read from 0 to 100: the next one is due at 5,000
    await queue.enqueue({ type: 't', payload: 1 });
    at(1000);
    expect((await metrics.sample(1000)).depth).toBe(0);
    at(4999);
    expect((await metrics.sample(4999)).depth).toBe(0);
    expect(reads()).toBe(1);
    at(5000);
    expect((await metrics.sample(5000)).depth).toBe(1);
    expect(reads()).toBe(2);
  });
});
