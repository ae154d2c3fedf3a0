// The embedded AuthStore: users, sessions, refresh tokens, signing keys and the audit log in SQLite.
import type { AuditEntry } from '@switchboard/shared/auth';
import { AuditActionSchema, RoleSchema } from '@switchboard/shared/auth';
import type {
  AuthStore,
  Provider,
  RefreshTokenRecord,
  SessionRecord,
  SigningKeyRecord,
  UserRecord,
} from '../../auth/auth-store';
import type { SqliteDatabase } from './sqlite';

const schema = `
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL,
  provider TEXT NOT NULL,
  subject TEXT,
  password_hash TEXT,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  last_login_at INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS users_subject ON users (provider, subject) WHERE subject IS NOT NULL;
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id),
  provider TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  absolute_expires_at INTEGER NOT NULL,
  ip TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  revoked_at INTEGER,
  revoked_reason TEXT,
  provider_tokens TEXT
);
CREATE INDEX IF NOT EXISTS sessions_revoked ON sessions (revoked_at);
CREATE TABLE IF NOT EXISTS refresh_tokens (
  hash TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  used_at INTEGER
);
CREATE INDEX IF NOT EXISTS refresh_tokens_session ON refresh_tokens (session_id);
CREATE TABLE IF NOT EXISTS signing_keys (
  kid TEXT PRIMARY KEY,
  private_jwk TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  action TEXT NOT NULL,
  outcome TEXT NOT NULL,
  actor TEXT,
  ip TEXT NOT NULL,
  target TEXT,
  details TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_action ON audit_log (action, id);
`;

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  role: string;
  provider: string;
  subject: string | null;
  password_hash: string | null;
  disabled: number;
  created_at: number;
  last_login_at: number | null;
}

interface SessionRow {
  id: string;
  user_id: string;
  provider: string;
  created_at: number;
  last_seen_at: number;
  absolute_expires_at: number;
  ip: string;
  user_agent: string;
  revoked_at: number | null;
  revoked_reason: string | null;
  provider_tokens: string | null;
}

interface AuditRow {
  id: number;
  at: number;
  action: string;
  outcome: string;
  actor: string | null;
  ip: string;
  target: string | null;
  details: string;
}

const asProvider = (v: string): Provider => (v === 'oidc' ? 'oidc' : 'local');

const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  // Rows are only written through this store, so a parse failure means a corrupted database.
  role: RoleSchema.parse(r.role),
  provider: asProvider(r.provider),
  subject: r.subject,
  passwordHash: r.password_hash,
  disabled: r.disabled === 1,
  createdAt: r.created_at,
  lastLoginAt: r.last_login_at,
});

const toSession = (r: SessionRow): SessionRecord => ({
  id: r.id,
  userId: r.user_id,
  provider: asProvider(r.provider),
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  absoluteExpiresAt: r.absolute_expires_at,
  ip: r.ip,
  userAgent: r.user_agent,
  revokedAt: r.revoked_at,
  revokedReason: r.revoked_reason,
  providerTokens: r.provider_tokens,
});

const toAudit = (r: AuditRow): AuditEntry => ({
  id: r.id,
  at: r.at,
  action: AuditActionSchema.parse(r.action),
  outcome: r.outcome === 'failure' ? 'failure' : 'success',
  actor: r.actor,
  ip: r.ip,
  target: r.target,
  details: JSON.parse(r.details) as Record<string, unknown>,
});

/** The synchronous shape of a port whose methods return promises. */
type Sync<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : T[K];
};

