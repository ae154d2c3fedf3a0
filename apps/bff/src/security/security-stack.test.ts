// The defences composed as the BFF wires them: per-address limits that spoofed X-Forwarded-For cannot dodge.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { ErrorBodySchema } from '@switchboard/shared/errors';
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv } from '../http/app-env';
import { silentLogger } from '../http/logger';
import { bodyLimit } from './body-limit';
import { createClientIp, createIsTls, type ClientIpOptions } from './client-ip';
import { rateLimit } from './rate-limit';
import { securityHeaders } from './security-headers';

const remoteAddress: ClientIpOptions['remoteAddress'] = (c) => getConnInfo(c).remote.address;

/** The order the BFF uses: headers outermost (so refusals carry them too), limits before bodies are read. */
function stack(trustedProxies: string[]) {
  const proxies = { trustedProxies, remoteAddress };
  const app = new Hono<AppEnv>();
  app.use('*', requestId());
  app.use('*', securityHeaders({ isTls: createIsTls(proxies) }));
  app.use(
    '/api/*',
    rateLimit({
      name: 'ip',
      points: 100,
      durationSec: 60,
      key: createClientIp(proxies),
      logger: silentLogger,
      subject: 'from this address',
    }),
  );
  app.use('/api/*', bodyLimit({ maxBytes: 1024 }));
  app.get('/api/ping', (c) => c.json({ ok: true }));
  app.post('/api/echo', async (c) => c.json({ bytes: (await c.req.arrayBuffer()).byteLength }));
  return app;
}

/** app.request() with the socket @hono/node-server would give getConnInfo. */
function from(app: Hono<AppEnv>, peer: string) {
  return (path: string, init: RequestInit = {}) =>
    app.request(path, init, { incoming: { socket: { remoteAddress: peer } } });
}

describe('the composed security stack', () => {
  it('refuses the 101st request in a minute from one address, whatever X-Forwarded-For it sends', async () => {
    const send = from(stack(['10.0.0.0/8']), '203.0.113.9');
    for (let i = 0; i < 100; i++) {
      const res = await send('/api/ping', { headers: { 'x-forwarded-for': `198.51.100.${i}` } });
      expect(res.status, `request ${i + 1}`).toBe(200);
    }
    const refused = await send('/api/ping', { headers: { 'x-forwarded-for': '192.0.2.200' } });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit-policy')).toBe('"ip";q=100;w=60');
    expect(refused.headers.get('ratelimit')).toBe(`"ip";r=0;t=${retryAfter}`);
    expect(refused.headers.get('content-security-policy')).toContain("default-src 'self'");
    const body = ErrorBodySchema.parse(await refused.json());
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.message).toBe(
      `Too many requests from this address; try again in ${retryAfter} s.`,
    );
  });

  it('gives each client behind a trusted proxy its own budget', async () => {
    const app = stack(['10.0.0.0/8']);
    const send = from(app, '10.0.0.2');
    const as = (client: string) => send('/api/ping', { headers: { 'x-forwarded-for': client } });
    for (let i = 0; i < 100; i++) expect((await as('198.51.100.1')).status).toBe(200);
    expect((await as('198.51.100.1')).status).toBe(429);
    // A client that spoofs its own X-Forwarded-For through the proxy is still counted as itself.
    expect((await as('198.51.100.2, 198.51.100.1')).status).toBe(429);
    const other = await as('198.51.100.2');
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit')).toMatch(/^"ip";r=99;t=\d+$/);
    // The proxy's own address is a separate budget from its clients'.
    expect((await send('/api/ping')).status).toBe(200);
  });

  it('answers an oversized body with 413 carrying the security and rate-limit headers', async () => {
    const send = from(stack([]), '203.0.113.10');
    const res = await send('/api/echo', { method: 'POST', body: 'x'.repeat(2048) });
    expect(res.status).toBe(413);
    expect(ErrorBodySchema.parse(await res.json()).error.code).toBe('payload_too_large');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('ratelimit')).toMatch(/^"ip";r=99;t=\d+$/);
  });

  it('sends HSTS only when a trusted proxy says the client used https', async () => {
    const app = stack(['10.0.0.0/8']);
    const https = { headers: { 'x-forwarded-proto': 'https' } };
    const viaProxy = await from(app, '10.0.0.2')('/api/ping', https);
    expect(viaProxy.headers.get('strict-transport-security')).toBe(
      'max-age=31536000; includeSubDomains',
    );
    const direct = await from(app, '203.0.113.9')('/api/ping', https);
    expect(direct.headers.has('strict-transport-security')).toBe(false);
  });

  describe('on a real Node server, with getConnInfo', () => {
    const servers: ServerType[] = [];
    const listen = (app: Hono<AppEnv>) =>
      new Promise<number>((resolve) => {
        servers.push(
          serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
            resolve(info.port),
          ),
        );
      });
    let trusting = 0;
    let untrusting = 0;

    beforeAll(async () => {
      trusting = await listen(stack(['127.0.0.1/32', '::1']));
      untrusting = await listen(stack(['10.0.0.0/8']));
    });
    afterAll(async () => {
      await Promise.all(
        servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      );
    });

    const remaining = async (port: number, xff: string) => {
      const res = await fetch(`http://127.0.0.1:${port}/api/ping`, {
        headers: { 'x-forwarded-for': xff },
      });
      return /r=(\d+)/.exec(res.headers.get('ratelimit') ?? '')?.[1];
    };

    it('counts clients behind a trusted loopback proxy apart', async () => {
      expect(await remaining(trusting, '198.51.100.1')).toBe('99');
      expect(await remaining(trusting, '198.51.100.1')).toBe('98');
      expect(await remaining(trusting, '198.51.100.2')).toBe('99');
    });

    it('counts an untrusted peer as one client whatever X-Forwarded-For says', async () => {
      expect(await remaining(untrusting, '198.51.100.1')).toBe('99');
      expect(await remaining(untrusting, '198.51.100.2')).toBe('98');
    });
  });
});
