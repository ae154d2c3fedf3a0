// Sealing and opening the sign-in transaction: tamper-proof, key-bound and time-limited.
import { EncryptJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { isOidcError, type OidcErrorCode } from './oidc-error';
import {
  openTransaction,
  sealTransaction,
  transactionTtlMs,
  type OidcTransaction,
} from './transaction';

const key = new Uint8Array(32).fill(1);
const createdAt = Date.UTC(2026, 0, 1);
const tx: OidcTransaction = {
  state: 'state-1',
  nonce: 'nonce-1',
  codeVerifier: 'v'.repeat(43),
  returnTo: '/views',
  createdAt,
};

async function codeOf(promise: Promise<unknown>): Promise<OidcErrorCode | 'resolved'> {
  return promise.then(
    () => 'resolved' as const,
    (e: unknown) => {
      if (isOidcError(e)) return e.code;
      throw e;
    },
  );
}

describe('sign-in transaction', () => {
  it('round-trips within its lifetime', async () => {
    const sealed = await sealTransaction(tx, key);
    expect(await openTransaction(sealed, key, createdAt + transactionTtlMs - 1)).toEqual(tx);
  });

  it('expires after ten minutes, to the millisecond', async () => {
    const sealed = await sealTransaction(tx, key);
    expect(await codeOf(openTransaction(sealed, key, createdAt + transactionTtlMs))).toBe(
      'expired',
    );
  });

  it('refuses another key and any tampering', async () => {
    const sealed = await sealTransaction(tx, key);
    expect(await codeOf(openTransaction(sealed, new Uint8Array(32).fill(2), createdAt))).toBe(
      'invalid_state',
    );
    const parts = sealed.split('.');
    const ciphertext = parts[3] ?? '';
    parts[3] = (ciphertext.startsWith('A') ? 'B' : 'A') + ciphertext.slice(1);
    expect(await codeOf(openTransaction(parts.join('.'), key, createdAt))).toBe('invalid_state');
  });

  it('refuses a value sealed with the same key for another purpose', async () => {
    const other = await new EncryptJWT({ ...tx })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setAudience('something-else')
      .encrypt(key);
    expect(await codeOf(openTransaction(other, key, createdAt))).toBe('invalid_state');
  });

  it('sanitizes returnTo again on the way out', async () => {
    const sealed = await sealTransaction({ ...tx, returnTo: '//evil.example' }, key);
    expect((await openTransaction(sealed, key, createdAt)).returnTo).toBe('/');
  });
});
