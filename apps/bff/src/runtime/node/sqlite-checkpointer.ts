// Checkpoints a WAL database from a worker thread with its own connection, so that no commit on the
// event loop runs one. SQLite's automatic checkpoint runs inside whichever COMMIT takes the WAL past
// 1,000 pages: on the main database that is usually the metrics store's per-second write, and a
// checkpoint copies the WAL into the database file and fsyncs it, tens of ms on this kind of VM,
// which every request in flight then waits for (decisions 026, 029, 030). A PASSIVE checkpoint
// from another connection runs beside the writers and readers (it never takes the write lock), and
// once it has copied every frame the next write starts the WAL over from the beginning, so the WAL
// stays bounded by what is written between two checkpoints.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqliteDatabase } from './sqlite';

export interface WalCheckpointer {
  /** Stops the worker (after a checkpoint under way) and gives checkpoints back to the connection. */
  stop(): Promise<void>;
}

/** SQLite's own default for `wal_autocheckpoint`, restored when the worker is gone. */
const defaultAutocheckpointPages = 1000;

// Plain JavaScript evaluated from a string: it loads the same way under tsx, vitest and a build.
const workerSource = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Turns off the automatic checkpoint of `db` and checkpoints its WAL every `intervalMs` from a
 * worker thread instead. A database without a file (`:memory:`) has no WAL: nothing is started.
 * If the worker fails, the connection checkpoints by itself again as SQLite does by default.
 * @example const checkpointer = startWalCheckpointer(db); … await checkpointer.stop(); db.close();
 */
export function startWalCheckpointer(
  db: SqliteDatabase,
  options: { intervalMs?: number } = {},
): WalCheckpointer {
  if (db.memory) return { stop: () => Promise.resolve() };
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { driver, file: db.name, intervalMs: options.intervalMs ?? 1_000 },
  });
  worker.unref();
  db.pragma('wal_autocheckpoint = 0');
  const exited = new Promise<void>((resolve) => {
    const giveBack = () => {
      if (db.open) db.pragma(`wal_autocheckpoint = ${defaultAutocheckpointPages}`);
      resolve();
    };
    worker.once('exit', giveBack);
    // An error ends the worker ('exit' follows); listening keeps it from crashing the process.
    worker.on('error', () => undefined);
  });
  return {
    async stop() {
      // Held while it finishes, or a process with nothing else to do would not wait for it.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
