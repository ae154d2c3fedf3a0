// The password-hashing port: a memory-hard KDF lives behind it (scrypt on Node, see runtime/node).

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Constant-time in the hash comparison; false for a malformed stored hash. */
  verify(password: string, stored: string): Promise<boolean>;
}

/** A readable random password (~120 bits) for the first admin when none is configured. */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let chars = '';
  while (chars.length < 20) {
    for (const b of crypto.getRandomValues(new Uint8Array(32))) {
      // Rejection sampling: bytes past the last whole multiple of the alphabet would bias it.
      if (b < 224 && chars.length < 20) chars += alphabet[b % 56];
    }
  }
  return chars.match(/.{5}/g)?.join('-') ?? chars;
}
