// The lean view GET on the Node server (views/view-get.ts + runtime/node/view-listener.ts) against
// the app's own route, over real HTTP on one server: a request the lean path takes and the same
// request made the app's (a query string, which the route ignores) must get the same status,
// headers and content, compressed or not as the app's compress() decides. Once the lean path has
// counted a request it answers it itself (the session limit's 429 or 503, a 500 for a view that
// throws), as the app would, and nothing is counted, called upstream or recorded twice.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';
import { ErrorBodySchema } from '@switchboard/shared/errors';
import { ViewResultSchema } from '@switchboard/shared/upstreams';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config/config';
import { signIn, testEnv } from '../auth/test-session';
import type { Logger } from '../http/logger';
import { createManualClock } from '../resilience/clock';
import { startServer, type RunningServer } from '../runtime/node/server';
import { parsePrometheusText } from '../telemetry/prometheus-text';
import type { CallRequest } from '../upstreams/call-types';
import { viewRoute, type ViewGetAnswer } from './view-get';

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

/** A line the BFF logged: the logger's bindings (request and trace ids), the fields, the message. */
interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  bindings: Record<string, unknown>;
  fields: Record<string, unknown>;
  msg: string | undefined;
}
const logged: LogLine[] = [];

/** Keeps every line (debug aside), so a test can count what one request logged. */
function recordingLogger(bindings: Record<string, unknown> = {}): Logger {
  const at =
    (level: LogLine['level']) =>
    (fields: object, msg?: string): void => {
      logged.push({ level, bindings, fields: { ...fields }, msg });
    };
  return {
    debug: () => undefined,
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => recordingLogger({ ...bindings, ...more }),
    isLevelEnabled: (level) => level !== 'debug',
  };
}

/** The lines logged under `requestId` with `msg`. */
const linesOf = (requestId: string, msg: string) =>
  logged.filter((l) => l.bindings.requestId === requestId && l.msg === msg);

function running(): RunningServer {
  if (!server) throw new Error('the BFF is not running: beforeAll did not complete');
  return server;
}

