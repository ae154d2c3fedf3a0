// One Switchboard process per data directory, enforced by an operating-system lock.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../config/config';

/**
 * Takes the data directory for this process until `release` (or the process's end, however it
 * ends: the kernel drops the lock of a killed process, so a `kill -9` leaves nothing stale).
 *
 * Why: the embedded queue holds its idempotency keys in memory (decision 035) and runs its
 * workers, group commit and checkpointer in one process; a second process on the same files would
 * not see the first's keys and could repeat a side effect. So a second start on the same directory
 * stops with a message instead of running wrong.
 *
 * How: an SQLite file in EXCLUSIVE locking mode keeps the exclusive lock its first transaction
 * takes until the connection closes. SQLite's locks are POSIX advisory locks, which it also
 * tracks within a process, so a second server in the same process is refused as well.
 *
 * @example const release = lockDataDir('.data'); ...; release();
 */
export function lockDataDir(dataDir: string): () => void {
  if (dataDir === ':memory:') return () => {};
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // timeout 0: a directory in use is reported at once rather than after a busy wait.
  const db = new Database(join(dataDir, 'switchboard.lock'), { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (err) {
    db.close();
    if (err instanceof Database.SqliteError && err.code.startsWith('SQLITE_BUSY')) {
      throw new ConfigError(
        [
          `SWITCHBOARD_DATA_DIR=${dataDir}: another Switchboard process is using this directory. ` +
            'Stop it, or give this one a directory of its own.',
        ],
        'The data directory is in use',
      );
    }
    throw err;
  }
  return () => db.close();
}
