// WAL checkpoints off the event loop (queue.db, decision 032; the main database, decision 030).
// SQLite's auto-checkpoint runs inside the COMMIT that crosses its threshold, on the writer's
// thread: it copies the WAL's pages into the database and fsyncs both while the event loop waits
// (≈ 20 µs of a webhook delivery's wall time, measured with 1,000-page checkpoints:
// bench/RESULTS.md, ingest8; tens of ms in the metrics store's per-second write). Here a worker
// thread with its own connection runs a PASSIVE checkpoint every `intervalMs`: it copies the
// frames committed so far while the writer goes on committing. A PASSIVE checkpoint never waits
// for the writer and cannot restart a WAL that keeps being appended to, so the writer keeps an
// auto-checkpoint with a higher threshold as the bound on the WAL's size: when it fires, the worker
// has already copied all but the last interval's frames, so the checkpoint left on the event loop
// is a small one.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqliteDatabase } from './sqlite';

/** The worker's code (CommonJS, evaluated): no build step, no file to ship next to the bundle. */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
// Never wait for a lock: a checkpoint that cannot run now runs at the next tick.
db.pragma('busy_timeout = 0');
let timer;
let stopped = false;
let frames = 0;
let copied = 0;
const tick = () => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    // Only a WAL that changed since the last tick is reported: an idle one costs no message.
    if (result && (result.log !== frames || result.checkpointed !== copied)) {
      frames = result.log;
      copied = result.checkpointed;
      if (copied > 0) parentPort.postMessage({ log: frames, checkpointed: copied });
    }
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message) });
  }
  if (!stopped) timer = setTimeout(tick, workerData.intervalMs);
};
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  stopped = true;
  clearTimeout(timer);
  db.close();
  parentPort.postMessage({ stopped: true });
  parentPort.close();
});
timer = setTimeout(tick, workerData.intervalMs);
parentPort.postMessage({ ready: true });
`;

export interface WalCheckpointer {
  /** Stops the worker and closes its connection (before the writer's connection closes). */
  stop(): Promise<void>;
}

const checkpointers = new WeakMap<SqliteDatabase, WalCheckpointer>();

/**
 * Starts the worker for a file database in WAL mode and raises the writer's auto-checkpoint
 * threshold to `boundPages`. `onError` hears of a checkpoint that failed (the bound still holds).
 * @example startWalCheckpointer(db, { intervalMs: 50, boundPages: 8000, onError: () => {} });
 */
export function startWalCheckpointer(
  db: SqliteDatabase,
  options: {
    intervalMs: number;
    boundPages: number;
    onError?: (message: string) => void;
    /** Hears of each checkpoint that copied frames: the WAL's frames and how many are copied. */
    onCheckpoint?: (wal: { log: number; checkpointed: number }) => void;
  },
): WalCheckpointer {
  // A database in memory has no WAL to checkpoint.
  if (db.memory) return { stop: () => Promise.resolve() };
  const existing = checkpointers.get(db);
  if (existing) return existing;
  db.pragma(`wal_autocheckpoint = ${options.boundPages}`);
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: {
      file: db.name,
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      intervalMs: options.intervalMs,
    },
  });
  // The writer's bound keeps the WAL in check without it; it must never keep the process alive.
  worker.unref();
  let stopped: Promise<void> | undefined;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (message: { error?: string; log?: number; checkpointed?: number }) => {
    if (message.error !== undefined) options.onError?.(message.error);
    else if (message.log !== undefined && message.checkpointed !== undefined)
      options.onCheckpoint?.({ log: message.log, checkpointed: message.checkpointed });
  });
  worker.on('error', (err) => options.onError?.(err.message));
  const checkpointer: WalCheckpointer = {
    stop() {
      stopped ??= (async () => {
        worker.postMessage('stop');
        await exited;
      })();
      return stopped;
    },
  };
  checkpointers.set(db, checkpointer);
  return checkpointer;
}

/**
 * Closes a database whose WAL may have a checkpointer: the worker's connection first, then the
 * writer's (the last connection to close checkpoints and removes the WAL).
 * @example await closeWithCheckpointer(queueDb);
 */
export async function closeWithCheckpointer(db: SqliteDatabase): Promise<void> {
  await checkpointers.get(db)?.stop();
  db.close();
}
