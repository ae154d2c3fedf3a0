// Retention over the real SQLite stores (in memory) with a manual clock: what is pruned, what never
// is, and that a prune runs in batches.
import type { FlowRun } from '@switchboard/shared/flows';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../http/logger';
import { createManualClock } from '../resilience/clock';
import { openDatabase } from '../runtime/node/sqlite';
import { createSqliteFlowStore } from '../runtime/node/sqlite-flow-store';
import { createSqliteIdempotencyStore } from '../runtime/node/sqlite-idempotency-store';
import { createSqliteJobStore } from '../runtime/node/sqlite-queue';
import { createSqliteWebhookLog } from '../runtime/node/sqlite-webhook-log';
import { createJobQueue } from './job-queue';
import { JobFailure } from './queue';
import { createRetention, type PruneTarget } from './retention';

const t0 = Date.UTC(2026, 0, 1);
const hour = 3600_000;

function queueSetup() {
  const clock = createManualClock(t0);
  const db = openDatabase(':memory:');
  const store = createSqliteJobStore(db);
  const queue = createJobQueue({ store, clock, logger: silentLogger, random: () => 0.5 });
  queue.handle('ok', () => undefined, { concurrency: 8 });
  queue.handle(
    'fail',
    () => {
      throw new JobFailure('http_4xx', 'refused', { retryable: false });
    },
    { concurrency: 8 },
  );
  return { clock, db, store, queue };
}

describe('job retention', () => {
  it('deletes succeeded and discarded jobs past retention, never queued, running or dead ones', async () => {
    const { clock, store, queue } = queueSetup();
    const old = await queue.enqueue({ type: 'ok', payload: 1 });
    const dead = await queue.enqueue({ type: 'fail', payload: 2 });
    const discarded = await queue.enqueue({ type: 'fail', payload: 3 });
    await queue.runDue();
    await queue.deadLetters.discard({ ids: [discarded.id] }, 'not needed');
    const waiting = await queue.enqueue({ type: 'ok', payload: 4, delayMs: 100 * hour });
    await clock.advance(48 * hour);
    const recent = await queue.enqueue({ type: 'ok', payload: 5 });
    await queue.runDue();

    const retention = createRetention({
      targets: [
        { name: 'jobs', retentionMs: 24 * hour, prune: (b, l) => store.pruneSettled(b, l) },
      ],
      intervalMs: 60_000,
      now: () => clock.now(),
      logger: silentLogger,
    });
    expect(await retention.runOnce()).toEqual({ jobs: 2 });
    expect(await queue.get(old.id)).toBeUndefined();
    expect(await queue.get(discarded.id)).toBeUndefined();
    expect((await queue.get(dead.id))?.status).toBe('dead');
    expect((await queue.get(waiting.id))?.status).toBe('queued');
    expect((await queue.get(recent.id))?.status).toBe('succeeded');
  });

  it('deletes in batches of the given size until nothing older is left', async () => {
    const { clock, store, queue } = queueSetup();
    for (let i = 0; i < 7; i += 1) await queue.enqueue({ type: 'ok', payload: i });
    while ((await queue.runDue()) > 0);
    await clock.advance(2 * hour);
    const calls: number[] = [];
    const target: PruneTarget = {
      name: 'jobs',
      retentionMs: hour,
      prune: async (before, limit) => {
        const n = await store.pruneSettled(before, limit);
        calls.push(n);
        return n;
      },
    };
    const retention = createRetention({
      targets: [target],
      intervalMs: 60_000,
      batchSize: 3,
      now: () => clock.now(),
      logger: silentLogger,
    });
    expect(await retention.runOnce()).toEqual({ jobs: 7 });
    expect(calls).toEqual([3, 3, 1]);
    expect((await store.counts()).ok?.succeeded ?? 0).toBe(0);
  });

  it('keeps pruning the other targets when one fails, and logs it', async () => {
    const warned: unknown[] = [];
    const logger = { ...silentLogger, warn: (o: unknown) => void warned.push(o) };
    const retention = createRetention({
      targets: [
        {
          name: 'broken',
          retentionMs: 0,
          prune: () => Promise.reject(new Error('disk I/O error')),
        },
        { name: 'fine', retentionMs: 0, prune: () => Promise.resolve(2) },
      ],
      intervalMs: 60_000,
      now: () => t0,
      logger,
    });
    expect(await retention.runOnce()).toEqual({ broken: 0, fine: 2 });
    expect(warned).toMatchObject([{ target: 'broken', err: 'Error: disk I/O error' }]);
  });
});

