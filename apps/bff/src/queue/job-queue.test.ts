// The embedded queue over real SQLite (in memory) with a manual clock: leases, retries, dead letters.
import type { Job } from '@switchboard/shared/queue';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../http/logger';
import { createManualClock } from '../resilience/clock';
import { openDatabase } from '../runtime/node/sqlite';
import { createSqliteJobStore } from '../runtime/node/sqlite-queue';
import { backoffDelay } from './backoff';
import { createJobQueue } from './job-queue';
import { JobFailure } from './queue';

const t0 = Date.UTC(2026, 0, 1);

function setup(options: { leaseMs?: number; random?: () => number } = {}) {
  const clock = createManualClock(t0);
  const store = createSqliteJobStore(openDatabase(':memory:'));
  const queue = createJobQueue({
    store,
    clock,
    logger: silentLogger,
    random: options.random ?? (() => 0.5),
    leaseMs: options.leaseMs ?? 10_000,
    defaultBackoff: { baseMs: 1_000, maxMs: 8_000 },
  });
  return { clock, store, queue };
}

describe('enqueue and run', () => {
  it('runs a job once and records the attempt', async () => {
    const { queue } = setup();
    const seen: unknown[] = [];
    queue.handle('greet', (job) => {
      seen.push(job.payload);
    });
    const { id, created } = await queue.enqueue({ type: 'greet', payload: { to: 'ada' } });
    expect(created).toBe(true);
    expect(await queue.runDue()).toBe(1);
    expect(await queue.runDue()).toBe(0);
    expect(seen).toEqual([{ to: 'ada' }]);
    const job = await queue.get(id);
    expect(job?.status).toBe('succeeded');
    expect(job?.history).toMatchObject([{ attempt: 1, round: 1, outcome: 'ok' }]);
  });

  it('deduplicates by idempotency key per type', async () => {
    const { queue } = setup();
    const a = await queue.enqueue({ type: 't', payload: 1, idempotencyKey: 'k1' });
    const b = await queue.enqueue({ type: 't', payload: 2, idempotencyKey: 'k1' });
    const c = await queue.enqueue({ type: 'other', payload: 3, idempotencyKey: 'k1' });
    expect(b).toEqual({ id: a.id, created: false });
    expect(c.created).toBe(true);
  });

  it('holds delayed jobs until their time and runs higher priority first', async () => {
    const { queue, clock } = setup();
    const order: unknown[] = [];
    queue.handle('t', (job) => {
      order.push(job.payload);
    });
    await queue.enqueue({ type: 't', payload: 'later', delayMs: 5_000 });
    await queue.enqueue({ type: 't', payload: 'low', priority: 0 });
    await queue.enqueue({ type: 't', payload: 'high', priority: 10 });
    await queue.runDue();
    await queue.runDue();
    expect(order).toEqual(['high', 'low']);
    await clock.advance(5_000);
    await queue.runDue();
    expect(order).toEqual(['high', 'low', 'later']);
  });

  it('runs no more than the type’s concurrency at once', async () => {
    const { queue } = setup();
    let active = 0;
    let peak = 0;
    queue.handle(
      't',
      async () => {
        active += 1;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 5));
        active -= 1;
      },
      { concurrency: 2 },
    );
    for (let i = 0; i < 5; i += 1) await queue.enqueue({ type: 't', payload: i });
    expect(await queue.runDue()).toBe(2);
    expect(await queue.runDue()).toBe(2);
    expect(await queue.runDue()).toBe(1);
    expect(peak).toBe(2);
  });
});

