// The BFF's defences over real HTTP and WebSocket: each attack a request, each answer checked.
import { ErrorBodySchema } from '@switchboard/shared/errors';
import { MeSchema } from '@switchboard/shared/auth';
import { IntegrationStateSchema } from '@switchboard/shared/integrations';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { loadConfig } from '../config/config';
import { silentLogger } from '../http/logger';
import { createRedactingLogger } from '../runtime/node/logger';
import { startServer, type RunningServer } from '../runtime/node/server';
import { accessCookie, refreshCookie } from './cookies';
import {
  createTestClient,
  signIn,
  testAdminPassword,
  testEnv,
  type TestClient,
} from './test-session';

let server: RunningServer;
let admin: TestClient;
const logLines: string[] = [];
const url = (path: string) => `${server.url}${path}`;

beforeAll(async () => {
  const { logger, addSecrets } = createRedactingLogger({
    level: 'debug',
    destination: { write: (line) => void logLines.push(line) },
  });
  addSecrets([testAdminPassword]);
  server = await startServer(loadConfig(testEnv()), logger, { onSecrets: addSecrets });
  admin = await signIn(server.url);
});
afterAll(() => server?.close());

const errorOf = async (response: Response) => ErrorBodySchema.parse(await response.json()).error;

const breakerOf = async (name: string) =>
  IntegrationStateSchema.parse(await admin.json(`/api/integrations/${name}`)).breaker;

describe('sessions over HTTP', () => {
  it('answers an API call without a session with 401 in the JSON error shape, never a redirect', async () => {
    for (const path of ['/api/integrations', '/api/views/overview', '/api/stream', '/auth/me']) {
      const response = await fetch(url(path), {
        redirect: 'manual',
        headers: { accept: 'text/html' },
      });
      expect(response.status, path).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/application\/json/);
      expect((await errorOf(response)).code).toBe('unauthorized');
    }
  });

  it('sets both cookies HttpOnly, Secure, SameSite=Strict, without Domain, and a new session id each time', async () => {
    const first = createTestClient(server.url);
    const response = await first.fetch('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: testAdminPassword }),
    });
    expect(response.status).toBe(200);
    const cookies = response.headers.getSetCookie();
    const access = cookies.find((c) => c.startsWith(`${accessCookie}=`));
    const refresh = cookies.find((c) => c.startsWith(`${refreshCookie}=`));
    for (const cookie of [access, refresh]) {
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; SameSite=Strict/);
      expect(cookie).not.toMatch(/domain=/i);
    }
    expect(access).toMatch(/; Path=\/(;|$)/);
    expect(refresh).toMatch(/; Path=\/auth(;|$)/);
    const me = MeSchema.parse(await response.json());
    const again = await signIn(server.url);
    const other = MeSchema.parse(await again.json('/auth/me'));
    expect(other.session.id).not.toBe(me.session.id);
    expect(me.session.accessExpiresAt - Date.now()).toBeLessThanOrEqual(15 * 60_000);
  });

  it('refuses the cookie replayed after logout', async () => {
    const client = await signIn(server.url);
    const saved = client.headers().cookie ?? '';
    const out = await client.fetch('/auth/logout', { method: 'POST' });
    expect(out.status).toBe(200);
    expect(await out.json()).toEqual({ providerLogoutUrl: null });
    const replay = await fetch(url('/api/integrations'), { headers: { cookie: saved } });
    expect(replay.status).toBe(401);
    const refresh = await fetch(url('/auth/refresh'), {
      method: 'POST',
      headers: { cookie: saved, origin: server.url, 'x-csrf': '1' },
    });
    expect(refresh.status).toBe(401);
  });

  it('revokes the whole family when a rotated refresh token comes back', async () => {
    // No grace window, so the second use is plainly a reuse (the window has its own test below).
    const strict = await startServer(
      loadConfig(testEnv({ SWITCHBOARD_REFRESH_REUSE_GRACE_SECONDS: '0' })),
      silentLogger,
    );
    try {
      const client = await signIn(strict.url);
      const stolen = client.headers().cookie ?? '';
      expect((await client.fetch('/auth/refresh', { method: 'POST' })).status).toBe(200);
      const thief = await fetch(`${strict.url}/auth/refresh`, {
        method: 'POST',
        headers: { cookie: stolen, origin: strict.url, 'x-csrf': '1' },
      });
      expect(thief.status).toBe(401);
      expect((await errorOf(thief)).message).toMatch(/used twice/);
      // The owner's fresh tokens die with the family.
      expect((await client.fetch('/api/integrations')).status).toBe(401);
      expect((await client.fetch('/auth/refresh', { method: 'POST' })).status).toBe(401);
    } finally {
      await strict.close();
    }
  });

  it('gives two tabs refreshing at once one rotation, and both succeed', async () => {
    const client = await signIn(server.url);
    const headers = { ...client.headers() };
    const [a, b] = await Promise.all(
      [1, 2].map(() => fetch(url('/auth/refresh'), { method: 'POST', headers })),
    );
    expect(a?.status).toBe(200);
    expect(b?.status).toBe(200);
    const tokenOf = (r: Response | undefined) =>
      r?.headers
        .getSetCookie()
        .find((c) => c.startsWith(`${refreshCookie}=`))
        ?.split(';')[0];
    expect(tokenOf(a)).toBe(tokenOf(b));
  });

  it('refuses forged access tokens', async () => {
    const realToken = admin.cookies.get(accessCookie) ?? '';
    const [header, payload] = realToken.split('.');
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as object;
    const forged = [
      `${b64({ alg: 'none', typ: 'at+jwt' })}.${payload}.`,
      `${b64({ alg: 'HS256', typ: 'at+jwt' })}.${payload}.${b64({ sig: 1 })}`,
      `${header}.${b64({ ...claims, role: 'admin', sub: 'someone-else' })}.${realToken.split('.')[2]}`,
      `${b64({ alg: 'ES256', kid: '../../keys', typ: 'at+jwt' })}.${payload}.${realToken.split('.')[2]}`,
      'not.a.jwt',
    ];
    for (const token of forged) {
      const response = await fetch(url('/api/integrations'), {
        headers: { cookie: `${accessCookie}=${token}` },
      });
      expect(response.status, token.slice(0, 40)).toBe(401);
    }
  });
});

