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

/** The names of a table's columns (none when the table does not exist). */
export function columnsOf(db: SqliteDatabase, table: string): Set<string> {
  return new Set(
    db
      .prepare<[], { name: string }>(`PRAGMA table_info(${table})`)
      .all()
      .map((c) => c.name),
  );
}

/**
 * Adds nullable TEXT columns a table gained after its first release, where a database created
 * before lacks them: `CREATE TABLE IF NOT EXISTS` leaves an existing table as it was.
 * @example addMissingTextColumns(db, 'jobs', ['origin', 'triggered']);
 */
export function addMissingTextColumns(db: SqliteDatabase, table: string, columns: string[]): void {
  const present = columnsOf(db, table);
  for (const column of columns)
    if (!present.has(column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} TEXT`);
}
