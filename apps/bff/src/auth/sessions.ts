// Sessions: sign-in issues an access JWT and a rotating refresh token; revocation is immediate.
import type { Me, Role } from '@switchboard/shared/auth';
import { AppError } from '../http/app-error';
import type { AccessTokens } from './access-tokens';
import type { AuthStore, Provider, SessionRecord, UserRecord } from './auth-store';

export interface ClientMeta {
  ip: string;
  userAgent: string;
}

/** Who is calling, from a verified access token: no database read. */
export interface Principal {
  userId: string;
  username: string;
  role: Role;
  sessionId: string;
  accessExpiresAt: number;
}

export interface IssuedSession {
  me: Me;
  access: { token: string; expiresAt: number };
  refresh: { token: string; expiresAt: number };
}

export interface SessionPolicy {
  /** A session with no refresh for this long ends (the console refreshes while it is in use). */
  idleMs: number;
  /** A session ends this long after sign-in, whatever the activity. */
  absoluteMs: number;
  /**
   * A refresh token presented again within this window after its rotation gets the same
   * successor instead of revoking the family: tabs refreshing at once, or a response lost in
   * flight. Past it, a second use is theft.
   */
  reuseGraceMs: number;
}

export const defaultSessionPolicy: SessionPolicy = {
  idleMs: 8 * 3600_000,
  absoluteMs: 7 * 24 * 3600_000,
  reuseGraceMs: 10_000,
};

/**
 * Refreshes a single-sign-on session's provider tokens when they are due; throws when the provider
 * refuses. `role` is what the provider grants now (null: nothing any more; undefined: unknown).
 */
export type ProviderTokenRefresher = (
  stored: string,
) => Promise<{ tokens: string; role: Role | null | undefined } | undefined>;

export interface SessionService {
  signIn(user: UserRecord, meta: ClientMeta, providerTokens?: string): Promise<IssuedSession>;
  /** Rotates the refresh token; a 401 AppError when the session is over. */
  refresh(refreshToken: string, meta: ClientMeta): Promise<IssuedSession>;
  authenticate(accessToken: string): Promise<Principal | undefined>;
  /** The full picture for `GET /auth/me` (reads the store). */
  describe(principal: Principal): Promise<Me | undefined>;
  revoke(sessionId: string, reason: string): Promise<boolean>;
  /** Ends a session at its owner's request; resolves the session as it was (undefined: no such session). */
  signOut(sessionId: string): Promise<SessionRecord | undefined>;
  revokeUser(userId: string, reason: string): Promise<number>;
  /** Called with the session id at every revocation, e.g. to close its live streams. */
  onRevoke(listener: (sessionId: string) => void): () => void;
  active(): Promise<Array<SessionRecord & { user: UserRecord | undefined }>>;
  /** Forgets ended sessions and stale deny-list entries; call now and then. */
  prune(): Promise<void>;
}

const sessionOver = (why: string) =>
  new AppError(401, 'unauthorized', `Your session has ended (${why}); sign in again.`);

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

/**
 * @example
 * const sessions = await createSessionService({ store, tokens, now: Date.now });
 * const { me, access, refresh } = await sessions.signIn(user, { ip, userAgent });
 */
