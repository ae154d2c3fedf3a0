// Hardening headers land on every response, HSTS only over TLS, and never over a route's own choice.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../http/app-env';
import { errorResponse } from '../http/errors';
import { defaultContentSecurityPolicy, securityHeaders } from './security-headers';

function appWith(options: Partial<Parameters<typeof securityHeaders>[0]> = {}) {
  const app = new Hono<AppEnv>();
  app.use('*', securityHeaders({ isTls: (c) => c.req.url.startsWith('https:'), ...options }));
  app.get('/', (c) => c.json({ ok: true }));
  app.get('/own-csp', (c) => {
    c.header('Content-Security-Policy', "default-src 'none'");
    c.header('X-Frame-Options', 'SAMEORIGIN');
    return c.text('mine');
  });
  app.get('/raw', () => new Response('raw'));
  app.get('/redirect', () => Response.redirect('https://switchboard.test/elsewhere', 302));
  app.get('/fails', (c) => errorResponse(c, 400, 'bad_request', 'no'));
  return app;
}

describe('securityHeaders', () => {
  it('sets the strict policy and the other hardening headers', async () => {
    const res = await appWith().request('http://switchboard.test/');
    expect(res.status).toBe(200);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'content-security-policy':
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'permissions-policy': expect.stringContaining('camera=()') as unknown,
    });
    expect(defaultContentSecurityPolicy).not.toContain('unsafe');
  });

  it('sends HSTS only when the request came over TLS', async () => {
    const app = appWith();
    expect(
      (await app.request('http://switchboard.test/')).headers.has('strict-transport-security'),
    ).toBe(false);
    expect(
      (await app.request('https://switchboard.test/')).headers.get('strict-transport-security'),
    ).toBe('max-age=31536000; includeSubDomains');
    const custom = appWith({ isTls: () => true, hstsMaxAgeSec: 600 });
    expect((await custom.request('/')).headers.get('strict-transport-security')).toBe(
      'max-age=600; includeSubDomains',
    );
  });

  it('leaves headers a route set itself', async () => {
    const res = await appWith().request('/own-csp');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'");
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('covers Responses built by handlers, error responses, and ones with immutable headers', async () => {
    const app = appWith();
    for (const path of ['/raw', '/fails', '/missing']) {
      expect((await app.request(path)).headers.get('x-content-type-options'), path).toBe('nosniff');
    }
    const redirect = await app.request('/redirect');
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('https://switchboard.test/elsewhere');
    expect(redirect.headers.get('x-frame-options')).toBe('DENY');
  });

  it('takes a replacement policy, and checks its options when created', async () => {
    const res = await appWith({ contentSecurityPolicy: "default-src 'none'" }).request('/');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'");
    expect(() => securityHeaders({ isTls: () => false, hstsMaxAgeSec: -1 })).toThrow(
      /hstsMaxAgeSec/,
    );
  });
});
