// Rate limits count per key, advertise themselves in IETF headers, and refuse with 429 in the shared error shape.
import { ErrorBodySchema } from '@switchboard/shared/errors';
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../http/app-env';
import { silentLogger, type Logger } from '../http/logger';
import { rateLimit, type RateLimitOptions } from './rate-limit';

const byHeader: RateLimitOptions['key'] = (c) => c.req.header('x-test-client');

function appWith(...policies: Partial<RateLimitOptions>[]) {
  const app = new Hono<AppEnv>();
  let handled = 0;
  app.use('*', requestId());
  for (const p of policies)
    app.use(
      '*',
      rateLimit({
        name: 'ip',
        points: 3,
        durationSec: 60,
        key: byHeader,
        logger: silentLogger,
        ...p,
      }),
    );
  app.get('/', (c) => {
    handled++;
    return c.json({ ok: true });
  });
  // A handler that builds its own Response: the headers must still be there.
  app.get('/raw', () => new Response('raw'));
  // A Response with immutable headers (as fetch() returns): the headers must still be added.
  app.get('/immutable', () => Response.redirect('http://localhost/elsewhere', 302));
  const get = (client?: string, path = '/') =>
    app.request(path, { headers: client === undefined ? {} : { 'x-test-client': client } });
  return { get, handled: () => handled };
}

function recordingLogger() {
  const errors: object[] = [];
  const logger: Logger = { ...silentLogger, error: (obj) => errors.push(obj), child: () => logger };
  return { logger, errors };
}

describe('rateLimit', () => {
  it('advertises the policy and what remains on allowed responses', async () => {
    const { get } = appWith({});
    const first = await get('a');
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"ip";q=3;w=60');
    expect(first.headers.get('ratelimit')).toMatch(/^"ip";r=2;t=(60|59)$/);
    expect((await get('a')).headers.get('ratelimit')).toMatch(/^"ip";r=1;t=\d+$/);
    expect((await get('a')).headers.get('ratelimit')).toMatch(/^"ip";r=0;t=\d+$/);
  });

  it('refuses past the limit with 429, Retry-After, RateLimit headers and the error shape', async () => {
    const { get, handled } = appWith({ subject: 'from this address' });
    for (let i = 0; i < 3; i++) expect((await get('a')).status).toBe(200);
    const refused = await get('a');
    expect(refused.status).toBe(429);
    expect(handled()).toBe(3);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit-policy')).toBe('"ip";q=3;w=60');
    expect(refused.headers.get('ratelimit')).toBe(`"ip";r=0;t=${retryAfter}`);
    const body = ErrorBodySchema.parse(await refused.json());
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.message).toBe(
      `Too many requests from this address; try again in ${retryAfter} s.`,
    );
    expect(body.error.requestId).not.toBe('unknown');
    expect(body.error.details).toEqual({
      policy: 'ip',
      limit: 3,
      windowSec: 60,
      retryAfterSec: retryAfter,
    });
  });

  it('counts each key on its own', async () => {
    const { get } = appWith({ points: 1 });
    expect((await get('a')).status).toBe(200);
    expect((await get('a')).status).toBe(429);
    expect((await get('b')).status).toBe(200);
  });

  it('passes requests whose key is undefined, uncounted and without headers', async () => {
    const { get, handled } = appWith({ points: 1 });
    for (let i = 0; i < 3; i++) {
      const res = await get(undefined);
      expect(res.status).toBe(200);
      expect(res.headers.has('ratelimit')).toBe(false);
    }
    expect(handled()).toBe(3);
  });

  it('lists every stacked policy, and the refusing one carries Retry-After', async () => {
    const { get } = appWith(
      { name: 'ip', points: 5 },
      { name: 'session', points: 1, durationSec: 30, key: () => 'session-1' },
    );
    const allowed = await get('a');
    expect(allowed.headers.get('ratelimit-policy')).toBe('"session";q=1;w=30, "ip";q=5;w=60');
    expect(allowed.headers.get('ratelimit')).toMatch(/^"session";r=0;t=\d+, "ip";r=4;t=\d+$/);
    const refused = await get('a');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit')).toMatch(/^"session";r=0;t=\d+, "ip";r=3;t=\d+$/);
    expect(refused.headers.get('retry-after')).toMatch(/^([1-9]|[12]\d|30)$/);
  });

  it('keeps its headers on a Response the handler built itself', async () => {
    const { get } = appWith({});
    const res = await get('a', '/raw');
    expect(await res.text()).toBe('raw');
    expect(res.headers.get('ratelimit')).toMatch(/^"ip";r=2;t=\d+$/);
  });

  it('keeps its headers on a Response whose headers are immutable', async () => {
    const { get } = appWith({});
    const res = await get('a', '/immutable');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://localhost/elsewhere');
    expect(res.headers.get('ratelimit')).toMatch(/^"ip";r=2;t=\d+$/);
  });

  it('accepts another limiter with the same policy, and refuses one that disagrees', async () => {
    const limiter = new RateLimiterMemory({ points: 1, duration: 10 });
    const { get } = appWith({ points: 1, durationSec: 10, limiter });
    expect((await get('a')).status).toBe(200);
    expect((await limiter.get('a'))?.consumedPoints).toBe(1);
    expect(() => appWith({ points: 2, durationSec: 10, limiter })).toThrow(
      /allows 1 per 10 s but the policy says 2 per 10 s/,
    );
  });

  it('checks its options when created', () => {
    const base = { name: 'ip', points: 1, durationSec: 1, key: byHeader, logger: silentLogger };
    expect(() => rateLimit({ ...base, name: 'has "quotes"' })).toThrow(/name/);
    expect(() => rateLimit({ ...base, points: 0 })).toThrow(/points/);
    expect(() => rateLimit({ ...base, durationSec: 0.5 })).toThrow(/durationSec/);
  });

  describe('when the store fails', () => {
    class BrokenLimiter extends RateLimiterMemory {
      override consume(): Promise<never> {
        return Promise.reject(new Error('redis: connection refused'));
      }
    }

    it('fails closed with 503 by default, and logs it', async () => {
      const { logger, errors } = recordingLogger();
      const limiter = new BrokenLimiter({ points: 3, duration: 60 });
      const { get, handled } = appWith({ limiter, logger });
      const res = await get('a');
      expect(res.status).toBe(503);
      expect(ErrorBodySchema.parse(await res.json()).error.code).toBe('not_ready');
      expect(handled()).toBe(0);
      expect(errors).toEqual([
        expect.objectContaining({
          policy: 'ip',
          onStoreError: 'fail-closed',
          err: { name: 'Error', message: 'redis: connection refused' },
        }),
      ]);
    });

    it('lets the request through when told to fail open, and still logs it', async () => {
      const { logger, errors } = recordingLogger();
      const limiter = new BrokenLimiter({ points: 3, duration: 60 });
      const { get, handled } = appWith({ limiter, logger, onStoreError: 'fail-open' });
      const res = await get('a');
      expect(res.status).toBe(200);
      expect(res.headers.has('ratelimit')).toBe(false);
      expect(handled()).toBe(1);
      expect(errors).toHaveLength(1);
    });
  });
});
