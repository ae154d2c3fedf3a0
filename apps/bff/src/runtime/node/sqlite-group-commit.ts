// Group commit for a SQLite connection: writes asked for in the same event-loop turn share one
// transaction, so one fsync covers them all. Durability is unchanged: each caller's promise
// settles only after the COMMIT that holds its write has returned (with synchronous = FULL, after
// the WAL fsync), so nothing is acknowledged before it is on disk.
import type { SqliteDatabase } from './sqlite';

interface Pending {
  /** Given the result of the write before it in the batch when `joined` (see `joinLastWrite`). */
  run: (previous?: unknown) => unknown;
  joined: boolean;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/** Runs `write` inside the next group transaction and resolves with what it returned. */
export type GroupWrite = <T>(write: () => T) => Promise<T>;

interface Committer {
  write: GroupWrite;
  /** How many writes have been asked for on this connection so far. */
  asked: () => number;
  /** Queues a write that runs right after the last one asked for, given its result. */
  join: <T>(run: (previous: unknown) => T) => Promise<T>;
}

const committers = new WeakMap<SqliteDatabase, Committer>();

/**
 * One committer per connection (a connection has one transaction at a time), shared by every
 * store on it. A write that throws fails alone: it must either be a single statement (SQLite rolls
 * a failed statement back by itself) or wrap its statements in `db.transaction`, which nests as a
 * savepoint. A failed COMMIT fails every write of the batch.
 * @example const write = groupCommit(db); await write(() => insert.run(row));
 */
export function groupCommit(db: SqliteDatabase): GroupWrite {
  return committerOf(db).write;
}

/**
 * Runs `startFirst` (which must ask this connection for exactly one write before it first awaits,
 * e.g. a store's insert) and then `second`, given the first write's result, in the same group
 * transaction: both are durable at one COMMIT, or neither is acknowledged. Saves a second commit
 * (and its fsync) for a pair of writes where the second needs what the first returned. When
 * `startFirst` asked for no write, or more than one, before its first await, `second` runs in its
 * own write after `startFirst` resolved (the same outcome, one commit later).
 * @example const job = await writeAfter(db, () => queue.enqueue(o), (r) => log.run(r), parse);
 */
export async function writeAfter<F, S>(
  db: SqliteDatabase,
  startFirst: () => Promise<F>,
  second: (first: F) => S,
  /** Checks the first write's raw result (what its `run` returned) is the `F` `startFirst` resolves to. */
  asFirst: (raw: unknown) => F,
): Promise<[F, S]> {
  const committer = committerOf(db);
  const before = committer.asked();
  const first = startFirst();
  if (committer.asked() !== before + 1) {
    const value = await first;
    return [value, await committer.write(() => second(value))];
  }
  const joined = committer.join((raw) => second(asFirst(raw)));
  // Both settle after the same COMMIT. If the first write fails, the second is not run; if the
  // second fails, the first stays committed (as with two writes in a row) and the pair rejects.
  return Promise.all([first, joined]);
}

function committerOf(db: SqliteDatabase): Committer {
  const existing = committers.get(db);
  if (existing) return existing;
  let pending: Pending[] = [];
  let scheduled = false;
  let asked = 0;

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
      const p = batch[i] as Pending;
      // A joined write does not run when the write it follows failed: it fails with it.
      const before = failures[i - 1];
      if (p.joined && before) {
        failures[i] = before;
        continue;
      }
      try {
        results[i] = p.joined ? p.run(results[i - 1]) : p.run();
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

  const ask = <T>(run: (previous?: unknown) => T, joined: boolean) =>
    new Promise<T>((resolve, reject) => {
      asked += 1;
      pending.push({ run, joined, resolve: resolve as (value: unknown) => void, reject });
      if (!scheduled) {
        scheduled = true;
        // After the I/O callbacks of this turn: every request parsed in it joins the batch.
        setImmediate(flush);
      }
    });
  const committer: Committer = {
    write: <T>(run: () => T) => ask(run, false),
    asked: () => asked,
    join: <T>(run: (previous: unknown) => T) => {
      // Only right behind a write still waiting in this batch; otherwise there is nothing to join.
      if (pending.length === 0) throw new Error('no write to join: it was flushed already');
      return ask(run, true);
    },
  };
  committers.set(db, committer);
  return committer;
}
