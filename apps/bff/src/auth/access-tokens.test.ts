import {
  base64url,
  exportJWK,
  generateKeyPair,
  SignJWT,
  UnsecuredJWT,
  type JWTHeaderParameters,
} from 'jose';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../runtime/node/sqlite';
import { createSqliteAuthStore } from '../runtime/node/sqlite-auth-store';
import { createAccessTokens } from './access-tokens';

const claims = { sub: 'u1', name: 'ada', role: 'operator' as const, sid: 's1', notAfter: Infinity };

async function setup(start = 1_700_000_000_000) {
  let now = start;
  const store = createSqliteAuthStore(openDatabase(':memory:'));
  const tokens = await createAccessTokens({ store, now: () => now });
  return { tokens, store, advance: (ms: number) => (now += ms), now: () => now };
}

const encode = (value: object) => base64url.encode(JSON.stringify(value));

/** An admin token for `u1` with every claim right, signed with `key` under `header`. */
function forge(
  key: Parameters<SignJWT['sign']>[0],
  header: JWTHeaderParameters,
  { iss = 'switchboard', aud = 'switchboard-console' } = {},
) {
  return new SignJWT({ name: 'eve', role: 'admin', sid: 's1' })
    .setProtectedHeader(header)
    .setSubject('u1')
    .setIssuer(iss)
    .setAudience(aud)
    .setIssuedAt()
    .setExpirationTime('10m')
    .setJti('x')
    .sign(key);
}

describe('access tokens', () => {
  it('signs ES256 with a kid and at+jwt, and verifies its own tokens', async () => {
    const { tokens, now } = await setup();
    const { token, expiresAt } = await tokens.sign(claims);
    const [header] = token.split('.');
    expect(JSON.parse(atob(header ?? ''))).toEqual({
      alg: 'ES256',
      kid: tokens.currentKid,
      typ: 'at+jwt',
    });
    expect(expiresAt).toBe(now() + 15 * 60_000);
    expect(await tokens.verify(token)).toMatchObject({
      sub: 'u1',
      name: 'ada',
      role: 'operator',
      sid: 's1',
    });
  });

  it('caps the expiry at the session end', async () => {
    const { tokens, now } = await setup();
    const { expiresAt } = await tokens.sign({ ...claims, notAfter: now() + 60_000 });
    expect(expiresAt).toBe(now() + 60_000);
  });

  it('refuses an expired token, also from its cache', async () => {
    const { tokens, advance } = await setup();
    const { token } = await tokens.sign(claims);
    expect(await tokens.verify(token)).toBeDefined();
    advance(15 * 60_000 + 1);
    expect(await tokens.verify(token)).toBeUndefined();
  });

  it('keeps verifying tokens signed with a rotated-out key, and signs with the new one', async () => {
    const { tokens } = await setup();
    const before = tokens.currentKid;
    const old = await tokens.sign(claims);
    await tokens.rotate();
    expect(tokens.currentKid).not.toBe(before);
    expect(await tokens.verify(old.token)).toBeDefined();
    const fresh = await tokens.sign(claims);
    const header = JSON.parse(atob(fresh.token.split('.')[0] ?? '')) as { kid?: string };
    expect(header.kid).toBe(tokens.currentKid);
  });

  it('loads its keys from the store, so tokens survive a restart', async () => {
    let now = 1_700_000_000_000;
    const store = createSqliteAuthStore(openDatabase(':memory:'));
    const first = await createAccessTokens({ store, now: () => now });
    const { token } = await first.sign(claims);
    now += 1000;
    const second = await createAccessTokens({ store, now: () => now });
    expect(second.currentKid).toBe(first.currentKid);
    expect(await second.verify(token)).toBeDefined();
  });

  describe('refuses forged tokens', () => {
    it('alg none', async () => {
      const { tokens } = await setup();
      const forged = new UnsecuredJWT({
        ...claims,
        iss: 'switchboard',
        aud: 'switchboard-console',
        jti: 'x',
      })
        .setSubject('u1')
        .setIssuedAt()
        .setExpirationTime('10m')
        .encode();
      expect(await tokens.verify(forged)).toBeUndefined();
    });

    it('HS256 keyed with the public key (algorithm confusion)', async () => {
      const { tokens, store } = await setup();
      const [key] = await store.signingKeys();
      const publicJwk = JSON.parse(key?.privateJwk ?? '{}') as Record<string, string>;
      delete publicJwk.d;
      const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
      const forged = await forge(secret, { alg: 'HS256', kid: tokens.currentKid, typ: 'at+jwt' });
      expect(await tokens.verify(forged)).toBeUndefined();
    });

    it('signed by a key of its own with our kid', async () => {
      const { tokens } = await setup();
      const { privateKey } = await generateKeyPair('ES256');
      const forged = await forge(privateKey, {
        alg: 'ES256',
        kid: tokens.currentKid,
        typ: 'at+jwt',
      });
      expect(await tokens.verify(forged)).toBeUndefined();
    });

    it('embedded jwk header naming the attacker key', async () => {
      const { tokens } = await setup();
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      const forged = await forge(privateKey, {
        alg: 'ES256',
        jwk: await exportJWK(publicKey),
        typ: 'at+jwt',
      });
      expect(await tokens.verify(forged)).toBeUndefined();
    });

    it('a changed payload under a genuine signature', async () => {
      const { tokens } = await setup();
      const { token } = await tokens.sign(claims);
      const [header, payload, signature] = token.split('.');
      const changed = { ...(JSON.parse(atob(payload ?? '')) as object), role: 'admin' };
      expect(await tokens.verify(`${header}.${encode(changed)}.${signature}`)).toBeUndefined();
    });

    it.each([
      ['wrong issuer', { iss: 'someone-else' }],
      ['wrong audience', { aud: 'another-app' }],
      ['wrong type', { typ: 'JWT' }],
      ['odd kid: path', { kid: '../../etc/passwd' }],
      ['odd kid: unknown', { kid: 'a'.repeat(32) }],
      ['odd kid: huge', { kid: 'a'.repeat(5000) }],
      ['odd kid: not a string', { kid: 42 }],
    ])('%s', async (_name, change) => {
      const { tokens, store } = await setup();
      const [key] = await store.signingKeys();
      const { importJWK } = await import('jose');
      const privateKey = await importJWK(JSON.parse(key?.privateJwk ?? '{}'), 'ES256');
      const { typ, kid, iss, aud } = {
        typ: 'at+jwt',
        kid: tokens.currentKid as unknown,
        iss: 'switchboard',
        aud: 'switchboard-console',
        ...change,
      };
      const forged = await forge(
        privateKey,
        { alg: 'ES256', kid: kid as string, typ },
        { iss, aud },
      );
      expect(await tokens.verify(forged)).toBeUndefined();
    });

    it('garbage', async () => {
      const { tokens } = await setup();
      for (const junk of ['', 'a.b.c', 'not-a-jwt', `${encode({ alg: 'ES256' })}..`])
        expect(await tokens.verify(junk)).toBeUndefined();
    });
  });
});
