// Test support: settings for a throwaway server, and a signed-in HTTP client like the console's.
import { csrfHeader, type Role } from '@switchboard/shared/auth';

export const testAdminPassword = 'test-admin-password-0001';

/** Settings for a server on a free port with an in-memory database and no demo traffic. */
export const testEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  PORT: '0',
  SWITCHBOARD_SANDBOX_TRAFFIC_RPS: '0',
  // Health checks add calls on a timer; tests that want them turn them back on.
  SWITCHBOARD_HEALTH_CHECKS: 'off',
  SWITCHBOARD_DATA_DIR: ':memory:',
  SWITCHBOARD_ADMIN_PASSWORD: testAdminPassword,
  // Tests make many calls from one address; the limits have tests of their own.
  SWITCHBOARD_RATE_LIMIT_PER_MINUTE: '100000',
  SWITCHBOARD_SESSION_RATE_LIMIT_PER_MINUTE: '100000',
  ...extra,
});

export interface TestClient {
  /** `fetch` relative to the server, with the session cookie, `Origin` and `X-CSRF` set. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** A JSON request; throws with the status and body unless it answers 2xx. */
  json<T = unknown>(path: string, init?: { method?: string; body?: unknown }): Promise<T>;
  cookies: Map<string, string>;
  headers(): Record<string, string>;
}

/** Keeps cookies from Set-Cookie headers, as a browser would for this one origin. */
function absorb(cookies: Map<string, string>, response: Response) {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const at = pair?.indexOf('=') ?? -1;
    if (!pair || at < 0) continue;
    const name = pair.slice(0, at);
    const value = pair.slice(at + 1);
    if (value === '' || /max-age=0/i.test(line)) cookies.delete(name);
    else cookies.set(name, value);
  }
}

export function createTestClient(baseUrl: string): TestClient {
  const cookies = new Map<string, string>();
  const origin = new URL(baseUrl).origin;
  const headers = () => ({
    origin,
    [csrfHeader]: '1',
    ...(cookies.size > 0 && { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') }),
  });
  const client: TestClient = {
    cookies,
    headers,
    async fetch(path, init = {}) {
      const response = await fetch(new URL(path, baseUrl), {
        ...init,
        headers: { ...headers(), ...(init.headers as Record<string, string> | undefined) },
      });
      absorb(cookies, response);
      return response;
    },
    async json<T>(path: string, init: { method?: string; body?: unknown } = {}) {
      const response = await client.fetch(path, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        ...(init.body !== undefined && {
          body: JSON.stringify(init.body),
          headers: { 'content-type': 'application/json' },
        }),
      });
      const text = await response.text();
      if (!response.ok)
        throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
  };
  return client;
}

/**
 * Signs in as the test admin, or creates a user with `role` (through the admin API) and signs in as it.
 * @example const api = await signIn(server.url); await api.json('/api/integrations');
 */
export async function signIn(baseUrl: string, role: Role = 'admin'): Promise<TestClient> {
  const admin = createTestClient(baseUrl);
  await admin.json('/auth/login', { body: { username: 'admin', password: testAdminPassword } });
  if (role === 'admin') return admin;
  const username = `${role}-${crypto.randomUUID().slice(0, 8)}`;
  const password = `${username}-password`;
  await admin.json('/api/admin/users', { body: { username, role, password } });
  const client = createTestClient(baseUrl);
  await client.json('/auth/login', { body: { username, password } });
  return client;
}
