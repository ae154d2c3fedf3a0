// The SQLite job store's claim: the one-statement path (no lease expired) must hand out exactly
// the jobs, order and rows the general path does.
import { describe, expect, it } from 'vitest';
import type { NewJob } from '../../queue/job-store';
import { openDatabase } from './sqlite';
import { createSqliteJobStore } from './sqlite-queue';

const t0 = Date.UTC(2026, 0, 1);

const newJob = (id: string, fields: Partial<NewJob> = {}): NewJob => ({
  id,
  type: 't',
  payload: { id },
  idempotencyKey: null,
  priority: 0,
  runAt: t0,
  maxAttempts: 3,
  backoff: { baseMs: 1_000, maxMs: 8_000 },
  integration: null,
  operation: null,
  createdAt: t0,
  ...fields,
});

describe('sqlite job store claim', () => {
  it('claims due jobs in claim order, each with its own lease, as the rows now read', async () => {
    const store = createSqliteJobStore(openDatabase(':memory:'));
    await store.insertMany([
      newJob('a', { createdAt: t0 + 2 }),
      newJob('b', { priority: 5, runAt: t0 + 10, integration: 'mail', operation: 'send' }),
      newJob('c', { createdAt: t0 + 1 }),
      newJob('d', { runAt: t0 - 5, idempotencyKey: 'k' }),
      newJob('later', { runAt: t0 + 1_000, priority: 9 }),
      newJob('other', { type: 'u' }),
    ]);
    const now = t0 + 100;
    const { claimed, dead } = await store.claim('t', now, 30_000, 3);
    expect(dead).toEqual([]);
    expect(claimed.map((c) => c.job.id)).toEqual(['b', 'd', 'c']);
    expect(new Set(claimed.map((c) => c.leaseToken)).size).toBe(3);
    for (const c of claimed) {
      // The job handed to the worker is the row as the claim left it.
      expect(c.job).toEqual(await store.get(c.job.id));
      expect(c.job).toMatchObject({ status: 'running', attempts: 1, leaseUntil: now + 30_000 });
      expect(c.backoff).toEqual({ baseMs: 1_000, maxMs: 8_000 });
    }
    expect((await store.claim('t', now, 30_000, 5)).claimed.map((c) => c.job.id)).toEqual(['a']);
    expect((await store.claim('t', now, 30_000, 5)).claimed).toEqual([]);
  });

  it('claims a replayed dead letter as the row now reads, with its earlier attempts', async () => {
    const store = createSqliteJobStore(openDatabase(':memory:'));
    await store.insert(newJob('a', { maxAttempts: 1 }));
    const [first] = (await store.claim('t', t0, 1_000, 1)).claimed;
    const failed = {
      attempt: 1,
      round: 1,
      startedAt: t0,
      endedAt: t0 + 5,
      durationMs: 5,
      outcome: 'error' as const,
      errorKind: 'http_5xx' as const,
      message: 'boom',
    };
    expect(await store.settle('a', first?.leaseToken ?? '', failed, { status: 'dead' })).toBe(true);
    expect((await store.get('a'))?.deadAt).toBe(t0 + 5);
    expect(await store.requeue(['a'], t0 + 10)).toEqual(['a']);
    const [again] = (await store.claim('t', t0 + 10, 1_000, 1)).claimed;
    expect(again?.job).toEqual(await store.get('a'));
    expect(again?.job).toMatchObject({
      round: 2,
      attempts: 1,
      deadAt: null,
      lastErrorKind: 'http_5xx',
    });
    expect(again?.job.history).toEqual([failed]);
  });

  it('settles only with the lease token of the claim that holds the job', async () => {
    const store = createSqliteJobStore(openDatabase(':memory:'));
    await store.insert(newJob('a'));
    const [first] = (await store.claim('t', t0, 1_000, 1)).claimed;
    // The lease expires and another claim takes the job over (the general path).
    const [second] = (await store.claim('t', t0 + 1_000, 1_000, 1)).claimed;
    expect(second?.job.history.map((a) => a.errorKind)).toEqual(['lease_expired']);
    const attempt = {
      attempt: 2,
      round: 1,
      startedAt: t0 + 1_000,
      endedAt: t0 + 1_001,
      durationMs: 1,
      outcome: 'ok' as const,
    };
    const succeeded = { status: 'succeeded' } as const;
    expect(await store.settle('a', first?.leaseToken ?? '', attempt, succeeded)).toBe(false);
    expect(await store.settle('a', second?.leaseToken ?? '', attempt, succeeded)).toBe(true);
    const job = await store.get('a');
    expect(job?.status).toBe('succeeded');
    expect(job?.history.map((a) => a.errorKind ?? a.outcome)).toEqual(['lease_expired', 'ok']);
  });
});
