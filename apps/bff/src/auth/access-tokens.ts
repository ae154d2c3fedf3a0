// Short-lived access JWTs: ES256 with a key id, keys rotated, verification pinned and cached.
import type { Role } from '@switchboard/shared/auth';
import { RoleSchema } from '@switchboard/shared/auth';
import {
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters,
} from 'jose';
import type { AuthStore } from './auth-store';

export const accessTokenTtlMs = 15 * 60_000;
const algorithm = 'ES256';
const issuer = 'switchboard';
const audience = 'switchboard-console';
// RFC 9068's media type: a token of another type (an ID token, say) is not an access token here.
const tokenType = 'at+jwt';
const kidPattern = /^[A-Za-z0-9_-]{8,64}$/;

export interface AccessClaims {
  sub: string;
  /** The username, so audit lines say who without a database read. */
  name: string;
  role: Role;
  sid: string;
  jti: string;
  exp: number;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  createdAt: number;
}

export interface AccessTokens {
  /** `notAfter` (epoch ms) caps the expiry, e.g. at the session's absolute end. */
  sign(claims: {
    sub: string;
    name: string;
    role: Role;
    sid: string;
    notAfter: number;
  }): Promise<{ token: string; expiresAt: number }>;
  /** The claims, or undefined for any token this BFF did not issue or that has expired. */
  verify(token: string): Promise<AccessClaims | undefined>;
  /** Starts signing with a new key; older keys keep verifying until their tokens have expired. */
  rotate(): Promise<void>;
  readonly currentKid: string;
  readonly ttlMs: number;
}

async function createKey(now: number): Promise<SigningKey & { jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(algorithm, { extractable: true });
  const kid = crypto.randomUUID().replaceAll('-', '');
  return { kid, privateKey, publicKey, createdAt: now, jwk: await exportJWK(privateKey) };
}

async function loadKey(record: { kid: string; privateJwk: string; createdAt: number }) {
  const jwk = JSON.parse(record.privateJwk) as JWK;
  const publicJwk = { ...jwk };
  delete publicJwk.d;
  return {
    kid: record.kid,
    createdAt: record.createdAt,
    privateKey: (await importJWK(jwk, algorithm)) as CryptoKey,
    publicKey: (await importJWK(publicJwk, algorithm)) as CryptoKey,
  };
}

/**
 * Loads the signing keys from the store (creating the first), rotating when the newest is older
 * than `rotateAfterMs`.
 * @example const tokens = await createAccessTokens({ store, now: Date.now });
 */
export async function createAccessTokens(options: {
  store: AuthStore;
  now: () => number;
  rotateAfterMs?: number;
  ttlMs?: number;
}): Promise<AccessTokens> {
  const { store, now } = options;
  const ttlMs = options.ttlMs ?? accessTokenTtlMs;
  const rotateAfterMs = options.rotateAfterMs ?? 24 * 3600_000;
  const keys = new Map<string, SigningKey>();
  for (const record of await store.signingKeys()) keys.set(record.kid, await loadKey(record));
  // Verified tokens by their text: ES256 verification costs ~100 µs, a map lookup ~0.1 µs. Entries
  // end with the token's expiry; revocation is checked by the caller on every request regardless.
  const verified = new Map<string, AccessClaims>();
  let current: SigningKey | undefined = [...keys.values()].at(-1);

  async function rotate() {
    const key = await createKey(now());
    await store.insertSigningKey({
      kid: key.kid,
      privateJwk: JSON.stringify(key.jwk),
      createdAt: key.createdAt,
    });
    keys.set(key.kid, key);
    current = key;
    // A key retired longer ago than a token lives can verify nothing any more.
    for (const [kid, k] of keys) {
      if (k !== current && k.createdAt < now() - rotateAfterMs - ttlMs) {
        keys.delete(kid);
        await store.deleteSigningKey(kid);
      }
    }
  }
  if (!current || current.createdAt < now() - rotateAfterMs) await rotate();

  const resolveKey = (header: JWTHeaderParameters) => {
    const key =
      typeof header.kid === 'string' && kidPattern.test(header.kid)
        ? keys.get(header.kid)
        : undefined;
    if (!key) throw new Error('unknown key id');
    return key.publicKey;
  };

  return {
    ttlMs,
    get currentKid() {
      return current?.kid ?? '';
    },
    rotate,
    async sign({ sub, name, role, sid, notAfter }) {
      if (current && current.createdAt < now() - rotateAfterMs) await rotate();
      const key = current;
      if (!key) throw new Error('no signing key');
      const issuedAt = Math.floor(now() / 1000);
      const expiresAt = Math.min(
        (issuedAt + ttlMs / 1000) * 1000,
        Math.floor(notAfter / 1000) * 1000,
      );
      const token = await new SignJWT({ name, role, sid })
        .setProtectedHeader({ alg: algorithm, kid: key.kid, typ: tokenType })
        .setSubject(sub)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt / 1000)
        .setJti(crypto.randomUUID())
        .sign(key.privateKey);
      return { token, expiresAt };
    },
    async verify(token) {
      if (token.length > 4096) return undefined;
      const cached = verified.get(token);
      if (cached) {
        if (cached.exp * 1000 > now()) return cached;
        verified.delete(token);
        return undefined;
      }
      try {
        const { payload } = await jwtVerify(token, resolveKey, {
          algorithms: [algorithm],
          issuer,
          audience,
          typ: tokenType,
          requiredClaims: ['sub', 'name', 'sid', 'jti', 'exp', 'iat'],
          currentDate: new Date(now()),
        });
        const role = RoleSchema.safeParse(payload.role);
        const { sid, name } = payload;
        if (!role.success || typeof sid !== 'string' || typeof name !== 'string') return undefined;
        if (!payload.sub || !payload.jti || !payload.exp) return undefined;
        const claims: AccessClaims = {
          sub: payload.sub,
          name,
          role: role.data,
          sid,
          jti: payload.jti,
          exp: payload.exp,
        };
        if (verified.size >= 10_000) {
          for (const [t, c] of verified) if (c.exp * 1000 <= now()) verified.delete(t);
          if (verified.size >= 10_000) verified.clear();
        }
        verified.set(token, claims);
        return claims;
      } catch {
        return undefined;
      }
    },
  };
}