describe('leases', () => {
  it('redelivers a job whose worker died once its lease expires', async () => {
    const { queue, store, clock } = setup({ leaseMs: 10_000 });
    const { id } = await queue.enqueue({ type: 't', payload: 'x', maxAttempts: 3 });
    // A worker claims it and dies: nothing settles the job.
    const { claimed } = await store.claim('t', clock.now(), 10_000, 1);
    expect(claimed).toHaveLength(1);
    const runs: number[] = [];
    queue.handle('t', (_job, ctx) => {
      runs.push(ctx.attempt);
    });
    expect(await queue.runDue()).toBe(0); // still leased
    await clock.advance(10_000);
    expect(await queue.runDue()).toBe(1);
    expect(runs).toEqual([2]);
    const job = await queue.get(id);
    expect(job?.status).toBe('succeeded');
    expect(job?.history.map((a) => a.errorKind ?? a.outcome)).toEqual(['lease_expired', 'ok']);
  });

  it('sends a job to the dead letters when its last lease expires', async () => {
    const { queue, store, clock } = setup();
    const dead: Job[] = [];
    queue.handle('t', () => {}, { onDead: (job) => void dead.push(job) });
    const { id } = await queue.enqueue({ type: 't', payload: 'x', maxAttempts: 1 });
    await store.claim('t', clock.now(), 10_000, 1);
    await clock.advance(10_000);
    expect(await queue.runDue()).toBe(0);
    expect((await queue.get(id))?.status).toBe('dead');
    expect(dead.map((j) => j.id)).toEqual([id]);
  });

  it('a worker whose lease was taken over cannot settle the job', async () => {
    const { store, clock, queue } = setup();
    const { id } = await queue.enqueue({ type: 't', payload: 'x' });
    const first = await store.claim('t', clock.now(), 1_000, 1);
    await clock.advance(1_000);
    const second = await store.claim('t', clock.now(), 1_000, 1);
    const attempt = {
      attempt: 1,
      round: 1,
      startedAt: t0,
      endedAt: t0,
      durationMs: 0,
      outcome: 'ok' as const,
    };
    const stale = first.claimed[0]?.leaseToken ?? '';
    expect(await store.settle(id, stale, attempt, { status: 'succeeded' })).toBe(false);
    const fresh = second.claimed[0]?.leaseToken ?? '';
    expect(await store.settle(id, fresh, attempt, { status: 'succeeded' })).toBe(true);
  });
});

describe('retries and dead letters', () => {
  it('retries with exponential backoff and jitter, then dead-letters with every attempt', async () => {
    const { queue, clock } = setup({ random: () => 0.5 });
    queue.handle('charge', () => {
      throw new JobFailure('http_5xx', 'payments answered HTTP 503', { provider: 'payments' });
    });
    const { id } = await queue.enqueue({
      type: 'charge',
      payload: { amount: 100 },
      maxAttempts: 3,
      integration: 'payments',
      operation: 'charge',
    });
    await queue.runDue();
    let job = await queue.get(id);
    expect(job?.status).toBe('queued');
    // Attempt 1 failed: 1 s step, half fixed + 0.5 × half = 750 ms.
    expect(job?.runAt).toBe(t0 + 750);
    await clock.advance(749);
    expect(await queue.runDue()).toBe(0);
    await clock.advance(1);
    expect(await queue.runDue()).toBe(1);
    job = await queue.get(id);
    expect(job?.runAt).toBe(clock.now() + 1_500);
    await clock.advance(1_500);
    await queue.runDue();
    job = await queue.get(id);
    expect(job?.status).toBe('dead');
    expect(job?.deadAt).toBe(clock.now());
    expect(job?.history).toHaveLength(3);
    expect(job?.history.map((a) => [a.attempt, a.errorKind, a.provider])).toEqual([
      [1, 'http_5xx', 'payments'],
      [2, 'http_5xx', 'payments'],
      [3, 'http_5xx', 'payments'],
    ]);
    expect(job?.history[0]?.message).toBe('payments answered HTTP 503');
  });

  it('dead-letters a non-retryable failure at once', async () => {
    const { queue } = setup();
    queue.handle('t', () => {
      throw new JobFailure('http_4xx', 'bad request', { retryable: false });
    });
    const { id } = await queue.enqueue({ type: 't', payload: 1, maxAttempts: 5 });
    await queue.runDue();
    expect((await queue.get(id))?.status).toBe('dead');
  });

  it('backoff stays within half and all of the capped step', () => {
    const policy = { baseMs: 100, maxMs: 1_000 };
    expect(backoffDelay(policy, 1, () => 0)).toBe(50);
    expect(backoffDelay(policy, 1, () => 1)).toBe(100);
    expect(backoffDelay(policy, 10, () => 1)).toBe(1_000);
  });
});