describe('webhook log retention', () => {
  it('deletes the oldest lines written before the cutoff and stops at the first later one', async () => {
    const db = openDatabase(':memory:');
    createSqliteJobStore(db);
    const log = createSqliteWebhookLog(db);
    const line = (at: number, deliveryId: string) =>
      log.append({
        at,
        source: 'billing',
        deliveryId,
        outcome: 'accepted',
        reason: null,
        eventType: 'x',
        bodyBytes: 10,
        jobId: null,
      });
    await line(t0, 'a');
    await line(t0 + 1, 'b');
    await line(t0 + 10 * hour, 'c');
    // Written later with a clock that stepped back: waits behind 'c' rather than being hunted for.
    await line(t0 + 2, 'd');
    expect(await log.prune(t0 + hour, 500)).toBe(2);
    expect((await log.list({ limit: 10 })).map((e) => e.deliveryId)).toEqual(['d', 'c']);
    expect(await log.prune(t0 + 11 * hour, 1)).toBe(1);
    expect((await log.list({ limit: 10 })).map((e) => e.deliveryId)).toEqual(['d']);
  });
});

describe('flow run retention', () => {
  const run = (id: string, status: FlowRun['status'], at: number): FlowRun => ({
    id,
    flow: 'signup',
    idempotencyKey: id,
    status,
    input: {},
    steps: [],
    failedStep: null,
    createdAt: at,
    updatedAt: at,
  });

  it('deletes finished runs past retention and keeps runs under way', async () => {
    const store = createSqliteFlowStore(openDatabase(':memory:'));
    for (const r of [
      run('done', 'succeeded', t0),
      run('failed', 'failed', t0),
      run('undone', 'compensated', t0),
      run('going', 'running', t0),
      run('undoing', 'compensating', t0),
      run('fresh', 'succeeded', t0 + 10 * hour),
    ])
      await store.create(r);
    // Created long ago but finished just now: kept until its last change is old too.
    await store.create(run('slow', 'running', t0));
    await store.update('slow', (r) => ({ ...r, status: 'succeeded', updatedAt: t0 + 10 * hour }));

    expect(await store.pruneFinished(t0 + hour, 2)).toBe(2);
    expect(await store.pruneFinished(t0 + hour, 500)).toBe(1);
    const left = (await store.list({ limit: 50 })).map((r) => r.id).sort();
    expect(left).toEqual(['fresh', 'going', 'slow', 'undoing']);
  });
});

describe('idempotency key retention', () => {
  it('deletes expired keys, at most the limit at a time', async () => {
    const store = createSqliteIdempotencyStore(openDatabase(':memory:'));
    for (const key of ['a', 'b', 'c']) await store.begin('u', key, 'f', t0, t0 + hour);
    await store.begin('u', 'live', 'f', t0, t0 + 10 * hour);
    expect(await store.prune(t0 + 2 * hour, 2)).toBe(2);
    expect(await store.prune(t0 + 2 * hour, 2)).toBe(1);
    expect(await store.prune(t0 + 2 * hour)).toBe(0);
    expect((await store.begin('u', 'live', 'f', t0 + 2 * hour, t0 + 3 * hour)).state).toBe(
      'in_flight',
    );
  });
});
