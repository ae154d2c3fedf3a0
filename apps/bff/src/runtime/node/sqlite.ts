// Opens the embedded SQLite database in the data directory (WAL, so readers never wait for writers).
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type SqliteDatabase = Database.Database;

/**
 * @example const db = openDatabase('.data'); // .data/switchboard.db
 * @example const db = openDatabase(':memory:'); // tests
 */
export function openDatabase(dataDir: string, file = 'switchboard.db'): SqliteDatabase {
  if (dataDir === ':memory:') return new Database(':memory:');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(join(dataDir, file));
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a power loss may drop the last commits but never corrupts the file.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
}
