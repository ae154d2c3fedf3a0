// The embedded queue runner: workers per job type over a JobStore — leases, retries with backoff
// and jitter, dead letters, graceful drain. Runtime-neutral: time, randomness and storage are injected.
import type { Job, JobAttempt, QueueStats } from '@switchboard/shared/queue';
import type { Logger } from '../http/logger';
import { backoffDelay } from './backoff';
import { timeOrderedId } from './job-id';
import type { ClaimedJob, JobStore, NewJob } from './job-store';
import { diffPayload } from './payload-diff';
import {
  isJobFailure,
  type BackoffPolicy,
  type EnqueueOptions,
  type JobContext,
  type JobHandler,
  type JobSettled,
  type JobSuccess,
  type Queue,
  type WorkerOptions,
} from './queue';

/** Wall-clock time (epoch ms: leases and run times outlive the process) and waits. */
export interface QueueClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface JobQueueOptions {
  store: JobStore;
  clock: QueueClock;
  random?: () => number;
  logger: Logger;
  /** How long a claim holds a job before another worker may take it. Default 30 s. */
  leaseMs?: number;
  /** How often idle workers look for due jobs (an enqueue wakes them at once). Default 1 s. */
  pollMs?: number;
  defaultMaxAttempts?: number;
  defaultBackoff?: BackoffPolicy;
  newId?: () => string;
}

interface Worker {
  handler: JobHandler;
  concurrency: number;
  onDead: WorkerOptions['onDead'];
  inFlight: Map<string, Lease>;
}

/** A claimed job while its handler runs: what the shared heartbeat extends and can revoke. */
interface Lease {
  claimed: ClaimedJob;
  /** Made when the handler first reads `signal` (most never do; AbortController is not free). */
  controller: AbortController | undefined;
  /** Why the job must stop (lease lost, drain bound), once it must. */
  stopped: { reason: unknown } | undefined;
}

const signalOf = (lease: Lease): AbortSignal => {
  if (!lease.controller) {
    lease.controller = new AbortController();
    if (lease.stopped) lease.controller.abort(lease.stopped.reason);
  }
  return lease.controller.signal;
};

/**
 * What a handler is given per job. A class, not a literal with `get signal()`: V8 promotes what a
 * per-object accessor closes over (decision 039), so each job's lease would outlive the scavenge.
 */
class AttemptContext implements JobContext {
  constructor(
    readonly attempt: number,
    private readonly lease: Lease,
  ) {}

  /** Made on first read: most handlers never read it, and an AbortController is not free. */
  get signal(): AbortSignal {
    return signalOf(this.lease);
  }
}

/** The attempt a settle records: its key order is the order stored in the history. */
const attemptOf = (
  job: Job,
  startedAt: number,
  endedAt: number,
  outcome: JobAttempt['outcome'],
): JobAttempt => ({
  attempt: job.attempts,
  round: job.round,
  startedAt,
  endedAt,
  durationMs: Math.max(0, endedAt - startedAt),
  outcome,
});

/** Why an idle worker's sleep ended: a reason given, so the abort makes no DOMException. */
const wakeReason = 'woken';

const stopLease = (lease: Lease, reason: unknown) => {
  if (lease.stopped) return;
  lease.stopped = { reason };
  lease.controller?.abort(reason);
};

/**
 * @example
 * const queue = createJobQueue({ store: createSqliteJobStore(db), clock: wallClock, logger });
 * queue.handle('email.send', async (job) => { await send(job.payload); }, { concurrency: 4 });
 * queue.start(); await queue.enqueue({ type: 'email.send', payload, idempotencyKey });
 */