describe('CSRF', () => {
  it('refuses a mutating call without X-CSRF (403) and changes nothing', async () => {
    const before = await breakerOf('payments');
    const response = await fetch(url('/api/integrations/payments/breaker'), {
      method: 'POST',
      headers: {
        cookie: admin.headers().cookie ?? '',
        origin: server.url,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ action: 'force-open' }),
    });
    expect(response.status).toBe(403);
    expect((await errorOf(response)).message).toMatch(/X-CSRF/);
    expect(await breakerOf('payments')).toEqual(before);
  });

  it('refuses a cross-origin request even with the header', async () => {
    const response = await fetch(url('/api/integrations/payments/breaker'), {
      method: 'POST',
      headers: {
        cookie: admin.headers().cookie ?? '',
        origin: 'https://evil.example',
        'x-csrf': '1',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ action: 'force-open' }),
    });
    expect(response.status).toBe(403);
    expect((await breakerOf('payments')).forced).toBeNull();
  });

  it('refuses a cross-origin form post and a text/plain post, sign-in included', async () => {
    const form = await fetch(url('/auth/login'), {
      method: 'POST',
      headers: {
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `username=admin&password=${encodeURIComponent(testAdminPassword)}`,
    });
    expect(form.status).toBe(403);
    expect(form.headers.getSetCookie()).toEqual([]);
    const plain = await fetch(url('/api/integrations/payments/breaker'), {
      method: 'POST',
      headers: { ...admin.headers(), 'content-type': 'text/plain' },
      body: JSON.stringify({ action: 'force-open' }),
    });
    expect(plain.status).toBe(415);
    expect((await breakerOf('payments')).forced).toBeNull();
  });
});

describe('roles', () => {
  it('refuses a viewer an operator action (403) and an admin page (403), and lets it read', async () => {
    const viewer = await signIn(server.url, 'viewer');
    expect((await viewer.fetch('/api/integrations')).status).toBe(200);
    const act = await viewer.fetch('/api/integrations/payments/breaker', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'force-open' }),
    });
    expect(act.status).toBe(403);
    expect((await errorOf(act)).message).toMatch(/operator/);
    expect((await viewer.fetch('/api/admin/users')).status).toBe(403);
    expect((await breakerOf('payments')).forced).toBeNull();
  });

  it('lets an operator act, and the audit log records who, what and from where', async () => {
    const operator = await signIn(server.url, 'operator');
    const me = MeSchema.parse(await operator.json('/auth/me'));
    await operator.json('/api/integrations/email/breaker', { body: { action: 'force-closed' } });
    await operator.json('/api/integrations/email/breaker', { body: { action: 'release' } });
    const audit = await admin.json<{ items: Array<Record<string, unknown>> }>(
      `/api/admin/audit?action=breaker.forced&actor=${me.user.username}`,
    );
    expect(audit.items).toHaveLength(2);
    expect(audit.items[1]).toMatchObject({
      actor: me.user.username,
      target: 'integration:email',
      ip: '127.0.0.1',
      details: { action: 'force-closed' },
    });
  });
});

