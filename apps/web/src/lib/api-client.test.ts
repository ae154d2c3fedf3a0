import { MeSchema } from '@switchboard/shared/auth';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  errorBody,
  createFakeServer,
  json,
  meFor,
  noContent,
  unauthorized,
} from '../test/fake-server';
import { ApiError, createApiClient, type RefreshLocks } from './api-client';

const Thing = z.object({ n: z.number() });

/** A promise with its resolve, to hold a fake answer until the test says so. */
function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('createApiClient', () => {
  it('renews an expired session once for two concurrent 401s, then retries both', async () => {
    let expired = true;
    let rejected = 0;
    const bothRejected = deferred();
    const server = createFakeServer({
      'GET /api/thing': () => {
        if (!expired) return json(200, { n: 1 });
        if (++rejected === 2) bothRejected.resolve();
        return unauthorized();
      },
      'POST /auth/refresh': async () => {
        // Answer only once both requests have met their 401, so they overlap the refresh.
        await bothRejected.promise;
        expired = false;
        return json(200, meFor('viewer'));
      },
    });
    const api = createApiClient({ fetch: server.fetch, locks: null });
    const told: unknown[] = [];
    api.onSession((me) => told.push(me?.user.username ?? null));

    const [a, b] = await Promise.all([
      api.request('/api/thing', Thing),
      api.request('/api/thing', Thing),
    ]);

    expect(a).toEqual({ n: 1 });
    expect(b).toEqual({ n: 1 });
    expect(server.count('POST', '/auth/refresh')).toBe(1);
    expect(server.count('GET', '/api/thing')).toBe(4);
    expect(told).toEqual(['viewer']);
  });

  it('ends the session when the refresh is refused: every waiting call fails with 401', async () => {
    const server = createFakeServer({
      'GET /api/thing': () => unauthorized(),
      'POST /auth/refresh': () => unauthorized(),
    });
    const api = createApiClient({ fetch: server.fetch, locks: null });
    const told: unknown[] = [];
    api.onSession((me) => told.push(me));

    const results = await Promise.allSettled([
      api.request('/api/thing', Thing),
      api.request('/api/thing', Thing),
    ]);

    for (const result of results) {
      expect(result.status).toBe('rejected');
      if (result.status === 'rejected') {
        expect(result.reason).toBeInstanceOf(ApiError);
        expect(result.reason).toMatchObject({ status: 401, code: 'unauthorized' });
      }
    }
    expect(server.count('POST', '/auth/refresh')).toBe(1);
    // Not retried: there was no session to retry with.
    expect(server.count('GET', '/api/thing')).toBe(2);
    expect(told).toEqual([null]);
  });

  it('takes the cross-tab lock and skips the refresh when another tab has already renewed', async () => {
    const before = meFor('operator', 1_000);
    const renewedElsewhere = meFor('operator', 901_000);
    let calls = 0;
    const held: string[] = [];
    const locks: RefreshLocks = {
      async request(name, callback) {
        held.push(name);
        return callback();
      },
    };
    const server = createFakeServer({
      'GET /api/thing': () => (++calls === 1 ? unauthorized() : json(200, { n: 2 })),
      'GET /auth/me': () => json(200, renewedElsewhere),
      'POST /auth/refresh': () => json(200, meFor('operator')),
    });
    const api = createApiClient({ fetch: server.fetch, locks });
    api.rememberSession(before);

    await expect(api.request('/api/thing', Thing)).resolves.toEqual({ n: 2 });
    expect(held).toEqual(['switchboard-refresh']);
    expect(server.count('GET', '/auth/me')).toBe(1);
    expect(server.count('POST', '/auth/refresh')).toBe(0);
  });

  it('refreshes under the lock when /auth/me shows the same, expiring session', async () => {
    const current = meFor('operator', 1_000);
    const server = createFakeServer({
      'GET /auth/me': () => json(200, current),
      'POST /auth/refresh': () => json(200, meFor('operator', 901_000)),
    });
    const api = createApiClient({ fetch: server.fetch, locks: { request: (_n, cb) => cb() } });
    api.rememberSession(current);

    const renewed = await api.refreshSession();
    expect(renewed?.session.accessExpiresAt).toBe(901_000);
    expect(server.count('POST', '/auth/refresh')).toBe(1);
  });

  it('sends the CSRF header and JSON on state-changing calls, with same-origin cookies', async () => {
    const server = createFakeServer({
      'POST /auth/login': () => json(200, meFor('admin')),
      'DELETE /api/admin/sessions/s1': () => noContent(),
      'GET /auth/me': () => json(200, meFor('admin')),
    });
    const api = createApiClient({ fetch: server.fetch, locks: null });

    await api.request('/auth/login', MeSchema, {
      method: 'POST',
      body: { username: 'ana', password: 'x' },
    });
    await api.send('/api/admin/sessions/s1', { method: 'DELETE' });
    await api.request('/auth/me', MeSchema);

    const [login, kill, me] = server.requests;
    expect(login?.headers).toMatchObject({ 'x-csrf': '1', 'content-type': 'application/json' });
    expect(login?.body).toEqual({ username: 'ana', password: 'x' });
    expect(kill?.headers['x-csrf']).toBe('1');
    expect(kill?.headers['content-type']).toBeUndefined();
    expect(me?.headers['x-csrf']).toBeUndefined();
    expect(server.requests.every((r) => r.credentials === 'same-origin')).toBe(true);
  });

  it('treats a 401 from sign-in as wrong credentials, not an expired session', async () => {
    const server = createFakeServer({
      'POST /auth/login': () => errorBody(401, 'unauthorized', 'Wrong username or password.'),
    });
    const api = createApiClient({ fetch: server.fetch, locks: null });

    await expect(
      api.request('/auth/login', MeSchema, { method: 'POST', body: {}, renewOn401: false }),
    ).rejects.toMatchObject({ status: 401, message: 'Wrong username or password.' });
    expect(server.count('POST', '/auth/refresh')).toBe(0);
  });

  it('reads Retry-After into the error of a rate-limited call', async () => {
    const server = createFakeServer({
      'POST /auth/login': () =>
        errorBody(429, 'rate_limited', 'Too many attempts.', { 'retry-after': '42' }),
    });
    const api = createApiClient({ fetch: server.fetch, locks: null });

    await expect(
      api.request('/auth/login', MeSchema, { method: 'POST', body: {}, renewOn401: false }),
    ).rejects.toMatchObject({ code: 'rate_limited', retryAfterSeconds: 42 });
  });
});