export async function createSessionService(options: {
  store: AuthStore;
  tokens: AccessTokens;
  now: () => number;
  policy?: Partial<SessionPolicy>;
  refreshProviderTokens?: ProviderTokenRefresher;
  onReuse?: (session: SessionRecord, meta: ClientMeta) => void;
  /** The provider granted another role (or none: `to` null) at a renewal; the session follows it. */
  onProviderRole?: (
    session: SessionRecord,
    user: UserRecord,
    to: Role | null,
    meta: ClientMeta,
  ) => void;
}): Promise<SessionService> {
  const { store, tokens, now } = options;
  const policy = { ...defaultSessionPolicy, ...options.policy };
  const listeners = new Set<(sessionId: string) => void>();
  // Revoked session ids whose access tokens may still be unexpired: checked on every request,
  // in memory, so revocation needs no database read and takes effect at once.
  const denied = new Map<string, number>();
  for (const id of await store.revokedSince(now() - tokens.ttlMs)) denied.set(id, now());
  // One refresh per token at a time, and the successor remembered for the grace window.
  const inflight = new Map<string, Promise<IssuedSession>>();
  const rotated = new Map<string, { at: number; issued: IssuedSession }>();

  const toMe = (user: UserRecord, session: SessionRecord, accessExpiresAt: number): Me => ({
    user: {
      id: user.id,
      username: user.username,
      displayName: user.displayName,
      role: user.role,
      provider: user.provider,
    },
    session: { id: session.id, accessExpiresAt, absoluteExpiresAt: session.absoluteExpiresAt },
  });

  async function issue(user: UserRecord, session: SessionRecord): Promise<IssuedSession> {
    const refreshToken = randomToken();
    await store.insertRefreshToken({
      hash: await sha256(refreshToken),
      sessionId: session.id,
      createdAt: now(),
      usedAt: null,
    });
    const access = await tokens.sign({
      sub: user.id,
      name: user.username,
      role: user.role,
      sid: session.id,
      notAfter: session.absoluteExpiresAt,
    });
    return {
      access,
      refresh: { token: refreshToken, expiresAt: session.absoluteExpiresAt },
      me: toMe(user, session, access.expiresAt),
    };
  }

  async function revoke(sessionId: string, reason: string) {
    const changed = await store.revokeSession(sessionId, now(), reason);
    denied.set(sessionId, now());
    if (changed) for (const listener of listeners) listener(sessionId);
    return changed;
  }

  async function revokeUser(userId: string, reason: string) {
    let count = 0;
    for (const s of await store.activeSessions(now()))
      if (s.userId === userId && (await revoke(s.id, reason))) count += 1;
    return count;
  }

  async function rotate(hash: string, meta: ClientMeta): Promise<IssuedSession> {
    const record = await store.refreshTokenByHash(hash);
    if (!record) throw sessionOver('unknown refresh token');
    const session = await store.sessionById(record.sessionId);
    if (!session || session.revokedAt !== null) throw sessionOver('signed out');
    const t = now();
    if (record.usedAt !== null) {
      // Presented after its rotation and outside the grace window: someone holds a copy.
      await revoke(session.id, 'refresh token reused');
      options.onReuse?.(session, meta);
      throw sessionOver('the refresh token was used twice, so the session was revoked');
    }
    if (t >= session.absoluteExpiresAt) throw sessionOver('it reached its maximum lifetime');
    if (t - session.lastSeenAt > policy.idleMs) {
      await revoke(session.id, 'idle');
      throw sessionOver('it was idle too long');
    }
    if (!(await store.markRefreshTokenUsed(hash, t)))
      throw sessionOver('refresh token already used');
    let user = await store.userById(session.userId);
    if (!user || user.disabled) {
      await revoke(session.id, 'account disabled');
      throw sessionOver('the account is disabled');
    }
    let renewed: Awaited<ReturnType<ProviderTokenRefresher>>;
    if (session.providerTokens !== null && options.refreshProviderTokens) {
      try {
        renewed = await options.refreshProviderTokens(session.providerTokens);
      } catch {
        await revoke(session.id, 'identity provider refused the refresh');
        throw sessionOver('the identity provider ended it');
      }
    }
    if (renewed?.role === null) {
      options.onProviderRole?.(session, user, null, meta);
      // The account has no access any more, so none of its sessions may wait for its own renewal.
      await revokeUser(user.id, 'no role at the identity provider');
      throw sessionOver('the identity provider no longer grants this account a Switchboard role');
    }
    if (renewed?.role !== undefined && renewed.role !== user.role) {
      options.onProviderRole?.(session, user, renewed.role, meta);
      user = (await store.updateUser(user.id, { role: renewed.role })) ?? user;
    }
    await store.touchSession(session.id, t, renewed?.tokens);
    return issue(user, { ...session, lastSeenAt: t });
  }

  return {
    async signIn(user, meta, providerTokens) {
      const t = now();
      const session: SessionRecord = {
        // A new id at every sign-in: nothing from before sign-in can ride along (fixation).
        id: crypto.randomUUID(),
        userId: user.id,
        provider: user.provider,
        createdAt: t,
        lastSeenAt: t,
        absoluteExpiresAt: t + policy.absoluteMs,
        ip: meta.ip,
        userAgent: meta.userAgent.slice(0, 256),
        revokedAt: null,
        revokedReason: null,
        providerTokens: providerTokens ?? null,
      };
      await store.insertSession(session);
      await store.updateUser(user.id, { lastLoginAt: t });
      return issue(user, session);
    },

    async refresh(refreshToken, meta) {
      if (refreshToken.length === 0 || refreshToken.length > 256)
        throw sessionOver('no refresh token');
      const hash = await sha256(refreshToken);
      const recent = rotated.get(hash);
      if (
        recent &&
        now() - recent.at <= policy.reuseGraceMs &&
        !denied.has(recent.issued.me.session.id)
      )
        return recent.issued;
      const running = inflight.get(hash);
      if (running) return running;
      const attempt = rotate(hash, meta).then((issued) => {
        rotated.set(hash, { at: now(), issued });
        return issued;
      });
      inflight.set(hash, attempt);
      try {
        return await attempt;
      } finally {
        inflight.delete(hash);
        for (const [h, r] of rotated) if (now() - r.at > policy.reuseGraceMs) rotated.delete(h);
      }
    },

    async authenticate(accessToken) {
      const claims = await tokens.verify(accessToken);
      if (!claims || denied.has(claims.sid)) return undefined;
      return {
        userId: claims.sub,
        username: claims.name,
        role: claims.role,
        sessionId: claims.sid,
        accessExpiresAt: claims.exp * 1000,
      };
    },

    async describe(principal) {
      const [user, session] = await Promise.all([
        store.userById(principal.userId),
        store.sessionById(principal.sessionId),
      ]);
      if (!user || !session || session.revokedAt !== null) return undefined;
      // The token's role, not the row's: it is what this request is authorised with.
      return toMe({ ...user, role: principal.role }, session, principal.accessExpiresAt);
    },

    revoke,
    revokeUser,

    async signOut(sessionId) {
      const session = await store.sessionById(sessionId);
      await revoke(sessionId, 'signed out');
      return session;
    },

    onRevoke(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async active() {
      const sessions = await store.activeSessions(now());
      const users = new Map((await store.listUsers()).map((u) => [u.id, u]));
      return sessions
        .filter((s) => now() - s.lastSeenAt <= policy.idleMs)
        .map((s) => ({ ...s, user: users.get(s.userId) }));
    },

    async prune() {
      const t = now();
      for (const [id, at] of denied) if (t - at > tokens.ttlMs) denied.delete(id);
      await store.prune(t - 24 * 3600_000);
    },
  };
}

export type { Provider };
