// Where to send the user after single sign-on: only a path on this site, never another origin.

const maxLength = 2048;
const probeOrigin = 'https://return-to.invalid';

/**
 * True when `value` is a same-site relative path: one leading `/`, no `//` or `\` anywhere a
 * browser could read as another host, no control characters, and it resolves to our own origin.
 * Browsers treat `\` as `/` and drop tabs and newlines inside URLs, so `/\evil.com` and
 * `/\t/evil.com` both mean `//evil.com`; percent-encoded forms are checked decoded as well, in
 * case a later step decodes the path once more.
 * @example isSafeReturnTo('/views/orders?tab=2') // true
 * @example isSafeReturnTo('//evil.example') // false
 */
export function isSafeReturnTo(value: string): boolean {
  if (value.length === 0 || value.length > maxLength) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return false;
  }
  for (const candidate of [value, decoded]) {
    if (!candidate.startsWith('/') || candidate.startsWith('//')) return false;
    if (candidate.includes('\\')) return false;
    // eslint-disable-next-line no-control-regex -- control characters are what we refuse
    if (/[\u0000-\u001f\u007f]/.test(candidate)) return false;
  }
  try {
    return new URL(value, probeOrigin).origin === probeOrigin;
  } catch {
    return false;
  }
}

/**
 * `value` when it is a safe same-site path, otherwise `/`: a bad link still signs the user in,
 * it just lands on the home page.
 * @example sanitizeReturnTo('https://evil.example/') // '/'
 */
export function sanitizeReturnTo(value: string | undefined): string {
  return value !== undefined && isSafeReturnTo(value) ? value : '/';
}
