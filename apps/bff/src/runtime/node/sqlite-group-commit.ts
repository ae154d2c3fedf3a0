// Group commit for a SQLite connection: writes asked for in the same event-loop turn share one
// transaction, so one fsync covers them all. Durability is unchanged: each caller's promise
// settles only after the COMMIT that holds its write has returned (with synchronous = FULL, after
// the WAL fsync), so nothing is acknowledged before it is on disk.
import type { SqliteDatabase } from './sqlite';

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/** Runs `write` inside the next group transaction and resolves with what it returned. */
export type GroupWrite = <T>(write: () => T) => Promise<T>;

const committers = new WeakMap<SqliteDatabase, GroupWrite>();

/**
 * One committer per connection (a connection has one transaction at a time), shared by every
 * store on it. A write that throws fails alone: it must either be a single statement (SQLite rolls
 * a failed statement back by itself) or wrap its statements in `db.transaction`, which nests as a
 * savepoint. A failed COMMIT fails every write of the batch.
 * @example const write = groupCommit(db); await write(() => insert.run(row));
 */
export function groupCommit(db: SqliteDatabase): GroupWrite {
  const existing = committers.get(db);
  if (existing) return existing;
  let pending: Pending[] = [];
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    const batch = pending;
    pending = [];
    const results: unknown[] = [];
    const failures: (unknown[] | undefined)[] = [];
    try {
      db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    for (let i = 0; i < batch.length; i += 1) {
      // An I/O error can roll the whole transaction back under us: the writes after it would then
      // run (and commit) on their own, so they are not run at all and the batch fails below.
      if (!db.inTransaction) break;
      try {
        results[i] = (batch[i] as Pending).run();
      } catch (err) {
        failures[i] = [err];
      }
    }
    try {
      if (!db.inTransaction) throw new Error('the group transaction was rolled back');
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      for (const p of batch) p.reject(err);
      return;
    }
    for (let i = 0; i < batch.length; i += 1) {
      const p = batch[i] as Pending;
      const failure = failures[i];
      if (failure) p.reject(failure[0]);
      else p.resolve(results[i]);
    }
  };

  const write: GroupWrite = <T>(run: () => T) =>
    new Promise<T>((resolve, reject) => {
      pending.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!scheduled) {
        scheduled = true;
        // After the I/O callbacks of this turn: every request parsed in it joins the batch.
        setImmediate(flush);
      }
    });
  committers.set(db, write);
  return write;
}
