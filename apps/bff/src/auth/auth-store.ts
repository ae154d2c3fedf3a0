// The port for everything sign-in persists: users, sessions, refresh tokens, signing keys, audit.
import type { AuditAction, AuditEntry, Role } from '@switchboard/shared/auth';

export type Provider = 'local' | 'oidc';

export interface UserRecord {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  provider: Provider;
  /** The identity provider's `sub` for single-sign-on users; null for local accounts. */
  subject: string | null;
  passwordHash: string | null;
  disabled: boolean;
  createdAt: number;
  lastLoginAt: number | null;
}

export interface SessionRecord {
  id: string;
  userId: string;
  provider: Provider;
  createdAt: number;
  lastSeenAt: number;
  absoluteExpiresAt: number;
  ip: string;
  userAgent: string;
  revokedAt: number | null;
  revokedReason: string | null;
  /** The identity provider's tokens as JSON, for single-sign-on sessions; never leaves the BFF. */
  providerTokens: string | null;
}

export interface RefreshTokenRecord {
  /** SHA-256 of the token: the token itself is only ever in the browser's cookie. */
  hash: string;
  sessionId: string;
  createdAt: number;
  /** Set when it was exchanged for its successor; presenting it again is reuse. */
  usedAt: number | null;
}

export interface SigningKeyRecord {
  kid: string;
  /** The private key as a JWK (JSON); the public half is derived from it. */
  privateJwk: string;
  createdAt: number;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'action'> & { action: AuditAction };

export interface AuditQuery {
  action?: AuditAction | undefined;
  actor?: string | undefined;
  /** Only entries with a smaller id (older). */
  before?: number | undefined;
  limit: number;
}

export interface AuthStore {
  countUsers(): Promise<number>;
  insertUser(user: UserRecord): Promise<void>;
  updateUser(
    id: string,
    patch: Partial<Pick<UserRecord, 'role' | 'disabled' | 'displayName' | 'lastLoginAt'>>,
  ): Promise<UserRecord | undefined>;
  userById(id: string): Promise<UserRecord | undefined>;
  /** Case-insensitive: `Admin` and `admin` are one account. */
  userByUsername(username: string): Promise<UserRecord | undefined>;
  userBySubject(provider: Provider, subject: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;

  insertSession(session: SessionRecord): Promise<void>;
  sessionById(id: string): Promise<SessionRecord | undefined>;
  touchSession(id: string, lastSeenAt: number, providerTokens?: string): Promise<void>;
  revokeSession(id: string, at: number, reason: string): Promise<boolean>;
  /** Sessions neither revoked nor past their absolute end. */
  activeSessions(now: number): Promise<SessionRecord[]>;
  /** Ids revoked since `since`, to rebuild the in-memory deny list at start. */
  revokedSince(since: number): Promise<string[]>;

  insertRefreshToken(token: RefreshTokenRecord): Promise<void>;
  refreshTokenByHash(hash: string): Promise<RefreshTokenRecord | undefined>;
  /** Marks it used unless it already was; false means someone else used it first. */
  markRefreshTokenUsed(hash: string, at: number): Promise<boolean>;

  signingKeys(): Promise<SigningKeyRecord[]>;
  insertSigningKey(key: SigningKeyRecord): Promise<void>;
  deleteSigningKey(kid: string): Promise<void>;

  appendAudit(entry: NewAuditEntry): Promise<number>;
  queryAudit(query: AuditQuery): Promise<AuditEntry[]>;

  /** Drops what can no longer matter: ended sessions and their tokens older than `before`. */
  prune(before: number): Promise<void>;
}
