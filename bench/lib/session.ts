// The BFF needs a session for /api/*: bench servers sign in once and hand the cookie to the load
// generators, which send it with every request to that origin (as the console's browser would).

const cookies = new Map<string, string>();

/** Settings a bench BFF adds: an in-memory database, a known admin, limits that never bind. */
export const benchAuthEnv = (adminPassword: string) => ({
  SWITCHBOARD_DATA_DIR: ':memory:',
  SWITCHBOARD_ADMIN_PASSWORD: adminPassword,
  SWITCHBOARD_SESSION_RATE_LIMIT_PER_MINUTE: '1000000',
});

/** Signs in as admin and returns the `cookie` header value for later requests. */
export async function signIn(bff: string, adminPassword: string): Promise<string> {
  const response = await fetch(`${bff}/auth/login`, {
    method: 'POST',
    headers: { origin: new URL(bff).origin, 'x-csrf': '1', 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: adminPassword }),
  });
  if (!response.ok) throw new Error(`sign-in to the bench BFF failed: ${response.status}`);
  return response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
}

/** Remembers the session cookie for every later request to `url`'s origin. */
export function useSession(url: string, cookie: string): void {
  cookies.set(new URL(url).origin, cookie);
}

/** Headers for a request to `url`: the session cookie, and for changes the CSRF proof. */
export function sessionHeaders(url: string): Record<string, string> {
  const { origin } = new URL(url);
  const cookie = cookies.get(origin);
  return cookie ? { cookie, origin, 'x-csrf': '1' } : {};
}