export function createJobQueue(options: JobQueueOptions): Queue {
  const { store, clock, logger } = options;
  const random = options.random ?? Math.random;
  const leaseMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 1_000;
  const defaultMaxAttempts = options.defaultMaxAttempts ?? 5;
  const defaultBackoff = options.defaultBackoff ?? { baseMs: 1_000, maxMs: 60_000 };
  // Time-ordered: new jobs append to the id indexes instead of landing on random pages (job-id.ts).
  const newId = options.newId ?? (() => timeOrderedId(clock.now()));
  const workers = new Map<string, Worker>();
  const settledListeners = new Set<(event: JobSettled) => void>();
  const settled = (event: JobSettled) => {
    for (const listener of settledListeners) {
      try {
        listener(event);
      } catch (err) {
        logger.error({ err: String(err) }, 'a queue listener failed');
      }
    }
  };
  let running = false;
  let draining = false;
  const loops: Promise<void>[] = [];
  // Replaced on every wake-up that finds a worker asleep: aborting it ends every idle worker's sleep.
  let wake = new AbortController();
  let sleepers = 0;
  // Counts wake-ups, so a worker that was claiming when one came does not go to sleep past it.
  let wakeups = 0;
  const wakeWorkers = () => {
    wakeups += 1;
    if (sleepers === 0) return;
    wake.abort(wakeReason);
    wake = new AbortController();
  };
  // Every job in flight, across types: one heartbeat extends all their leases together (their
  // extensions share a commit) instead of a timer and two AbortControllers per job.
  const leases = new Set<Lease>();
  // Claimed jobs until their settle has committed (a job leaves `inFlight` before that), and who
  // waits for there to be none (drain). A count, not a set of promises: one promise less per job.
  let unsettled = 0;
  let unsettledWaiters: (() => void)[] = [];
  const allSettled = () =>
    unsettled === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => unsettledWaiters.push(resolve));
  const settledOne = () => {
    unsettled -= 1;
    if (unsettled > 0 || unsettledWaiters.length === 0) return;
    const waiters = unsettledWaiters;
    unsettledWaiters = [];
    for (const resolve of waiters) resolve();
  };
  let heartbeatStop: AbortController | undefined;

  async function buried(worker: Worker, job: Job) {
    if (!worker.onDead) return;
    try {
      await worker.onDead(job);
    } catch (err) {
      logger.error({ jobId: job.id, type: job.type, err: String(err) }, 'onDead hook failed');
    }
  }

  /**
   * Keeps the leases of the jobs in flight. It ends at the first beat that finds none rather than
   * when the last one is released: under load the jobs in flight drop to none between every batch
   * of claims, and stopping and restarting the beat each time (a timer, an abort and its
   * DOMException) cost ~10 µs of CPU per job (bench/RESULTS.md, queue9). A lease is still
   * extended within `every` of its claim, as before. `drain` stops it at once.
   */
  async function heartbeat(stop: AbortSignal) {
    const every = Math.max(1, Math.floor(leaseMs / 3));
    for (;;) {
      try {
        await clock.sleep(every, stop);
      } catch {
        return;
      }
      if (leases.size === 0) {
        if (heartbeatStop?.signal === stop) heartbeatStop = undefined;
        return;
      }
      const leaseUntil = clock.now() + leaseMs;
      await Promise.all(
        [...leases].map(async (lease) => {
          const { job, leaseToken } = lease.claimed;
          try {
            if (!(await store.extendLease(job.id, leaseToken, leaseUntil)))
              stopLease(lease, new Error('lease lost'));
          } catch (err) {
            // Kept running: if the lease does lapse, the settle is refused and the job redelivered.
            logger.warn({ jobId: job.id, err: String(err) }, 'extending a job lease failed');
          }
        }),
      );
    }
  }

  function holdLease(lease: Lease) {
    leases.add(lease);
    if (heartbeatStop) return;
    heartbeatStop = new AbortController();
    void heartbeat(heartbeatStop.signal);
  }

  function stopHeartbeat() {
    heartbeatStop?.abort();
    heartbeatStop = undefined;
  }

  /** The job's slot is free: look for more at once. */
  function free(worker: Worker, lease: Lease) {
    if (!worker.inFlight.delete(lease.claimed.job.id)) return;
    if (running) wakeWorkers();
  }

  /**
   * Runs the handler, then settles; never rejects. The slot is freed as soon as the handler has
   * returned, before the settle commits: the worker's next claim then joins the same group commit
   * as the settles (one fsync for both), and concurrency still bounds the handlers running at
   * once. Per job it makes no closures (each costs a `__name` under tsx) and one promise of its own.
   */
  async function runJob(type: string, worker: Worker, lease: Lease) {
    const { claimed } = lease;
    const { job } = claimed;
    const attemptNo = job.attempts;
    const startedAt = clock.now();
    holdLease(lease);
    try {
      try {
        let success: JobSuccess | void;
        try {
          success = await worker.handler(job, new AttemptContext(attemptNo, lease));
        } finally {
          leases.delete(lease);
          free(worker, lease);
        }
        const attempt = attemptOf(job, startedAt, clock.now(), 'ok');
        const provider = success?.provider ?? job.integration ?? undefined;
        if (provider !== undefined) attempt.provider = provider;
        const held = await store.settle(job.id, claimed.leaseToken, attempt, {
          status: 'succeeded',
        });
        // No listener (the benchmark, tools): no event object to build.
        if (held && settledListeners.size > 0)
          settled({ type, jobId: job.id, outcome: 'succeeded' });
      } catch (err) {
        const failure = isJobFailure(err) ? err : undefined;
        const attempt: JobAttempt = {
          ...attemptOf(job, startedAt, clock.now(), 'error'),
          errorKind: failure?.kind ?? 'handler',
          message: (err instanceof Error ? err.message : String(err)).slice(0, 1_000),
          ...((failure?.provider ?? job.integration) && {
            provider: failure?.provider ?? job.integration ?? undefined,
          }),
        };
        const exhausted = attemptNo >= job.maxAttempts || failure?.retryable === false;
        const next = exhausted
          ? ({ status: 'dead' } as const)
          : ({
              status: 'queued',
              runAt: clock.now() + backoffDelay(claimed.backoff, attemptNo, random),
            } as const);
        const held = await store.settle(job.id, claimed.leaseToken, attempt, next);
        if (held) settled({ type, jobId: job.id, outcome: exhausted ? 'dead' : 'retrying' });
        if (held && exhausted) {
          logger.warn(
            { jobId: job.id, type, attempts: attemptNo, kind: attempt.errorKind },
            'job moved to the dead-letter queue',
          );
          const dead = await store.get(job.id);
          if (dead) await buried(worker, dead);
        }
      } finally {
        leases.delete(lease);
        free(worker, lease);
      }
    } catch (err) {
      logger.error({ jobId: job.id, type, err: String(err) }, 'job runner failed');
    } finally {
      settledOne();
    }
  }

  /** Claims what this worker has room for; returns the runs it started. */
  async function claimFor(type: string, worker: Worker): Promise<Promise<void>[]> {
    const room = worker.concurrency - worker.inFlight.size;
    if (room <= 0 || draining) return [];
    const { claimed, dead } = await store.claim(type, clock.now(), leaseMs, room);
    for (const job of dead) {
      settled({ type, jobId: job.id, outcome: 'dead' });
      await buried(worker, job);
    }
    const runs: Promise<void>[] = [];
    for (const c of claimed) {
      const lease: Lease = { claimed: c, controller: undefined, stopped: undefined };
      // In flight before the handler starts: a handler that returns at once frees its slot.
      worker.inFlight.set(c.job.id, lease);
      unsettled += 1;
      runs.push(runJob(type, worker, lease));
    }
    return runs;
  }

  async function loop(type: string, worker: Worker) {
    while (running && !draining) {
      const seen = wakeups;
      let started = 0;
      try {
        started = (await claimFor(type, worker)).length;
      } catch (err) {
        logger.error({ type, err: String(err) }, 'claiming jobs failed');
      }
      if (started > 0 && worker.inFlight.size < worker.concurrency) continue;
      // Full: a finishing job wakes the loop, so there is no due time to look up.
      const due =
        worker.inFlight.size >= worker.concurrency
          ? undefined
          : await store.nextDueAt(type).catch(() => undefined);
      if (wakeups !== seen) continue;
      const wait = due === undefined ? pollMs : Math.min(pollMs, Math.max(1, due - clock.now()));
      sleepers += 1;
      await clock.sleep(wait, wake.signal).catch(() => undefined);
      sleepers -= 1;
    }
  }

  const newJob = (o: EnqueueOptions, now: number): NewJob => ({
    id: newId(),
    type: o.type,
    payload: o.payload ?? null,
    idempotencyKey: o.idempotencyKey ?? null,
    priority: o.priority ?? 0,
    runAt: o.runAt ?? now + (o.delayMs ?? 0),
    maxAttempts: o.maxAttempts ?? defaultMaxAttempts,
    backoff: o.backoff ?? defaultBackoff,
    integration: o.integration ?? null,
    operation: o.operation ?? null,
    createdAt: now,
    origin: o.origin ?? null,
  });

  async function selectIds(selection: Parameters<Queue['deadLetters']['replay']>[0]) {
    return (await store.selectDead(selection)).map((j) => j.id);
  }

  const queue: Queue = {
    async enqueue(o) {
      const result = await store.insert(newJob(o, clock.now()));
      if (result.created && running) wakeWorkers();
      return result;
    },
    async enqueueMany(list) {
      if (list.length === 0) return [];
      const now = clock.now();
      const results = await store.insertMany(list.map((o) => newJob(o, now)));
      if (results.some((r) => r.created) && running) wakeWorkers();
      return results;
    },
    handle(type, handler, workerOptions: WorkerOptions = {}) {
      if (workers.has(type)) throw new Error(`a handler for ${type} is already registered`);
      const concurrency = workerOptions.concurrency ?? 1;
      if (!Number.isInteger(concurrency) || concurrency < 1)
        throw new Error(`concurrency for ${type} must be a positive integer`);
      workers.set(type, {
        handler,
        concurrency,
        onDead: workerOptions.onDead,
        inFlight: new Map(),
      });
      if (running) loops.push(loop(type, workers.get(type) as Worker));
    },
    get: (id) => store.get(id),
    start() {
      if (running) return;
      running = true;
      draining = false;
      for (const [type, worker] of workers) loops.push(loop(type, worker));
    },
    async runDue() {
      const started = await Promise.all(
        [...workers].map(([type, worker]) => claimFor(type, worker)),
      );
      const all = started.flat();
      await Promise.all(all);
      return all.length;
    },
    async drain(timeoutMs) {
      draining = true;
      running = false;
      wakeWorkers();
      await Promise.all(loops.splice(0));
      const bound = new AbortController();
      const timedOut = await Promise.race([
        allSettled().then(() => false),
        clock.sleep(timeoutMs, bound.signal).then(
          () => true,
          () => false,
        ),
      ]);
      bound.abort();
      // The beat outlives the last lease by up to a beat: end it now rather than leave its timer.
      if (leases.size === 0) stopHeartbeat();
      if (!timedOut) return { abandoned: 0 };
      // Left to their leases: another worker (or this one after a restart) takes them again.
      const left = [...workers.values()].flatMap((w) => [...w.inFlight.values()]);
      for (const lease of left) stopLease(lease, new Error('queue drained'));
      logger.warn({ abandoned: left.length, timeoutMs }, 'jobs outlived the queue drain bound');
      return { abandoned: left.length };
    },
    async stats(): Promise<QueueStats> {
      const counts = await store.counts();
      const byType: QueueStats['byType'] = {};
      for (const [type, c] of Object.entries(counts)) {
        byType[type] = {
          queued: c.queued ?? 0,
          running: c.running ?? 0,
          succeeded: c.succeeded ?? 0,
          dead: c.dead ?? 0,
          discarded: c.discarded ?? 0,
        };
      }
      return {
        byType,
        workers: Object.fromEntries(
          [...workers].map(([type, w]) => [
            type,
            { concurrency: w.concurrency, inFlight: w.inFlight.size },
          ]),
        ),
        draining,
      };
    },
    depthByIntegration: () => store.depthByIntegration(),
    onSettled(listener) {
      settledListeners.add(listener);
      return () => settledListeners.delete(listener);
    },
    deadLetters: {
      issues: () => store.deadIssues(),
      list: (filter) => store.listDead(filter),
      async get(id) {
        const job = await store.get(id);
        return job && (job.status === 'dead' || job.status === 'discarded') ? job : undefined;
      },
      async replay(selection, { dryRun }) {
        const ids = await selectIds(selection);
        if (dryRun) return { dryRun, count: ids.length, ids };
        const moved = await store.requeue(ids, clock.now());
        if (moved.length > 0 && running) wakeWorkers();
        return { dryRun, count: moved.length, ids: moved };
      },
      async edit(id, payload) {
        const job = await store.get(id);
        if (!job || job.status !== 'dead') return undefined;
        const updated = await store.setPayload(id, payload, clock.now());
        return updated && { deadLetter: updated, diff: diffPayload(job.payload, payload) };
      },
      async discard(selection, reason) {
        return store.discard(await selectIds(selection), reason, clock.now());
      },
    },
  };
  return queue;
}
