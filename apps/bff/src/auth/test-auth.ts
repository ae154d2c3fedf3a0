// Test support: real sign-in services over an in-memory SQLite database and a fast scrypt.
import { openDatabase } from '../runtime/node/sqlite';
import { createSqliteAuthStore } from '../runtime/node/sqlite-auth-store';
import { createScryptHasher } from '../runtime/node/scrypt-passwords';
import { createAuthServices } from './auth-services';
import type { ProviderTokenRefresher, SessionPolicy } from './sessions';

/** scrypt with small parameters: the same code path, a millisecond per hash instead of sixty. */
export const fastHasher = () => createScryptHasher({ N: 2 ** 10, r: 8, p: 1 });

export async function createTestAuth(
  options: {
    now?: () => number;
    policy?: Partial<SessionPolicy>;
    refreshProviderTokens?: ProviderTokenRefresher;
  } = {},
) {
  const store = createSqliteAuthStore(openDatabase(':memory:'));
  return createAuthServices({
    store,
    passwords: fastHasher(),
    now: options.now ?? Date.now,
    ...(options.policy && { policy: options.policy }),
    ...(options.refreshProviderTokens && { refreshProviderTokens: options.refreshProviderTokens }),
  });
}
