// The embedded IdempotencyStore: keys, request fingerprints and stored responses in SQLite.
import type { IdempotencyStore } from '../../idempotency/idempotency-store';
import type { SqliteDatabase } from './sqlite';
import { asyncPort, type Sync } from './sync-port';

const schema = `
CREATE TABLE IF NOT EXISTS idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  state TEXT NOT NULL,
  status INTEGER,
  headers TEXT,
  body TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX IF NOT EXISTS idempotency_expiry ON idempotency_keys (expires_at);
`;

interface Row {
  fingerprint: string;
  state: string;
  status: number | null;
  headers: string | null;
  body: string | null;
  expires_at: number;
}

/** @example const store = createSqliteIdempotencyStore(openDatabase('.data')); */
export function createSqliteIdempotencyStore(db: SqliteDatabase): IdempotencyStore {
  db.exec(schema);
  // One process owns the embedded database: a claim still in flight when it opens belongs to a
  // process that died mid-request (e.g. kill -9), so its client may retry with the same key now.
  db.prepare("DELETE FROM idempotency_keys WHERE state = 'in_flight'").run();
  const q = {
    get: db.prepare<[string, string], Row>(
      'SELECT fingerprint, state, status, headers, body, expires_at FROM idempotency_keys WHERE scope = ? AND key = ?',
    ),
    put: db.prepare(
      `INSERT OR REPLACE INTO idempotency_keys (scope, key, fingerprint, state, created_at, expires_at)
       VALUES (@scope, @key, @fingerprint, 'in_flight', @now, @expiresAt)`,
    ),
    complete: db.prepare(
      `UPDATE idempotency_keys SET state = 'done', status = @status, headers = @headers, body = @body,
         expires_at = @expiresAt WHERE scope = @scope AND key = @key`,
    ),
    release: db.prepare<[string, string]>(
      'DELETE FROM idempotency_keys WHERE scope = ? AND key = ?',
    ),
    prune: db.prepare<[number]>('DELETE FROM idempotency_keys WHERE expires_at <= ?'),
    pruneSome: db.prepare<[number, number]>(
      `DELETE FROM idempotency_keys WHERE rowid IN
         (SELECT rowid FROM idempotency_keys WHERE expires_at <= ? LIMIT ?)`,
    ),
  };
  const begin = db.transaction(
    (scope: string, key: string, fingerprint: string, now: number, expiresAt: number) => {
      const row = q.get.get(scope, key);
      if (row && row.expires_at > now) {
        if (row.state === 'in_flight') return { state: 'in_flight', fingerprint: row.fingerprint };
        return {
          state: 'done',
          fingerprint: row.fingerprint,
          response: {
            status: row.status ?? 200,
            headers: JSON.parse(row.headers ?? '{}') as Record<string, string>,
            body: row.body ?? '',
          },
        };
      }
      q.put.run({ scope, key, fingerprint, now, expiresAt });
      return { state: 'started' };
    },
  );
  const store: Sync<IdempotencyStore> = {
    begin: (scope, key, fingerprint, now, expiresAt) =>
      begin(scope, key, fingerprint, now, expiresAt) as ReturnType<Sync<IdempotencyStore>['begin']>,
    complete(scope, key, response, expiresAt) {
      q.complete.run({
        scope,
        key,
        ...response,
        headers: JSON.stringify(response.headers),
        expiresAt,
      });
    },
    release(scope, key) {
      q.release.run(scope, key);
    },
    prune: (now, limit) =>
      (limit === undefined ? q.prune.run(now) : q.pruneSome.run(now, limit)).changes,
  };
  return asyncPort(store);
}