/** @example const store = createSqliteAuthStore(openDatabase('.data')); */
export function createSqliteAuthStore(db: SqliteDatabase): AuthStore {
  db.exec(schema);
  const q = {
    countUsers: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users'),
    insertUser: db.prepare(
      `INSERT INTO users (id, username, display_name, role, provider, subject, password_hash, disabled, created_at, last_login_at)
       VALUES (@id, @username, @displayName, @role, @provider, @subject, @passwordHash, @disabled, @createdAt, @lastLoginAt)`,
    ),
    userById: db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?'),
    userByUsername: db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?'),
    userBySubject: db.prepare<[string, string], UserRow>(
      'SELECT * FROM users WHERE provider = ? AND subject = ?',
    ),
    listUsers: db.prepare<[], UserRow>('SELECT * FROM users ORDER BY username'),
    insertSession: db.prepare(
      `INSERT INTO sessions (id, user_id, provider, created_at, last_seen_at, absolute_expires_at, ip, user_agent, revoked_at, revoked_reason, provider_tokens)
       VALUES (@id, @userId, @provider, @createdAt, @lastSeenAt, @absoluteExpiresAt, @ip, @userAgent, @revokedAt, @revokedReason, @providerTokens)`,
    ),
    sessionById: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?'),
    touchSession: db.prepare<[number, string | null, string]>(
      'UPDATE sessions SET last_seen_at = ?, provider_tokens = coalesce(?, provider_tokens) WHERE id = ?',
    ),
    revokeSession: db.prepare<[number, string, string]>(
      'UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL',
    ),
    activeSessions: db.prepare<[number], SessionRow>(
      'SELECT * FROM sessions WHERE revoked_at IS NULL AND absolute_expires_at > ? ORDER BY last_seen_at DESC',
    ),
    revokedSince: db.prepare<[number], { id: string }>(
      'SELECT id FROM sessions WHERE revoked_at >= ?',
    ),
    insertRefresh: db.prepare(
      'INSERT INTO refresh_tokens (hash, session_id, created_at, used_at) VALUES (@hash, @sessionId, @createdAt, @usedAt)',
    ),
    refreshByHash: db.prepare<
      [string],
      { hash: string; session_id: string; created_at: number; used_at: number | null }
    >('SELECT * FROM refresh_tokens WHERE hash = ?'),
    markRefreshUsed: db.prepare<[number, string]>(
      'UPDATE refresh_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL',
    ),
    signingKeys: db.prepare<[], { kid: string; private_jwk: string; created_at: number }>(
      'SELECT * FROM signing_keys ORDER BY created_at',
    ),
    insertKey: db.prepare<[string, string, number]>(
      'INSERT INTO signing_keys (kid, private_jwk, created_at) VALUES (?, ?, ?)',
    ),
    deleteKey: db.prepare<[string]>('DELETE FROM signing_keys WHERE kid = ?'),
    appendAudit: db.prepare(
      `INSERT INTO audit_log (at, action, outcome, actor, ip, target, details)
       VALUES (@at, @action, @outcome, @actor, @ip, @target, @details)`,
    ),
    pruneTokens: db.prepare<[number]>(
      `DELETE FROM refresh_tokens WHERE session_id IN
         (SELECT id FROM sessions WHERE coalesce(revoked_at, absolute_expires_at) < ?)`,
    ),
    pruneSessions: db.prepare<[number]>(
      'DELETE FROM sessions WHERE coalesce(revoked_at, absolute_expires_at) < ?',
    ),
  };

  const store: Sync<AuthStore> = {
    countUsers: () => q.countUsers.get()?.n ?? 0,
    insertUser(user) {
      q.insertUser.run({ ...user, disabled: user.disabled ? 1 : 0 });
    },
    updateUser(id, patch) {
      const sets: string[] = [];
      const values: Record<string, unknown> = { id };
      const columns = {
        role: 'role',
        disabled: 'disabled',
        displayName: 'display_name',
        lastLoginAt: 'last_login_at',
      } as const;
      for (const [key, column] of Object.entries(columns)) {
        const value = patch[key as keyof typeof columns];
        if (value === undefined) continue;
        sets.push(`${column} = @${key}`);
        values[key] = typeof value === 'boolean' ? Number(value) : value;
      }
      if (sets.length > 0)
        db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = @id`).run(values);
      const row = q.userById.get(id);
      return row && toUser(row);
    },
    userById: (id) => {
      const row = q.userById.get(id);
      return row && toUser(row);
    },
    userByUsername: (username) => {
      const row = q.userByUsername.get(username);
      return row && toUser(row);
    },
    userBySubject: (provider, subject) => {
      const row = q.userBySubject.get(provider, subject);
      return row && toUser(row);
    },
    listUsers: () => q.listUsers.all().map(toUser),

    insertSession(session) {
      q.insertSession.run(session);
    },
    sessionById: (id) => {
      const row = q.sessionById.get(id);
      return row && toSession(row);
    },
    touchSession(id, lastSeenAt, providerTokens) {
      q.touchSession.run(lastSeenAt, providerTokens ?? null, id);
    },
    revokeSession: (id, at, reason) => q.revokeSession.run(at, reason, id).changes > 0,
    activeSessions: (now) => q.activeSessions.all(now).map(toSession),
    revokedSince: (since) => q.revokedSince.all(since).map((r) => r.id),

    insertRefreshToken(token: RefreshTokenRecord) {
      q.insertRefresh.run(token);
    },
    refreshTokenByHash: (hash) => {
      const row = q.refreshByHash.get(hash);
      return (
        row && {
          hash: row.hash,
          sessionId: row.session_id,
          createdAt: row.created_at,
          usedAt: row.used_at,
        }
      );
    },
    markRefreshTokenUsed: (hash, at) => q.markRefreshUsed.run(at, hash).changes > 0,

    signingKeys: (): SigningKeyRecord[] =>
      q.signingKeys
        .all()
        .map((r) => ({ kid: r.kid, privateJwk: r.private_jwk, createdAt: r.created_at })),
    insertSigningKey(key) {
      q.insertKey.run(key.kid, key.privateJwk, key.createdAt);
    },
    deleteSigningKey(kid) {
      q.deleteKey.run(kid);
    },

    appendAudit: (entry) =>
      Number(
        q.appendAudit.run({ ...entry, details: JSON.stringify(entry.details) }).lastInsertRowid,
      ),
    queryAudit({ action, actor, before, limit }) {
      const where: string[] = [];
      const values: Record<string, unknown> = { limit };
      const filters = {
        action: 'action = @action',
        actor: 'actor = @actor',
        before: 'id < @before',
      };
      for (const [key, clause] of Object.entries(filters)) {
        const value = { action, actor, before }[key as keyof typeof filters];
        if (value === undefined || value === '') continue;
        where.push(clause);
        values[key] = value;
      }
      const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`;
      return db.prepare<[Record<string, unknown>], AuditRow>(sql).all(values).map(toAudit);
    },
    prune(before) {
      db.transaction(() => {
        q.pruneTokens.run(before);
        q.pruneSessions.run(before);
      })();
    },
  };
  // better-sqlite3 is synchronous; the port is asynchronous so a networked store can implement it.
  const methods = Object.entries(store) as [string, (...args: unknown[]) => unknown][];
  const wrapped: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, fn] of methods)
    wrapped[name] = (...args) => new Promise((resolve) => resolve(fn(...args)));
  return wrapped as unknown as AuthStore;
}
