import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from './sqlite';
import { startWalCheckpointer, type WalCheckpointer } from './sqlite-checkpointer';

let dir: string | undefined;
let db: SqliteDatabase | undefined;
let checkpointer: WalCheckpointer | undefined;
afterEach(async () => {
  await checkpointer?.stop();
  db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  checkpointer = db = dir = undefined;
});

const openTemp = () => {
  dir = mkdtempSync(join(tmpdir(), 'checkpointer-'));
  return (db = openDatabase(dir, 'test.db'));
};
/** ~2 MB in 500 commits: far past the automatic checkpoint's 1,000 pages. */
const writeLots = (d: SqliteDatabase) => {
  d.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v BLOB)');
  const insert = d.prepare('INSERT INTO t (v) VALUES (?)');
  for (let i = 0; i < 500; i++) insert.run(Buffer.alloc(4096, i));
};
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  return check();
};

describe('startWalCheckpointer', () => {
  it('turns the connection’s own checkpoints off and copies the WAL into the file from its worker', async () => {
    const d = openTemp();
    checkpointer = startWalCheckpointer(d, { intervalMs: 20_000 });
    expect(d.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const file = join(dir ?? '', 'test.db');
    const before = statSync(file).size;
    writeLots(d);
    // No commit checkpointed: the rows are only in the WAL.
    expect(statSync(file).size).toBe(before);
    await checkpointer.stop();
    checkpointer = startWalCheckpointer(d, { intervalMs: 20 });
    expect(await until(() => statSync(file).size > before + 1_000_000)).toBe(true);
  });

  it('gives the checkpoints back to the connection when it stops', async () => {
    const d = openTemp();
    const started = startWalCheckpointer(d, { intervalMs: 20 });
    await started.stop();
    expect(d.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });

  it('starts nothing for a database in memory', () => {
    const d = (db = openDatabase(':memory:'));
    checkpointer = startWalCheckpointer(d);
    expect(d.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });
});