describe('dead-letter operations', () => {
  async function withDeadLetters() {
    const s = setup();
    let healthy = false;
    s.queue.handle(
      'send',
      (job) => {
        const body = job.payload as { to?: string };
        if (!healthy) throw new JobFailure('http_5xx', 'email answered HTTP 500');
        if (body.to === undefined) throw new JobFailure('invalid_payload', 'no recipient');
      },
      { concurrency: 5 },
    );
    const ids: string[] = [];
    for (const to of ['a@x.io', 'b@x.io', 'c@x.io']) {
      const { id } = await s.queue.enqueue({
        type: 'send',
        payload: { to },
        maxAttempts: 1,
        integration: 'email',
        operation: 'send',
      });
      ids.push(id);
    }
    await s.queue.runDue();
    return { ...s, ids, heal: () => (healthy = true) };
  }

  it('groups dead letters into issues with counts and first/last seen', async () => {
    const { queue, clock } = await withDeadLetters();
    const issues = await queue.deadLetters.issues();
    expect(issues).toEqual([
      {
        id: 'email/send/http_5xx',
        integration: 'email',
        operation: 'send',
        errorKind: 'http_5xx',
        count: 3,
        firstSeen: clock.now(),
        lastSeen: clock.now(),
        sampleMessage: 'email answered HTTP 500',
      },
    ]);
  });

  it('replays a selection (dry run first) and the replay completes', async () => {
    const { queue, ids, heal } = await withDeadLetters();
    const dry = await queue.deadLetters.replay({ ids: [ids[0] ?? ''] }, { dryRun: true });
    expect(dry).toEqual({ dryRun: true, count: 1, ids: [ids[0]] });
    expect((await queue.get(ids[0] ?? ''))?.status).toBe('dead');
    heal();
    const done = await queue.deadLetters.replay({ ids: [ids[0] ?? ''] }, { dryRun: false });
    expect(done.count).toBe(1);
    await queue.runDue();
    const job = await queue.get(ids[0] ?? '');
    expect(job?.status).toBe('succeeded');
    expect(job?.round).toBe(2);
    expect(job?.history.map((a) => [a.round, a.outcome])).toEqual([
      [1, 'error'],
      [2, 'ok'],
    ]);
  });

  it('replays a whole issue', async () => {
    const { queue, heal } = await withDeadLetters();
    heal();
    const dry = await queue.deadLetters.replay({ issue: 'email/send/http_5xx' }, { dryRun: true });
    expect(dry.count).toBe(3);
    await queue.deadLetters.replay({ issue: 'email/send/http_5xx' }, { dryRun: false });
    expect(await queue.runDue()).toBe(3);
    expect(await queue.deadLetters.issues()).toEqual([]);
  });

  it('edits a payload (returning the diff and bumping the revision) and discards with a reason', async () => {
    const { queue, ids } = await withDeadLetters();
    const edited = await queue.deadLetters.edit(ids[1] ?? '', { to: 'fixed@x.io', cc: 'y@x.io' });
    expect(edited?.diff).toEqual([
      { path: '/to', op: 'replace', before: 'b@x.io', after: 'fixed@x.io' },
      { path: '/cc', op: 'add', after: 'y@x.io' },
    ]);
    expect(edited?.deadLetter.revision).toBe(1);
    const discarded = await queue.deadLetters.discard({ ids: [ids[2] ?? ''] }, 'customer left');
    expect(discarded).toEqual([ids[2]]);
    const job = await queue.deadLetters.get(ids[2] ?? '');
    expect(job).toMatchObject({ status: 'discarded', discardReason: 'customer left' });
    expect((await queue.deadLetters.issues())[0]?.count).toBe(2);
  });
});

describe('workers and drain', () => {
  it('started workers pick up an enqueued job, and drain waits for jobs in flight', async () => {
    const { queue } = setup();
    let release: () => void = () => {};
    const started = new Promise<void>((resolveStarted) => {
      queue.handle('t', async () => {
        resolveStarted();
        await new Promise<void>((r) => (release = r));
      });
    });
    queue.start();
    const { id } = await queue.enqueue({ type: 't', payload: 1 });
    await started;
    const drained = queue.drain(60_000);
    expect((await queue.stats()).draining).toBe(true);
    release();
    expect(await drained).toEqual({ abandoned: 0 });
    expect((await queue.get(id))?.status).toBe('succeeded');
    // Drained: nothing new is claimed.
    await queue.enqueue({ type: 't', payload: 2 });
    expect((await queue.stats()).byType.t).toMatchObject({ queued: 1, succeeded: 1 });
  });

  it('drain gives up after its bound and leaves the job to its lease', async () => {
    const { queue, clock } = setup();
    let aborted = false;
    let ownSignal: PropertyDescriptor | undefined;
    const started = new Promise<void>((resolveStarted) => {
      queue.handle('t', async (_job, ctx) => {
        ownSignal = Object.getOwnPropertyDescriptor(ctx, 'signal');
        resolveStarted();
        await new Promise<void>((r) =>
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            r();
          }),
        );
      });
    });
    queue.start();
    const { id } = await queue.enqueue({ type: 't', payload: 1 });
    await started;
    const drained = queue.drain(5_000);
    await clock.advance(5_000);
    expect(await drained).toEqual({ abandoned: 1 });
    expect(aborted).toBe(true);
    // Read through the context's class, not an accessor of its own on each job's (decision 039).
    expect(ownSignal).toBeUndefined();
    expect((await queue.get(id))?.status).not.toBe('dead');
  });
});
