// The lean view GET on the Node server (views/view-get.ts + runtime/node/view-listener.ts) against
// the app's own route, over real HTTP on one server: a request the lean path takes and the same
// request made the app's (a query string, or Accept-Encoding: identity, which the route ignores
// and compress() does nothing with) must get the same status, headers and content.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { ErrorBodySchema } from '@switchboard/shared/errors';
import { ViewResultSchema } from '@switchboard/shared/upstreams';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config/config';
import { signIn, testEnv } from '../auth/test-session';
import { silentLogger } from '../http/logger';
import { startServer, type RunningServer } from '../runtime/node/server';

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

let server: RunningServer | undefined;
let cookie = '';
let origin = '';

function running(): RunningServer {
  if (!server) throw new Error('the BFF is not running: beforeAll did not complete');
  return server;
}

/** A GET over plain node:http: no header but those given (fetch would add Accept-Encoding). */
function get(path: string, headers: Record<string, string>): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: running().port, path, method: 'GET', headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** `"session";r=<remaining>;t=<seconds>` → its numbers. */
function rateLimitOf(raw: Raw): { r: number; t: number } {
  const match = /^"session";r=(\d+);t=(\d+)$/.exec(String(raw.headers.ratelimit));
  if (!match) throw new Error(`no session RateLimit header: ${String(raw.headers.ratelimit)}`);
  return { r: Number(match[1]), t: Number(match[2]) };
}

/**
 * Headers that must be equal as they are: all but Date (the clock), the RateLimit counts (one
 * budget, counted down by each request: compared on their own) and Content-Length (the body's
 * timings may print with other digits: checked against the body instead).
 */
function comparable(raw: Raw): Record<string, unknown> {
  if (raw.headers['content-length'] !== undefined)
    expect(Number(raw.headers['content-length'])).toBe(Buffer.byteLength(raw.text));
  return Object.fromEntries(
    Object.entries(raw.headers).filter(
      ([name]) => name !== 'date' && name !== 'ratelimit' && name !== 'content-length',
    ),
  );
}

/** The view without its timings, which differ from one run to the next. */
function content(raw: Raw): unknown {
  const view = ViewResultSchema.parse(JSON.parse(raw.text));
  return {
    ...view,
    generatedAt: 'x',
    latencyMs: 0,
    sources: Object.fromEntries(
      Object.entries(view.sources).map(([id, s]) => [id, { ...s, startedAtMs: 0, latencyMs: 0 }]),
    ),
  };
}

beforeAll(async () => {
  server = await startServer(loadConfig(testEnv()), silentLogger);
  const api = await signIn(running().url, 'viewer');
  cookie = api.headers().cookie ?? '';
  origin = api.headers().origin ?? '';
  expect(cookie).toContain('__Host-sb_access=');
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  await server?.close();
});

describe('GET /api/views/:name on Node: the lean path answers as the app does', () => {
  it('answers 200 and 304 with the same status, headers and content on both paths, counting one session budget', async () => {
    const answer = vi.spyOn(running().switchboard.viewGet, 'answer');
    const headers = { cookie, origin, 'x-request-id': 'req-view-1' };
    // Warm the providers' cache (1 s for the summaries), so both paths see the same data.
    await get('/api/views/overview?warm=1', headers);

    const lean = await get('/api/views/overview', headers);
    const app = await get('/api/views/overview?via=app', headers);
    const identity = await get('/api/views/overview', {
      ...headers,
      'accept-encoding': 'identity',
    });
    // Only the first one took the lean path; the app answered the other two.
    expect(answer).toHaveBeenCalledTimes(1);
    expect(lean.status).toBe(200);
    for (const other of [app, identity]) {
      expect(other.status).toBe(lean.status);
      expect(comparable(other)).toEqual(comparable(lean));
      expect(content(other)).toEqual(content(lean));
    }
    expect(lean.headers['content-type']).toBe('application/json');
    expect(lean.headers['x-request-id']).toBe('req-view-1');
    expect(lean.headers['content-security-policy']).toContain("default-src 'self'");
    expect(lean.headers['content-encoding']).toBeUndefined();

    const etag = String(lean.headers.etag);
    expect(etag).toMatch(/^W\/"[0-9a-f]{16}"$/);
    const leanUnchanged = await get('/api/views/overview', { ...headers, 'if-none-match': etag });
    const appUnchanged = await get('/api/views/overview?via=app', {
      ...headers,
      'if-none-match': etag,
    });
    expect(answer).toHaveBeenCalledTimes(2);
    expect(leanUnchanged.status).toBe(304);
    expect(leanUnchanged.text).toBe('');
    expect(appUnchanged.status).toBe(304);
    expect(appUnchanged.text).toBe('');
    expect(comparable(leanUnchanged)).toEqual(comparable(appUnchanged));

    // One budget per session, whichever way a request came in: each counted one.
    const counts = [lean, app, identity, leanUnchanged, appUnchanged].map(rateLimitOf);
    expect(counts.map((c) => c.r)).toEqual(counts.map((_, i) => (counts[0]?.r ?? 0) - i));
    for (const c of counts) expect(Math.abs(c.t - (counts[0]?.t ?? 0))).toBeLessThanOrEqual(1);
  });

  it('hands a session it cannot authenticate to the app, which answers 401 as it always does', async () => {
    const answer = vi.spyOn(running().switchboard.viewGet, 'answer');
    const headers = {
      cookie: '__Host-sb_access=not-a-token',
      origin,
      'x-request-id': 'req-view-2',
    };
    const lean = await get('/api/views/overview', headers);
    const app = await get('/api/views/overview?via=app', headers);
    // The lean path took it, then left it to the app.
    expect(answer).toHaveBeenCalledTimes(1);
    expect(lean.status).toBe(401);
    expect(ErrorBodySchema.parse(JSON.parse(lean.text)).error.code).toBe('unauthorized');
    expect(comparable(lean)).toEqual(comparable(app));
    expect(lean.text).toBe(app.text);
  });

  it('leaves unknown views, other methods and compressed answers to the app', async () => {
    const answer = vi.spyOn(running().switchboard.viewGet, 'answer');
    const unknown = await get('/api/views/no-such-view', { cookie, origin });
    expect(unknown.status).toBe(404);
    const gzip = await get('/api/views/overview', {
      cookie,
      origin,
      'accept-encoding': 'gzip',
    });
    expect(gzip.status).toBe(200);
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(answer).not.toHaveBeenCalled();
  });
});
