// The lean view GET on the Node server (views/view-get.ts + runtime/node/view-listener.ts) against
// the app's own route, over real HTTP on one server: a request the lean path takes and the same
// request made the app's (a query string, which the route ignores) must get the same status,
// headers and content, compressed or not as the app's compress() decides.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';
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
  /** The body as sent (compressed when Content-Encoding says so). */
  bytes: Buffer;
  /** The body decompressed, as text. */
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
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const encoding = res.headers['content-encoding'];
          try {
            const plain =
              encoding === 'gzip'
                ? gunzipSync(bytes)
                : encoding === 'deflate'
                  ? inflateSync(bytes)
                  : bytes;
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              bytes,
              text: String(plain),
            });
          } catch (error) {
            reject(new Error(`a body that is not ${String(encoding)}`, { cause: error }));
          }
        });
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
    expect(Number(raw.headers['content-length'])).toBe(raw.bytes.length);
  return Object.fromEntries(
    Object.entries(raw.headers).filter(
      ([name]) => name !== 'date' && name !== 'ratelimit' && name !== 'content-length',
    ),
  );
}

/** `text` through compress()'s own pipeline (a string Response's body through CompressionStream). */
async function compressedAsHono(text: string, encoding: 'gzip' | 'deflate'): Promise<Buffer> {
  const stream = new Response(text).body?.pipeThrough(new CompressionStream(encoding));
  return Buffer.from(await new Response(stream).arrayBuffer());
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
    // compress() adds Vary and nothing else for an encoding it does not offer; so does the lean path.
    const identity = await get('/api/views/overview', {
      ...headers,
      'accept-encoding': 'identity',
    });
    // The first and the last took the lean path; the app answered the query string.
    expect(answer).toHaveBeenCalledTimes(2);
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
    expect(answer).toHaveBeenCalledTimes(3);
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

  it("compresses as the app's compress() does: the same encoding, headers, content and bytes", async () => {
    const answer = vi.spyOn(running().switchboard.viewGet, 'answer');
    const headers = { cookie, origin, 'x-request-id': 'req-view-3' };
    await get('/api/views/overview?warm=1', headers);
    // What a browser sends (br is not offered by compress(): gzip wins), and deflate alone.
    for (const [accept, encoding] of [
      ['gzip, deflate, br', 'gzip'],
      ['deflate', 'deflate'],
    ] as const) {
      const ask = { ...headers, 'accept-encoding': accept };
      const lean = await get('/api/views/overview', ask);
      const app = await get('/api/views/overview?via=app', ask);
      expect(lean.status).toBe(200);
      expect(app.status).toBe(200);
      expect(lean.headers['content-encoding']).toBe(encoding);
      expect(lean.headers['content-length']).toBeUndefined();
      expect(lean.headers['transfer-encoding']).toBe('chunked');
      expect(comparable(lean)).toEqual(comparable(app));
      expect(content(lean)).toEqual(content(app));
      // The same bytes compress() would send for this text (the same CompressionStream).
      expect(lean.bytes).toEqual(await compressedAsHono(lean.text, encoding));
      expect(app.bytes).toEqual(await compressedAsHono(app.text, encoding));

      // A 304 carries no body and no Content-Type: compress() leaves it as it is, on both paths.
      const unchanged = { ...ask, 'if-none-match': String(lean.headers.etag) };
      const leanUnchanged = await get('/api/views/overview', unchanged);
      const appUnchanged = await get('/api/views/overview?via=app', unchanged);
      expect(leanUnchanged.status).toBe(304);
      expect(appUnchanged.status).toBe(304);
      expect(leanUnchanged.headers['content-encoding']).toBeUndefined();
      expect(comparable(leanUnchanged)).toEqual(comparable(appUnchanged));
    }
    expect(answer).toHaveBeenCalledTimes(4);
  });

  it("compresses a body under compress()'s 1024-byte threshold on both paths, as the app does", async () => {
    // compress() reads the threshold from Content-Length, which the route's string response does
    // not carry yet when compress() runs: so the app compresses small views too, and must the lean path.
    const answer = vi.spyOn(running().switchboard.viewGet, 'answer');
    const headers = {
      cookie,
      origin,
      'x-request-id': 'req-view-4',
      'accept-encoding': 'gzip, deflate, br',
    };
    await get('/api/views/messaging?warm=1', headers);
    const lean = await get('/api/views/messaging', headers);
    const app = await get('/api/views/messaging?via=app', headers);
    expect(answer).toHaveBeenCalledTimes(1);
    expect(Buffer.byteLength(lean.text)).toBeLessThan(1024);
    expect(lean.headers['content-encoding']).toBe('gzip');
    // The email stats this view reads are not cached and change from call to call (so its ETag
    // does): headers but the ETag, and the sections' outcomes and fields, must be the same.
    const sameButEtag = (raw: Raw) => ({ ...comparable(raw), etag: undefined });
    expect(sameButEtag(lean)).toEqual(sameButEtag(app));
    const outline = (raw: Raw) =>
      Object.entries(ViewResultSchema.parse(JSON.parse(raw.text)).sources).map(([id, s]) => [
        id,
        s.status,
        Object.keys(s).sort(),
      ]);
    expect(outline(lean)).toEqual(outline(app));
    expect(lean.bytes).toEqual(await compressedAsHono(lean.text, 'gzip'));
  });

  it('leaves unknown views to the app', async () => {
    const answer = vi.spyOn(running().switchboard.viewGet, 'answer');
    const unknown = await get('/api/views/no-such-view', { cookie, origin });
    expect(unknown.status).toBe(404);
    const unknownGzip = await get('/api/views/no-such-view', {
      cookie,
      origin,
      'accept-encoding': 'gzip',
    });
    expect(unknownGzip.status).toBe(404);
    expect(answer).not.toHaveBeenCalled();
  });
});
