// Builds the sign-in services over one store; the runtime picks the store and the password hasher.
import { createAccessTokens, type AccessTokens } from './access-tokens';
import { createAccounts, type Accounts } from './accounts';
import { createAuditLog, type AuditLog } from './audit';
import type { AuthStore } from './auth-store';
import type { PasswordHasher } from './passwords';
import {
  createSessionService,
  type ProviderTokenRefresher,
  type SessionPolicy,
  type SessionService,
} from './sessions';

export interface AuthServices {
  store: AuthStore;
  accounts: Accounts;
  sessions: SessionService;
  tokens: AccessTokens;
  audit: AuditLog;
}

/** @example const auth = await createAuthServices({ store, passwords: createScryptHasher(), now: Date.now }); */
export async function createAuthServices(options: {
  store: AuthStore;
  passwords: PasswordHasher;
  now: () => number;
  policy?: Partial<SessionPolicy>;
  refreshProviderTokens?: ProviderTokenRefresher;
}): Promise<AuthServices> {
  const { store, now } = options;
  const audit = createAuditLog(store, now);
  const tokens = await createAccessTokens({ store, now });
  const sessions = await createSessionService({
    store,
    tokens,
    now,
    ...(options.policy && { policy: options.policy }),
    ...(options.refreshProviderTokens && { refreshProviderTokens: options.refreshProviderTokens }),
    onReuse: (session, meta) =>
      void audit.record({
        action: 'auth.refresh_reuse',
        outcome: 'failure',
        actor: null,
        ip: meta.ip,
        target: `session:${session.id}`,
        details: { reason: 'a rotated refresh token was presented again; the session was revoked' },
      }),
    onProviderRole: (session, user, to, meta) =>
      void audit.record(
        to === null
          ? {
              action: 'session.revoked',
              actor: null,
              ip: meta.ip,
              target: `user:${user.username}`,
              details: {
                reason: 'the identity provider no longer grants a role; every session ended',
                session: session.id,
              },
            }
          : {
              action: 'user.updated',
              actor: null,
              ip: meta.ip,
              target: `user:${user.username}`,
              details: { role: { from: user.role, to }, by: 'identity provider' },
            },
      ),
  });
  return {
    store,
    accounts: createAccounts({ store, passwords: options.passwords, now }),
    sessions,
    tokens,
    audit,
  };
}
