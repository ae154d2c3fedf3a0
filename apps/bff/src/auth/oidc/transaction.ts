// The sign-in transaction (state, nonce, PKCE verifier, where to return) sealed into one opaque
// string the caller keeps in a short-lived HttpOnly cookie, so the BFF stores nothing per attempt.
import { EncryptJWT, errors as joseErrors, jwtDecrypt } from 'jose';
import { z } from 'zod';
import { OidcError } from './oidc-error';
import { sanitizeReturnTo } from './return-to';

/** A sign-in must come back within this long; the cookie holding it should live no longer. */
export const transactionTtlMs = 10 * 60_000;

// Marks what the sealed value is for, so nothing else sealed with the same key is accepted here.
const audience = 'switchboard:oidc-transaction';

export const OidcTransactionSchema = z.object({
  state: z.string().min(1),
  nonce: z.string().min(1),
  codeVerifier: z.string().min(43).max(128),
  returnTo: z.string(),
  createdAt: z.number().int(),
});
export type OidcTransaction = z.infer<typeof OidcTransactionSchema>;

/** Throws unless `key` is 32 bytes, the size A256GCM with `dir` needs. */
export function assertTransactionKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.byteLength !== 32) {
    throw new TypeError('transactionKey must be 32 random bytes');
  }
}

/**
 * Encrypts (JWE, `dir` + `A256GCM`) a transaction; it expires `transactionTtlMs` after `createdAt`.
 * @example const sealed = await sealTransaction(tx, key); // put in an HttpOnly cookie
 */
export async function sealTransaction(tx: OidcTransaction, key: Uint8Array): Promise<string> {
  assertTransactionKey(key);
  return new EncryptJWT({ ...tx })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setAudience(audience)
    .setIssuedAt(Math.floor(tx.createdAt / 1000))
    .setExpirationTime(Math.floor((tx.createdAt + transactionTtlMs) / 1000))
    .encrypt(key);
}

/**
 * Decrypts and checks a sealed transaction at time `now` (epoch ms). Throws `OidcError`
 * `expired` when it is too old and `invalid_state` when it is not one of ours.
 * @example const tx = await openTransaction(cookieValue, key, Date.now());
 */
export async function openTransaction(
  sealed: string,
  key: Uint8Array,
  now: number,
): Promise<OidcTransaction> {
  assertTransactionKey(key);
  let payload: unknown;
  try {
    ({ payload } = await jwtDecrypt(sealed, key, {
      audience,
      currentDate: new Date(now),
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    }));
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) {
      throw new OidcError('expired', 'The sign-in took too long; please start again.', {
        cause: e,
      });
    }
    throw new OidcError('invalid_state', 'The sign-in could not be verified; please start again.', {
      cause: e,
    });
  }
  const parsed = OidcTransactionSchema.safeParse(payload);
  if (!parsed.success) {
    throw new OidcError('invalid_state', 'The sign-in could not be verified; please start again.');
  }
  // `exp` has one-second resolution; the millisecond timestamp decides at the edge.
  if (now >= parsed.data.createdAt + transactionTtlMs) {
    throw new OidcError('expired', 'The sign-in took too long; please start again.');
  }
  return { ...parsed.data, returnTo: sanitizeReturnTo(parsed.data.returnTo) };
}
