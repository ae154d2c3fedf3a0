// Child process for the queue benchmark: one run of one variant, then exits. Prints one JSON line:
// enqueue and completion rates (jobs/s) and CPU µs per job.
//   embedded <jobs> <concurrency>          the product queue (createJobQueue over SQLite, queue.db)
//   raw <jobs> <rowsPerTx>                 the same rows written with plain statements, no queue logic
//   bullmq <jobs> <concurrency> <redis-port> <redis-pid>
// Every variant: `jobs` no-op jobs enqueued by `concurrency` producers each awaiting its enqueue
// (an acknowledged enqueue is durable), then completed by workers of that concurrency.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJobQueue } from '@switchboard/bff/queue/job-queue';
import { silentLogger } from '@switchboard/bff/http/logger';
import {
  createSqliteJobStore,
  openQueueDatabase,
} from '@switchboard/bff/runtime/node/sqlite-queue';
import { systemClock } from '@switchboard/bff/resilience/clock';

export interface QueueRunResult {
  enqueuePerSec: number;
  completePerSec: number;
  /** CPU of this process (and of redis-server for BullMQ) per job, µs. */
  enqueueCpuUs: number;
  completeCpuUs: number;
  /** Commits per phase, when the variant can count them. */
  note?: string;
}

const [mode = 'embedded', jobsArg = '10000', third = '16', redisPort = '0', redisPid = '0'] =
  process.argv.slice(2);
const jobs = Number(jobsArg);
const type = 'bench.noop';
const payloadOf = (i: number) => ({ i, user: `user-${i}`, at: 1_700_000_000_000 + i });

/** CPU ms of another process (Linux; 10 ms ticks). */
function procCpuMs(pid: number): number {
  if (!pid) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Runs `phase`, returning its rate and the CPU µs per job it used (this process + `otherPid`). */
async function timed(phase: () => Promise<void> | void, otherPid = 0) {
  const cpu0 = process.cpuUsage();
  const other0 = procCpuMs(otherPid);
  const t0 = performance.now();
  await phase();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuUs = cpu.user + cpu.system + (procCpuMs(otherPid) - other0) * 1000;
  return { perSec: (jobs / ms) * 1000, cpuUs: cpuUs / jobs };
}

/** `concurrency` producers, each awaiting its enqueue before the next. */
async function produce(concurrency: number, enqueue: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs) await enqueue(next++);
    }),
  );
}

