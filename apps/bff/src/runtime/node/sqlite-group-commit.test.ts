// Group commit on a real WAL database file, watched from a second connection.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from './sqlite';
import { groupCommit, syncWalOffLoop, writeAfter } from './sqlite-group-commit';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-group-commit-'));
  dirs.push(dir);
  const db: SqliteDatabase = openDatabase(dir, 'q.db');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)');
  const other = new Database(join(dir, 'q.db'), { readonly: true });
  const insert = db.prepare<[string]>('INSERT INTO t (v) VALUES (?)');
  const seenByOther = () =>
    other
      .prepare<[], { v: string }>('SELECT v FROM t ORDER BY id')
      .all()
      .map((r) => r.v);
  return { db, write: groupCommit(db), insert, seenByOther };
}

describe('group commit', () => {
  it('commits the writes of one turn together, and resolves each only after the commit', async () => {
    const { write, insert, seenByOther } = setup();
    const seenDuringBatch: string[][] = [];
    const writes = ['a', 'b', 'c'].map((v) =>
      write(() => {
        insert.run(v);
        // Another connection sees none of the batch until its single COMMIT.
        seenDuringBatch.push(seenByOther());
        return v;
      }),
    );
    expect(seenByOther()).toEqual([]);
    expect(await Promise.all(writes)).toEqual(['a', 'b', 'c']);
    expect(seenDuringBatch).toEqual([[], [], []]);
    expect(seenByOther()).toEqual(['a', 'b', 'c']);
  });

  it('fails a throwing write alone; the rest of the batch commits', async () => {
    const { write, insert, seenByOther } = setup();
    const results = await Promise.allSettled([
      write(() => insert.run('a')),
      write(() => insert.run('a')), // UNIQUE violation
      write(() => insert.run('b')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(seenByOther()).toEqual(['a', 'b']);
  });

  it('fails every write of the batch when its transaction is rolled back', async () => {
    const { db, write, insert, seenByOther } = setup();
    const results = await Promise.allSettled([
      write(() => insert.run('a')),
      write(() => db.exec('ROLLBACK')),
      write(() => insert.run('b')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(seenByOther()).toEqual([]);
    // The next batch starts afresh.
    await write(() => insert.run('c'));
    expect(seenByOther()).toEqual(['c']);
  });

  it('is one committer per connection, shared by every store on it', () => {
    const { db, write } = setup();
    expect(groupCommit(db)).toBe(write);
  });

  describe('writeAfter', () => {
    it("runs the second write in the first one's transaction, given its result", async () => {
      const { db, write, insert, seenByOther } = setup();
      const seenDuringSecond: string[][] = [];
      const [first, second] = await writeAfter(
        db,
        () => write(() => (insert.run('job'), 'job')),
        (job: string) => {
          insert.run(`${job}-log`);
          seenDuringSecond.push(seenByOther());
          return 'logged';
        },
        (raw) => String(raw),
      );
      expect([first, second]).toEqual(['job', 'logged']);
      expect(seenDuringSecond).toEqual([[]]);
      expect(seenByOther()).toEqual(['job', 'job-log']);
    });

    it('does not run the second write when the first fails', async () => {
      const { db, write, insert, seenByOther } = setup();
      await write(() => insert.run('a'));
      let ran = false;
      await expect(
        writeAfter(
          db,
          () => write(() => insert.run('a')), // UNIQUE violation
          () => (ran = true),
          (raw) => raw,
        ),
      ).rejects.toThrow(/UNIQUE/);
      expect(ran).toBe(false);
      expect(seenByOther()).toEqual(['a']);
    });

    it('falls back to a second commit when the first asked for no write before awaiting', async () => {
      const { db, write, insert, seenByOther } = setup();
      const [first] = await writeAfter(
        db,
        async () => {
          await Promise.resolve();
          return write(() => (insert.run('late'), 'late'));
        },
        (value: string) => insert.run(`${value}-log`),
        () => {
          throw new Error('not joined, so never asked to check a raw result');
        },
      );
      expect(first).toBe('late');
      expect(seenByOther()).toEqual(['late', 'late-log']);
    });
  });

  describe('syncWalOffLoop (synchronous = NORMAL, the WAL fsynced on the thread pool)', () => {
    it('acknowledges the batch after syncing the WAL', async () => {
      const { db, write, insert, seenByOther } = setup();
      db.pragma('synchronous = NORMAL');
      syncWalOffLoop(db, `${db.name}-wal`);
      expect(
        await Promise.all([write(() => insert.run('a')), write(() => insert.run('b'))]),
      ).toEqual([expect.objectContaining({ changes: 1 }), expect.objectContaining({ changes: 1 })]);
      expect(seenByOther()).toEqual(['a', 'b']);
    });

    it('acknowledges nothing it could not sync', async () => {
      const { db, write, insert } = setup();
      db.pragma('synchronous = NORMAL');
      syncWalOffLoop(db, `${db.name}-no-such-wal`);
      const results = await Promise.allSettled([
        write(() => insert.run('a')),
        write(() => insert.run('b')),
      ]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'ENOENT' });
    });
  });
});