describe('live streams', () => {
  const wsUrl = () => url('/api/ws').replace('http', 'ws');

  it('refuses a WebSocket upgrade with a valid cookie from another origin (403)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(wsUrl(), {
        headers: { cookie: admin.headers().cookie ?? '', origin: 'https://evil.example' },
      });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => reject(new Error('the socket opened')));
      ws.on('error', () => {});
    });
    expect(status).toBe(403);
  });

  it('refuses a WebSocket upgrade without a session (401)', async () => {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(wsUrl(), { headers: { origin: server.url } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
    expect(status).toBe(401);
  });

  it('closes a revoked session’s socket with 1008 and ends its SSE stream within a second', async () => {
    const victim = await signIn(server.url, 'operator');
    const me = MeSchema.parse(await victim.json('/auth/me'));
    const ws = new WebSocket(wsUrl(), {
      headers: { cookie: victim.headers().cookie ?? '', origin: server.url },
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('message', () => resolve());
      ws.once('error', reject);
    });
    const sse = await victim.fetch('/api/stream', { headers: { accept: 'text/event-stream' } });
    const reader = sse.body?.getReader();
    await reader?.read();
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const ended = (async () => {
      for (;;) if ((await reader?.read())?.done !== false) return true;
    })();
    const started = Date.now();
    expect(
      (await admin.fetch(`/api/admin/sessions/${me.session.id}`, { method: 'DELETE' })).status,
    ).toBe(204);
    expect(await closed).toBe(1008);
    expect(await ended).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await victim.fetch('/api/integrations')).status).toBe(401);
  });

  it('closes a socket that sends frames over 64 KB with 1009', async () => {
    const ws = new WebSocket(wsUrl(), {
      headers: { cookie: admin.headers().cookie ?? '', origin: server.url },
    });
    await new Promise((resolve) => ws.once('open', resolve));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('x'.repeat(65 * 1024));
    expect(await closed).toBe(1009);
  });

  it('closes a socket that floods messages with 1008', async () => {
    const ws = new WebSocket(wsUrl(), {
      headers: { cookie: admin.headers().cookie ?? '', origin: server.url },
    });
    await new Promise((resolve) => ws.once('open', resolve));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    for (let i = 0; i < 50; i += 1) ws.send('{"type":"ping"}');
    expect(await closed).toBe(1008);
  });
});

describe('request limits', () => {
  it('answers an oversized body with 413', async () => {
    const response = await admin.fetch('/api/integrations/payments/breaker', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect((await errorOf(response)).code).toBe('payload_too_large');
  });

  it('answers an oversized chunked body (no Content-Length) with 413', async () => {
    const { port } = server;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/integrations/payments/breaker',
          headers: {
            ...admin.headers(),
            host: new URL(server.url).host,
            'content-type': 'application/json',
            'transfer-encoding': 'chunked',
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      const chunk = 'x'.repeat(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < 40) {
          sent += 1;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(413);
  });
});

describe('rate limits', () => {
  it('answers the 101st request in a minute with 429 and Retry-After, even with a spoofed X-Forwarded-For', async () => {
    const limited = await startServer(
      loadConfig(testEnv({ SWITCHBOARD_RATE_LIMIT_PER_MINUTE: '100' })),
      silentLogger,
    );
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 101; i += 1) {
        last = await fetch(`${limited.url}/auth/providers`, {
          headers: { 'x-forwarded-for': `198.51.100.${i}` },
        });
        statuses.push(last.status);
        if (i < 100) await last.body?.cancel();
      }
      expect(statuses.slice(0, 100).every((s) => s === 200)).toBe(true);
      expect(statuses[100]).toBe(429);
      expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(last?.headers.get('ratelimit-policy')).toMatch(/q=100;w=60/);
      expect(last?.headers.get('ratelimit')).toMatch(/r=0/);
      expect((await errorOf(last as Response)).code).toBe('rate_limited');
    } finally {
      await limited.close();
    }
  });

  it('locks out repeated wrong passwords for a username with a growing lockout', async () => {
    const attacker = createTestClient(server.url);
    const attempt = () =>
      attacker.fetch('/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'locked-target', password: 'wrong password guess' }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await attempt()).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    const locked = await attempt();
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await errorOf(locked)).message).toMatch(/try again in \d+ s/);
  });
});

describe('headers and secrets', () => {
  it('sends a strict CSP and the other security headers', async () => {
    const response = await fetch(url('/healthz'));
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBeTruthy();
    // Plain HTTP here: HSTS would be wrong.
    expect(response.headers.get('strict-transport-security')).toBeNull();
  });

  it('keeps secrets out of the logs on error paths', async () => {
    const secrets = [testAdminPassword, ...Object.values(server.sandbox?.sandboxSecrets() ?? {})];
    expect(secrets.length).toBeGreaterThan(3);
    // Wrong passwords that are real secrets, bad bodies and upstream failures all get logged.
    for (const secret of secrets)
      await fetch(url('/auth/login'), {
        method: 'POST',
        headers: {
          origin: server.url,
          'x-csrf': '1',
          'content-type': 'application/json',
          authorization: `Bearer ${secret}`,
        },
        body: JSON.stringify({ username: 'nobody', password: secret }),
      });
    await admin
      .json('/api/sandbox/providers/payments', { method: 'PATCH', body: { errorRate: 1 } })
      .catch(() => {});
    await admin.fetch('/api/views/overview');
    await admin.json('/api/sandbox/reset', { body: {} }).catch(() => {});
    expect(logLines.length).toBeGreaterThan(10);
    const all = logLines.join('');
    for (const secret of secrets) expect(all).not.toContain(secret);
  });
});