async function embedded(concurrency: number): Promise<QueueRunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-queue-bench-'));
  const db = openQueueDatabase(dir);
  try {
    const queue = createJobQueue({
      store: createSqliteJobStore(db),
      clock: { now: () => Date.now(), sleep: (ms, signal) => systemClock.sleep(ms, signal) },
      logger: silentLogger,
    });
    const enqueue = await timed(() =>
      produce(concurrency, (i) => queue.enqueue({ type, payload: payloadOf(i) })),
    );
    let handled = 0;
    let allHandled = () => {};
    const handledAll = new Promise<void>((resolve) => (allHandled = resolve));
    queue.handle(
      type,
      () => {
        handled += 1;
        if (handled === jobs) allHandled();
      },
      { concurrency },
    );
    const complete = await timed(async () => {
      queue.start();
      await handledAll;
      // Drain waits for the last settles to commit.
      await queue.drain(10_000);
    });
    const stats = await queue.stats();
    const succeeded = stats.byType[type]?.succeeded ?? 0;
    if (succeeded !== jobs) throw new Error(`embedded: ${succeeded} of ${jobs} jobs succeeded`);
    return {
      enqueuePerSec: enqueue.perSec,
      completePerSec: complete.perSec,
      enqueueCpuUs: enqueue.cpuUs,
      completeCpuUs: complete.cpuUs,
    };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same rows as the queue writes, with the same pragmas and schema, by plain prepared
 * statements: an INSERT per job, then per job the two updates a claim and a settle make (running,
 * then succeeded with one attempt in its history), `rowsPerTx` rows per transaction.
 */
async function raw(rowsPerTx: number): Promise<QueueRunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-queue-bench-'));
  const db = openQueueDatabase(dir);
  // The product fsyncs the WAL itself after each group COMMIT (decision 027); plain statements
  // have no such step, so the raw loop gets SQLite's own fsync inside COMMIT: the same durability.
  db.pragma('synchronous = FULL');
  try {
    createSqliteJobStore(db); // the schema and its indexes
    const insert = db.prepare(
      `INSERT INTO jobs (id, type, payload, idempotency_key, status, priority, max_attempts,
         backoff_base_ms, backoff_max_ms, run_at, integration, operation, created_at, updated_at)
       VALUES (?, ?, ?, NULL, 'queued', 0, 5, 1000, 60000, ?, NULL, NULL, ?, ?)`,
    );
    const running = db.prepare(
      `UPDATE jobs SET status = 'running', attempts = 1, lease_until = ?, lease_token = ?,
         updated_at = ? WHERE id = ?`,
    );
    const succeeded = db.prepare(
      `UPDATE jobs SET status = 'succeeded', lease_until = NULL, lease_token = NULL, history = ?,
         updated_at = ? WHERE id = ?`,
    );
    const ids = Array.from({ length: jobs }, () => crypto.randomUUID());
    const inBatches = (write: (id: string, i: number) => void) => {
      const tx = db.transaction((from: number, to: number) => {
        for (let i = from; i < to; i++) write(ids[i] ?? '', i);
      });
      for (let i = 0; i < jobs; i += rowsPerTx) tx(i, Math.min(jobs, i + rowsPerTx));
    };
    const enqueue = await timed(() => {
      inBatches((id, i) => {
        const now = Date.now();
        insert.run(id, type, JSON.stringify(payloadOf(i)), now, now, now);
      });
    });
    const complete = await timed(() => {
      inBatches((id) => {
        const now = Date.now();
        running.run(now + 30_000, crypto.randomUUID(), now, id);
      });
      inBatches((id) => {
        const now = Date.now();
        const attempt = { attempt: 1, round: 1, startedAt: now, endedAt: now, durationMs: 0 };
        succeeded.run(JSON.stringify([{ ...attempt, outcome: 'ok' }]), now, id);
      });
    });
    return {
      enqueuePerSec: enqueue.perSec,
      completePerSec: complete.perSec,
      enqueueCpuUs: enqueue.cpuUs,
      completeCpuUs: complete.cpuUs,
    };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bullmq(concurrency: number, port: number, pid: number): Promise<QueueRunResult> {
  const { Queue, Worker } = await import('bullmq');
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const name = `bench-${crypto.randomUUID()}`;
  const queue = new Queue(name, { connection });
  await queue.waitUntilReady();
  try {
    const enqueue = await timed(
      () => produce(concurrency, (i) => queue.add('noop', payloadOf(i))),
      pid,
    );
    let completed = 0;
    let allDone = () => {};
    const done = new Promise<void>((resolve) => (allDone = resolve));
    const workers: { close(): Promise<void> }[] = [];
    const complete = await timed(async () => {
      // A no-op processor (BullMQ's processor must return a promise).
      const worker = new Worker(name, () => Promise.resolve(), { connection, concurrency });
      workers.push(worker);
      worker.on('completed', () => {
        completed += 1;
        if (completed === jobs) allDone();
      });
      await done;
    }, pid);
    for (const worker of workers) await worker.close();
    const counts = await queue.getJobCounts('completed');
    if (counts.completed !== jobs)
      throw new Error(`bullmq: ${counts.completed} of ${jobs} completed`);
    await queue.obliterate({ force: true });
    return {
      enqueuePerSec: enqueue.perSec,
      completePerSec: complete.perSec,
      enqueueCpuUs: enqueue.cpuUs,
      completeCpuUs: complete.cpuUs,
    };
  } finally {
    await queue.close();
  }
}

const result =
  mode === 'raw'
    ? await raw(Number(third))
    : mode === 'bullmq'
      ? await bullmq(Number(third), Number(redisPort), Number(redisPid))
      : await embedded(Number(third));
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
