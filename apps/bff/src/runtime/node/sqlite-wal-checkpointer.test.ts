// The WAL checkpointer on a real database file: a worker thread copies committed frames into the
// database while the writer goes on, and stops (closing its connection) before the writer closes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './sqlite';
import { closeWithCheckpointer, startWalCheckpointer } from './sqlite-wal-checkpointer';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function fileDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-checkpointer-'));
  dirs.push(dir);
  return { dir, db: openDatabase(dir, 'queue.db') };
}

describe('WAL checkpointer', () => {
  it('copies committed frames into the database from its worker and bounds the writer', async () => {
    const { dir, db } = fileDatabase();
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const copied = new Promise<{ log: number; checkpointed: number }>((resolve) => {
      startWalCheckpointer(db, { intervalMs: 10, boundPages: 4000, onCheckpoint: resolve });
    });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(4000);
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    for (let i = 0; i < 50; i += 1) insert.run('x'.repeat(500));
    const wal = await copied;
    expect(wal.checkpointed).toBeGreaterThan(0);
    expect(wal.checkpointed).toBeLessThanOrEqual(wal.log);
    await closeWithCheckpointer(db);
    const reopened = openDatabase(dir, 'queue.db');
    expect(reopened.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 50 });
    reopened.close();
  });

  it('stops its worker once, however often it is asked, and then the writer closes', async () => {
    const { db } = fileDatabase();
    const checkpointer = startWalCheckpointer(db, { intervalMs: 10, boundPages: 1000 });
    expect(startWalCheckpointer(db, { intervalMs: 10, boundPages: 1000 })).toBe(checkpointer);
    await Promise.all([checkpointer.stop(), checkpointer.stop()]);
    await closeWithCheckpointer(db);
    expect(db.open).toBe(false);
  });

  it('starts nothing for a database in memory', async () => {
    const db = openDatabase(':memory:');
    const checkpointer = startWalCheckpointer(db, { intervalMs: 10, boundPages: 4000 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await checkpointer.stop();
    db.close();
  });
});
