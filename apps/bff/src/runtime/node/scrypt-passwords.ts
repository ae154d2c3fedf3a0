// Password hashing with scrypt (memory-hard) from node:crypto; the format carries its own parameters.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { PasswordHasher } from '../../auth/passwords';

// N=2^15, r=8: 32 MiB and ~60 ms per hash here; OWASP's floor for scrypt is N=2^17 with r=8 and
// p=1 *or* an equivalent trade. We keep p=1 and raise N when machines grow; old hashes still verify.
const defaults = { N: 2 ** 15, r: 8, p: 1 };
const keyLength = 32;

const derive = (password: string, salt: Buffer, options: { N: number; r: number; p: number }) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(
      password.normalize('NFKC'),
      salt,
      keyLength,
      { ...options, maxmem: 256 * options.N * options.r } satisfies ScryptOptions,
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );

/** @example const hasher = createScryptHasher(); await hasher.verify(pw, await hasher.hash(pw)); */
export function createScryptHasher(
  params: { N: number; r: number; p: number } = defaults,
): PasswordHasher {
  return {
    async hash(password) {
      const salt = randomBytes(16);
      const key = await derive(password, salt, params);
      return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
    },
    async verify(password, stored) {
      const [scheme, n, r, p, salt, key] = stored.split('$');
      if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key) return false;
      const expected = Buffer.from(key, 'base64url');
      const actual = await derive(password, Buffer.from(salt, 'base64url'), {
        N: Number(n),
        r: Number(r),
        p: Number(p),
      });
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
  };
}
