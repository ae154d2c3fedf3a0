// A fake BFF for tests: routes `METHOD /path` to handlers and records every request it was sent.
import type { Me, Role } from '@switchboard/shared/auth';
import type { ErrorCode } from '@switchboard/shared/errors';

export interface FakeRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  credentials: RequestCredentials | undefined;
}

export type FakeHandler = (request: FakeRequest) => Response | Promise<Response>;

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

export const errorBody = (
  status: number,
  code: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
) => json(status, { error: { code, message, requestId: 'req-test' } }, headers);

export const noContent = () => new Response(null, { status: 204 });

export const unauthorized = () => errorBody(401, 'unauthorized', 'Sign in to continue.');

export function meFor(role: Role, accessExpiresAt = Date.now() + 15 * 60_000): Me {
  return {
    user: { id: `u-${role}`, username: role, displayName: `Ana ${role}`, role, provider: 'local' },
    session: { id: `s-${role}`, accessExpiresAt, absoluteExpiresAt: accessExpiresAt + 3_600_000 },
  };
}

/**
 * @example
 * const server = createFakeServer({ 'GET /auth/me': () => json(200, meFor('admin')) });
 * const api = createApiClient({ fetch: server.fetch, locks: null });
 */
export function createFakeServer(routes: Record<string, FakeHandler>) {
  const requests: FakeRequest[] = [];
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const url = new URL(href, 'http://console.test');
    const method = init.method ?? 'GET';
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const body: unknown = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    const request = {
      method,
      path: `${url.pathname}${url.search}`,
      headers,
      body,
      credentials: init.credentials,
    };
    requests.push(request);
    const handler = routes[`${method} ${url.pathname}`];
    if (!handler) return errorBody(404, 'not_found', `no fake for ${method} ${url.pathname}`);
    return handler(request);
  };
  const count = (method: string, path: string) =>
    requests.filter((r) => r.method === method && r.path.split('?')[0] === path).length;
  return { fetch, requests, count };
}
