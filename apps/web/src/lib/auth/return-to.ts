// Where to go after signing in: only a path on this site, never back to the sign-in page.
export const signInPath = '/sign-in';

/**
 * A `returnTo` from the query string is attacker-controlled: anything but a local path (say
 * `//evil.example` or `https://…`) would turn sign-in into an open redirect.
 * @example safeReturnTo('/admin/users?x=1') // '/admin/users?x=1'; safeReturnTo('//evil') // '/'
 */
export function safeReturnTo(value: string | null | undefined): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\'))
    return '/';
  if (value === signInPath || value.startsWith(`${signInPath}?`)) return '/';
  return value;
}

export function signInHref(returnTo?: string): string {
  const target = safeReturnTo(returnTo);
  return target === '/' && !returnTo
    ? signInPath
    : `${signInPath}?returnTo=${encodeURIComponent(target)}`;
}