/** A GET over plain node:http: no header but those given (fetch would add Accept-Encoding). */
function get(
  path: string,
  headers: Record<string, string>,
  port: number = running().port,
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
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
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Views answered with `status`, as the server's HTTP metrics counted them: one per server span
 * ended (by the app's frame or by the lean path), labelled with the route as the app labels it.
 */
async function viewsAnswered(url: string, status: number): Promise<number> {
  const response = await fetch(new URL('/metrics', url));
  const family = parsePrometheusText(await response.text()).get('switchboard_http_requests_total');
  return (family?.samples ?? [])
    .filter(
      (s) =>
        s.labels.method === 'GET' &&
        s.labels.route === viewRoute &&
        s.labels.status === String(status),
    )
    .reduce((sum, s) => sum + s.value, 0);
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
  // Policy time stands still (a manual clock): the summaries' 1 s cache then serves the lean and
  // the app's request the same data however slowly a loaded machine runs the pair.
  server = await startServer(loadConfig(testEnv()), recordingLogger(), {
    clock: createManualClock(),
  });
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

  it("answers a view whose run throws with the app's 500 itself: the upstream called once, logged once", async () => {
    const answer = vi.spyOn(running().switchboard.viewGet, 'answer');
    const { sandbox } = running();
    const { engine } = running().switchboard;
    const email = () => sandbox?.sandbox.list().find((p) => p.name === 'email')?.requests ?? NaN;
    const call = engine.call.bind(engine);
    // The email stats are not cached: each run of `messaging` asks the sandbox once. The call goes
    // out and comes back; then something unexpected throws (no upstream failure does: those are
    // values), as a bug would.
    vi.spyOn(engine, 'call').mockImplementation(async (request: CallRequest) => {
      const outcome = await call(request);
      if (request.integration === 'email') throw new TypeError('the view broke');
      return outcome;
    });
    for (const [id, accept] of [
      ['req-view-500', undefined],
      ['req-view-500-gzip', 'gzip, deflate, br'],
    ] as const) {
      const headers = {
        cookie,
        origin,
        'x-request-id': id,
        ...(accept && { 'accept-encoding': accept }),
      };
      const before = email();
      const answered = await viewsAnswered(running().url, 500);
      const lean = await get('/api/views/messaging', headers);
      expect(await viewsAnswered(running().url, 500)).toBe(answered + 1);
      // Answered by the lean path itself, after one run: the app neither ran the view again nor
      // authenticated, counted or logged the request a second time.
      expect(email()).toBe(before + 1);
      expect(linesOf(id, 'request')).toHaveLength(1);
      expect(linesOf(id, 'request')[0]?.fields).toMatchObject({ status: 500 });
      const errors = linesOf(id, 'unhandled error');
      expect(errors).toHaveLength(1);
      expect(errors[0]?.fields).toEqual({ err: { name: 'TypeError', message: 'the view broke' } });
      expect(errors[0]?.bindings.traceId).toMatch(/^[0-9a-f]{32}$/);
      const app = await get('/api/views/messaging?via=app', headers);
      expect(email()).toBe(before + 2);
      expect(linesOf(id, 'unhandled error')).toHaveLength(2);
      expect(lean.status).toBe(500);
      expect(app.status).toBe(500);
      expect(comparable(lean)).toEqual(comparable(app));
      expect(lean.text).toBe(app.text);
      expect(lean.bytes).toEqual(app.bytes);
      expect(ErrorBodySchema.parse(JSON.parse(lean.text)).error).toEqual({
        code: 'internal',
        message: 'Something went wrong on our side; quote the request id when reporting it.',
        requestId: id,
      });
      expect(lean.text).not.toContain('the view broke');
      // Counted once, as every answered view is.
      expect(rateLimitOf(app).r).toBe(rateLimitOf(lean).r - 1);
    }
    expect(answer).toHaveBeenCalledTimes(2);
    for (const result of answer.mock.results)
      expect(((await result.value) as ViewGetAnswer | undefined)?.status).toBe(500);
  });

  it("answers the limit's 503 itself when the limiter's store fails, asking it once", async () => {
    const answer = vi.spyOn(running().switchboard.viewGet, 'answer');
    const consume = vi
      .spyOn(RateLimiterMemory.prototype, 'consume')
      .mockRejectedValue(new Error('the store is unreachable'));
    const headers = { cookie, origin, 'x-request-id': 'req-view-503' };
    const lean = await get('/api/views/overview', headers);
    expect(consume).toHaveBeenCalledTimes(1);
    expect(linesOf('req-view-503', 'request')).toHaveLength(1);
    const app = await get('/api/views/overview?via=app', headers);
    expect(consume).toHaveBeenCalledTimes(2);
    expect(answer).toHaveBeenCalledTimes(1);
    expect(lean.status).toBe(503);
    expect(comparable(lean)).toEqual(comparable(app));
    expect(lean.text).toBe(app.text);
    expect(ErrorBodySchema.parse(JSON.parse(lean.text)).error.code).toBe('not_ready');
    // Logged as the limit's middleware logs it, once for each request.
    const failures = logged.filter(
      (l) => l.msg === 'rate limit store failed' && l.fields.requestId === 'req-view-503',
    );
    expect(failures.map((l) => l.fields)).toEqual(
      [1, 2].map(() => ({
        requestId: 'req-view-503',
        policy: 'session',
        onStoreError: 'fail-closed',
        err: { name: 'Error', message: 'the store is unreachable' },
      })),
    );
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

describe('GET /api/views/:name on Node: a session over its limit', () => {
  let limited: RunningServer | undefined;
  const perMinute = 3;

  beforeAll(async () => {
    limited = await startServer(
      loadConfig(testEnv({ SWITCHBOARD_SESSION_RATE_LIMIT_PER_MINUTE: String(perMinute) })),
      recordingLogger(),
    );
  });

  afterAll(async () => {
    await limited?.close();
  });

  it("gets the app's 429 from the lean path, the refused request counted once", async () => {
    if (!limited) throw new Error('the limited BFF is not running');
    const { port, url } = limited;
    const api = await signIn(url, 'viewer');
    const headers = { ...api.headers(), 'x-request-id': 'req-limit-1' };
    // The session limiter, found through the first count it takes (a signed-in request is counted
    // by session only): its own record of the points this session has taken.
    const consume = vi.spyOn(RateLimiterMemory.prototype, 'consume');
    const first = await get('/api/views/messaging', headers, port);
    expect(first.status).toBe(200);
    expect(consume).toHaveBeenCalledTimes(1);
    const limiter = consume.mock.contexts[0];
    const key = consume.mock.calls[0]?.[0];
    if (!(limiter instanceof RateLimiterMemory) || key === undefined)
      throw new Error('the session limiter was not called');
    const taken = async () => (await limiter.get(key))?.consumedPoints ?? 0;
    expect(await taken()).toBe(1);
    while ((await taken()) < perMinute)
      expect((await get('/api/views/messaging', headers, port)).status).toBe(200);

    const answer = vi.spyOn(limited.switchboard.viewGet, 'answer');
    const refusals = await viewsAnswered(url, 429);
    const lean = await get('/api/views/messaging', headers, port);
    expect(await viewsAnswered(url, 429)).toBe(refusals + 1);
    expect(await taken()).toBe(perMinute + 1);
    expect(linesOf('req-limit-1', 'request').filter((l) => l.fields.status === 429)).toHaveLength(
      1,
    );
    const app = await get('/api/views/messaging?via=app', headers, port);
    expect(await taken()).toBe(perMinute + 2);
    expect(await viewsAnswered(url, 429)).toBe(refusals + 2);
    expect(answer).toHaveBeenCalledTimes(1);
    expect(((await answer.mock.results[0]?.value) as ViewGetAnswer | undefined)?.status).toBe(429);

    for (const refused of [lean, app]) {
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(rateLimitOf(refused)).toEqual({ r: 0, t: retryAfter });
      expect(refused.headers['ratelimit-policy']).toBe(`"session";q=${perMinute};w=60`);
      expect(ErrorBodySchema.parse(JSON.parse(refused.text)).error).toEqual({
        code: 'rate_limited',
        message: `Too many requests for this session; try again in ${retryAfter} s.`,
        details: { policy: 'session', limit: perMinute, windowSec: 60, retryAfterSec: retryAfter },
        requestId: 'req-limit-1',
      });
    }
    // The same answer, but the seconds to wait, which may tick over between the two requests.
    const sansSeconds = (raw: Raw) => ({
      headers: { ...comparable(raw), 'retry-after': undefined },
      text: raw.text
        .replace(/in \d+ s\./, 'in N s.')
        .replace(/"retryAfterSec":\d+/, '"retryAfterSec":N'),
    });
    expect(sansSeconds(lean)).toEqual(sansSeconds(app));
    expect(
      Math.abs(Number(lean.headers['retry-after']) - Number(app.headers['retry-after'])),
    ).toBeLessThanOrEqual(1);
  });
});
