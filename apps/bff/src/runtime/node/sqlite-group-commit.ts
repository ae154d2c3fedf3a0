// Group commit for a SQLite connection: writes asked for in the same event-loop turn share one
// transaction, so one fsync covers them all. Durability is unchanged: each caller's promise
// settles only after the COMMIT that holds its write is on disk — after COMMIT returned with
// synchronous = FULL, or, for a connection registered with `syncWalOffLoop` (synchronous = NORMAL),
// after an fsync of the WAL done on libuv's thread pool so the event loop keeps running meanwhile
// (decision 027). Nothing is acknowledged before it is on disk.
import { close, fsync, open } from 'node:fs';
import { dirname } from 'node:path';
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
 * WAL fsyncs running at once on a connection. With one, a delivery waits for the fsync under way
 * and then its own (the closed-loop bench's ingest sat idle 30 % of the time); with two, a batch
 * commits while the previous fsync runs. Writes asked for while both run are held back and
 * committed together after one ends: committing every turn would rewrite the WAL's last pages
 * again and again for no earlier acknowledgement.
 */
const maxSyncsInFlight = 2;
/** Connections whose commits do not fsync (synchronous = NORMAL): their WAL file, synced here. */
const walFiles = new WeakMap<SqliteDatabase, string>();

/**
 * For a WAL connection with `synchronous = NORMAL` (COMMIT writes the WAL, no fsync): the group
 * commit fsyncs `walFile` off the event loop after each COMMIT and acknowledges the batch's writes
 * only then, which is FULL's guarantee for them (the WAL frames of the commit on disk) without
 * blocking the event loop for the fsync. Call before the first write.
 * @example db.pragma('synchronous = NORMAL'); syncWalOffLoop(db, `${file}-wal`);
 */
export function syncWalOffLoop(db: SqliteDatabase, walFile: string): void {
  walFiles.set(db, walFile);
}

/** fsync(2) of a file (and once, of its directory) on the thread pool. */
function fsyncFile(path: string, done: (err: NodeJS.ErrnoException | null) => void): void {
  open(path, 'r', (openErr, fd) => {
    if (openErr) return done(openErr);
    fsync(fd, (syncErr) => close(fd, (closeErr) => done(syncErr ?? closeErr)));
  });
}

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
  // Committed batches waiting for a WAL fsync that started after their COMMIT; each fsync covers
  // every batch committed before it started. At most `maxSyncsInFlight` at a time.
  let syncsInFlight = 0;
  let awaitingSync: ((err: unknown) => void)[] = [];
  let directorySynced = false;
  let walFd: number | undefined;
  const syncWal = (walFile: string) => {
    if (syncsInFlight >= maxSyncsInFlight || awaitingSync.length === 0) return;
    // The first sync opens the WAL: the next one waits until its descriptor is known.
    if (walFd === undefined && syncsInFlight > 0) return;
    syncsInFlight += 1;
    const covered = awaitingSync;
    awaitingSync = [];
    const finish = (err: NodeJS.ErrnoException | null) => {
      syncsInFlight -= 1;
      for (const done of covered) done(err ?? undefined);
      // Batches committed while every fsync slot was taken.
      if (awaitingSync.length > 0) syncWal(walFile);
      // The writes asked for while every slot was taken were held back (see `ask`): commit them.
      if (pending.length > 0 && !scheduled && syncsInFlight < maxSyncsInFlight) {
        scheduled = true;
        setImmediate(flush);
      }
    };
    if (walFd !== undefined) {
      const fd = walFd;
      fsync(fd, (err) => {
        // A descriptor that failed is not trusted again: the next batch opens the file afresh.
        if (err && walFd === fd) {
          walFd = undefined;
          close(fd, () => undefined);
        }
        finish(err);
      });
      return;
    }
    // First sync (or after a failure): open the WAL and keep it open. SQLite keeps the same file
    // while a connection is open in WAL mode (it reuses and may truncate it, never replaces it;
    // it is deleted only when the last connection closes), so its descriptor stays the WAL's, and
    // one fsync per batch is the only thread-pool call. The WAL's directory entry is synced once,
    // as SQLite's FULL does after creating the WAL.
    open(walFile, 'r', (openErr, fd) => {
      if (openErr) return finish(openErr);
      fsync(fd, (syncErr) => {
        if (syncErr) {
          close(fd, () => undefined);
          return finish(syncErr);
        }
        walFd = fd;
        if (directorySynced) return finish(null);
        fsyncFile(dirname(walFile), (dirErr) => {
          directorySynced = dirErr === null;
          finish(dirErr);
        });
      });
    });
  };

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
    const settle = (syncErr: unknown) => {
      for (let i = 0; i < batch.length; i += 1) {
        const p = batch[i] as Pending;
        const failure = failures[i];
        // Committed but not known to be on disk: refused, so nobody acknowledges it as durable.
        if (syncErr !== undefined) p.reject(syncErr);
        else if (failure) p.reject(failure[0]);
        else p.resolve(results[i]);
      }
    };
    const walFile = walFiles.get(db);
    if (walFile === undefined) return settle(undefined);
    awaitingSync.push(settle);
    syncWal(walFile);
  };

  const ask = <T>(run: (previous?: unknown) => T, joined: boolean) =>
    new Promise<T>((resolve, reject) => {
      asked += 1;
      pending.push({ run, joined, resolve: resolve as (value: unknown) => void, reject });
      // While every fsync slot is taken, writes gather for the commit after one ends: committing
      // every turn would write the same pages to the WAL again and again (measured: twice the CPU
      // per webhook) for no earlier acknowledgement, since each waits for an fsync anyway.
      if (!scheduled && syncsInFlight < maxSyncsInFlight) {
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
