// The sandbox providers over real HTTP on loopback: every fault mode as a plain client sees it,
// idempotent side effects, each provider's auth, the users API, and the catalog they declare.
import { CatalogSchema } from '@switchboard/shared/catalog';
import type { ProviderFaultsPatch } from '@switchboard/shared/sandbox';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startSandboxServers, type RunningSandbox } from '../runtime/node/sandbox-servers';
import { sandboxClientId, sandboxSecretNames } from './provider-auth';
import { sandboxCatalogConfig, sandboxProviders } from './providers';

let running: RunningSandbox | undefined;
/** The providers' wall clock, moved by the tests (token expiry, HMAC timestamps, rate windows). */
let clockMs = Date.UTC(2030, 0, 1, 12, 0, 0, 250);
/** The providers' random source; tests pin it to force one outcome. */
let draw: () => number = Math.random;

function sandbox(): RunningSandbox {
  if (!running) throw new Error('the sandbox is not running: beforeAll did not complete');
  return running;
}

function at(provider: string, path: string): URL {
  const baseUrl = sandbox().baseUrls.get(provider);
  if (!baseUrl) throw new Error(`no sandbox provider ${provider}`);
  return new URL(path.replace(/^\//, ''), baseUrl);
}

const secret = (name: (typeof sandboxSecretNames)[number]) => sandbox().sandboxSecrets()[name];

function setFaults(provider: string, patch: ProviderFaultsPatch): void {
  sandbox().sandbox.update(provider, patch);
}

/** What a fetch rejected with (fails the test if it did not reject). */
async function rejection(request: Promise<Response>): Promise<unknown> {
  return request.then(
    (response) => {
      throw new Error(`expected the request to fail, got HTTP ${response.status}`);
    },
    (error: unknown) => error,
  );
}

const postJson = (url: URL, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

async function accessToken(): Promise<string> {
  const basic = btoa(`${sandboxClientId}:${secret('SANDBOX_PAYMENTS_CLIENT_SECRET')}`);
  const response = await fetch(at('identity', '/oauth/token'), {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials&scope=payments',
  });
  expect(response.status).toBe(200);
  return z.object({ access_token: z.string() }).parse(await response.json()).access_token;
}

/** Signs a request the way the spec says: HMAC-SHA256 over the canonical string, hex. */
function hmacHeaders(
  method: string,
  pathWithQuery: string,
  body: string,
  options: { timestamp?: number; nonce?: string } = {},
): Record<string, string> {
  const timestamp = String(options.timestamp ?? Math.floor(clockMs / 1000));
  const nonce = options.nonce ?? randomUUID();
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const signature = createHmac('sha256', secret('SANDBOX_ANALYTICS_HMAC_SECRET'))
    .update(`${method}\n${pathWithQuery}\n${timestamp}\n${nonce}\n${bodyHash}`)
    .digest('hex');
  return { 'x-timestamp': timestamp, 'x-nonce': nonce, 'x-signature': signature };
}

beforeAll(async () => {
  running = await startSandboxServers({
    enforceAuth: true,
    now: () => clockMs,
    random: () => draw(),
  });
});

beforeEach(() => {
  // No injected latency unless a test asks for it: keeps the suite fast and timings exact.
  for (const { name } of sandbox().sandbox.list()) setFaults(name, { latencyMs: 0, jitterMs: 0 });
});

afterEach(() => {
  sandbox().sandbox.reset();
  draw = Math.random;
});

afterAll(async () => {
  await running?.close();
});

describe('plain reads: the summary under latency-only faults, answered without the app', () => {
  const plainRead = (provider: string, method: string, url: string) =>
    sandbox().sandbox.plainReads.get(provider)?.(method, url);
  const requests = (provider: string) =>
    sandbox()
      .sandbox.list()
      .find((p) => p.name === provider)?.requests ?? NaN;

  it('answers like the app: 200, JSON, the traceparent echoed, counted, and not before its latency', async () => {
    setFaults('users', { latencyMs: 30 });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const before = requests('users');
    const started = performance.now();
    const response = await fetch(at('users', '/v1/users/summary'), { headers: { traceparent } });
    const body: unknown = await response.json();
    expect(performance.now() - started).toBeGreaterThanOrEqual(30);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('traceparent')).toBe(traceparent);
    expect(requests('users')).toBe(before + 1);
    const users = sandboxProviders.find((p) => p.name === 'users');
    expect(body).toEqual(users?.summary.body(before + 1, at('users', '/').origin));
  });

  it('is offered only for a GET of the exact summary path, under latency-only faults', () => {
    expect(plainRead('users', 'GET', '/v1/users/summary')).toBeDefined();
    expect(plainRead('users', 'HEAD', '/v1/users/summary')).toBeUndefined();
    expect(plainRead('users', 'GET', '/v1/users/summary?x=1')).toBeUndefined();
    expect(plainRead('users', 'GET', '/v1/users')).toBeUndefined();
    for (const patch of [
      { failureRate: 0.1 },
      { hangRate: 0.1 },
      { resetRate: 0.1 },
      { malformedRate: 0.1 },
      { schemaDriftRate: 0.1 },
      { slowBodyMs: 10 },
      { rateLimit: { perSecond: 5 } },
      { rateLimitStorm: true },
    ] satisfies ProviderFaultsPatch[]) {
      sandbox().sandbox.reset();
      setFaults('users', { latencyMs: 0, jitterMs: 0, ...patch });
      expect(plainRead('users', 'GET', '/v1/users/summary'), JSON.stringify(patch)).toBeUndefined();
    }
  });

  it('is not offered by a provider that checks credentials', () => {
    // This sandbox enforces auth: payments wants a bearer token, identity's metadata wants none.
    expect(plainRead('payments', 'GET', '/v1/balance')).toBeUndefined();
    expect(plainRead('identity', 'GET', '/.well-known/oauth-authorization-server')).toBeDefined();
  });
});

describe('fault modes, as a plain HTTP client sees them', () => {
  it('echoes the inbound traceparent on every answer, failures included', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const ok = await fetch(at('users', '/v1/users/summary'), { headers: { traceparent } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('traceparent')).toBe(traceparent);
    await ok.body?.cancel();

    const refused = await fetch(at('payments', '/v1/balance'), { headers: { traceparent } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('traceparent')).toBe(traceparent);
    await refused.body?.cancel();

    setFaults('users', { failureRate: 1 });
    const failed = await fetch(at('users', '/v1/users/summary'), { headers: { traceparent } });
    expect(failed.status).toBe(503);
    expect(failed.headers.get('traceparent')).toBe(traceparent);
    await failed.body?.cancel();
  });

  it('answers failures with the configured 5xx and a JSON body', async () => {
    setFaults('users', { failureRate: 1, errorStatus: 502 });
    const response = await fetch(at('users', '/v1/users/summary'));
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({ error: { type: 'server_error' } });
  });

  it('adds the long tail: a call drawn into the 1 % takes latencyP99Ms', async () => {
    setFaults('users', { latencyP99Ms: 300 });
    draw = () => 0; // every draw lands in the tail
    let start = performance.now();
    await (await fetch(at('users', '/v1/users/summary'))).text();
    expect(performance.now() - start).toBeGreaterThanOrEqual(295);

    draw = () => 0.5; // outside the 1 %: no added delay
    start = performance.now();
    await (await fetch(at('users', '/v1/users/summary'))).text();
    expect(performance.now() - start).toBeLessThan(250);
  });

  it('limits requests per one-second window with 429 and every rate-limit header', async () => {
    clockMs = Math.floor(clockMs / 1000) * 1000 + 250;
    const windowEnd = String(Math.floor(clockMs / 1000) + 1);
    setFaults('users', { rateLimit: { perSecond: 2 } });
    const url = at('users', '/v1/users/summary');

    const first = await fetch(url);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
    expect(first.headers.get('ratelimit')).toBe('"default";r=1;t=1');
    await first.body?.cancel();
    const second = await fetch(url);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-ratelimit-remaining')).toBe('0');
    await second.body?.cancel();

    const limited = await fetch(url);
    expect(limited.status).toBe(429);
    expect(Object.fromEntries(limited.headers)).toMatchObject({
      'retry-after': '1',
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': windowEnd,
      'ratelimit-policy': '2;w=1',
      ratelimit: '"default";r=0;t=1',
    });
    expect(await limited.json()).toMatchObject({ error: { type: 'rate_limited' } });

    clockMs += 1000; // the next window admits again
    const later = await fetch(url);
    expect(later.status).toBe(200);
    await later.body?.cancel();
  });

  it('answers everything 429 during a storm, with Retry-After of 1–2 s, writes included', async () => {
    setFaults('users', { rateLimitStorm: true });
    draw = () => 0.9;
    const read = await fetch(at('users', '/v1/users/summary'));
    expect(read.status).toBe(429);
    expect(read.headers.get('retry-after')).toBe('2');
    expect(read.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(read.headers.get('ratelimit-policy')).toMatch(/^\d+;w=1$/);
    expect(read.headers.get('ratelimit')).toBe('"default";r=0;t=2');
    await read.body?.cancel();

    draw = () => 0.1;
    const write = await postJson(at('users', '/v1/users'), { name: 'A', email: 'a@example.com' });
    expect(write.status).toBe(429);
    expect(write.headers.get('retry-after')).toBe('1');
    await write.body?.cancel();
    expect(sandbox().sandbox.effects('users').total).toBe(0);
  });

  it('hangs until the client gives up, then serves the next request normally', async () => {
    setFaults('users', { hangRate: 1 });
    const error = await rejection(
      fetch(at('users', '/v1/users/summary'), { signal: AbortSignal.timeout(150) }),
    );
    expect(error).toBeInstanceOf(DOMException);
    expect(error).toMatchObject({ name: 'TimeoutError' });

    setFaults('users', { hangRate: 0 });
    const next = await fetch(at('users', '/v1/users/summary'));
    expect(next.status).toBe(200);
    await next.body?.cancel();
  });

  it('resets the connection: the client sees a socket error, not an answer', async () => {
    setFaults('users', { resetRate: 1 });
    const error = await rejection(fetch(at('users', '/v1/users/summary')));
    expect(error).toBeInstanceOf(TypeError);
    const { cause } = z.object({ cause: z.object({ code: z.string() }) }).parse(error);
    expect(cause.code).toMatch(/^(UND_ERR_SOCKET|ECONNRESET)$/);
  });

  it('sends malformed JSON: a 200 with a JSON content type that does not parse', async () => {
    setFaults('users', { malformedRate: 1 });
    const response = await fetch(at('users', '/v1/users/summary'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await response.text();
    expect(text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
  });

  it('drifts the schema: valid JSON that lacks the fields the contract promises', async () => {
    setFaults('users', { schemaDriftRate: 1 });
    const response = await fetch(at('users', '/v1/users/summary'));
    expect(response.status).toBe(200);
    const body: unknown = await response.json();
    const Summary = z.object({ total: z.number(), activeToday: z.number() });
    expect(Summary.safeParse(body).success).toBe(false);
    expect(body).toMatchObject({ data: { total: expect.any(Number) as number } });
  });

  it('trickles a slow body: headers at once, the body only after slowBodyMs', async () => {
    const slowBodyMs = 400;
    setFaults('users', { slowBodyMs });
    const start = performance.now();
    const response = await fetch(at('users', '/v1/users/summary'));
    const headersAfter = performance.now() - start;
    const body: unknown = await response.json();
    const bodyAfter = performance.now() - start;

    expect(response.status).toBe(200);
    expect(headersAfter).toBeLessThan(slowBodyMs / 2);
    expect(bodyAfter).toBeGreaterThanOrEqual(slowBodyMs - 5);
    expect(body).toMatchObject({ total: expect.any(Number) as number });
  });

  it('picks outcomes with one draw in the documented order', async () => {
    setFaults('users', { failureRate: 0.5, malformedRate: 0.5 });
    draw = () => 0.25;
    const failed = await fetch(at('users', '/v1/users/summary'));
    expect(failed.status).toBe(503);
    await failed.body?.cancel();
    draw = () => 0.75;
    const malformed = await fetch(at('users', '/v1/users/summary'));
    expect(malformed.status).toBe(200);
    await expect(malformed.json()).rejects.toThrow(SyntaxError);
  });
});

describe('side effects and Idempotency-Key', () => {
  const newUser = { name: 'Radia Perlman', email: 'radia@example.com' };

  it('acts once per key and replays the stored answer to repeats', async () => {
    const headers = { 'idempotency-key': 'create-radia' };
    const first = await postJson(at('users', '/v1/users'), newUser, headers);
    expect(first.status).toBe(201);
    const created: unknown = await first.json();
    expect(created).toMatchObject({ ...newUser, id: expect.stringMatching(/^usr_c/) as string });

    const repeat = await postJson(at('users', '/v1/users'), newUser, headers);
    expect(repeat.status).toBe(201);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(await repeat.json()).toEqual(created);

    expect(sandbox().sandbox.effects('users')).toEqual({
      total: 1,
      byKey: { 'create-radia': 1 },
      replays: 1,
    });
  });

  it('counts every request without a key', async () => {
    for (let i = 0; i < 3; i += 1) {
      const response = await postJson(at('users', '/v1/users'), newUser);
      expect(response.status).toBe(201);
      await response.body?.cancel();
    }
    expect(sandbox().sandbox.effects('users')).toEqual({ total: 3, byKey: {}, replays: 0 });
  });

  it('refuses a key reused for a different request, and never acts on it', async () => {
    const headers = { 'idempotency-key': 'k1' };
    await (await postJson(at('users', '/v1/users'), newUser, headers)).body?.cancel();
    const other = await postJson(at('users', '/v1/users'), { ...newUser, name: 'X' }, headers);
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({ error: { type: 'idempotency_key_reused' } });
    expect(sandbox().sandbox.effects('users').total).toBe(1);
  });

  it('does not act when the call fails before the effect, so a retry with the key acts', async () => {
    const headers = { 'idempotency-key': 'retry-me' };
    setFaults('users', { failureRate: 1 });
    const failed = await postJson(at('users', '/v1/users'), newUser, headers);
    expect(failed.status).toBe(503);
    await failed.body?.cancel();
    expect(sandbox().sandbox.effects('users').total).toBe(0);

    setFaults('users', { failureRate: 0 });
    const retried = await postJson(at('users', '/v1/users'), newUser, headers);
    expect(retried.status).toBe(201);
    await retried.body?.cancel();
    expect(sandbox().sandbox.effects('users')).toMatchObject({
      total: 1,
      byKey: { 'retry-me': 1 },
    });
  });

  it('acts even when the answer comes back malformed: only the key saves the retry', async () => {
    const headers = { 'idempotency-key': 'garbled' };
    setFaults('users', { malformedRate: 1 });
    const garbled = await postJson(at('users', '/v1/users'), newUser, headers);
    await expect(garbled.json()).rejects.toThrow(SyntaxError);
    setFaults('users', { malformedRate: 0 });
    const replay = await postJson(at('users', '/v1/users'), newUser, headers);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.json()).toMatchObject(newUser);
    expect(sandbox().sandbox.effects('users')).toMatchObject({ total: 1, replays: 1 });
  });

  it('refuses an invalid body with 400 and does not act', async () => {
    const response = await postJson(at('users', '/v1/users'), { name: '' });
    expect(response.status).toBe(400);
    await response.body?.cancel();
    expect(sandbox().sandbox.effects('users').total).toBe(0);
  });
});

describe('auth', () => {
  it('identity issues opaque bearer tokens to the client authenticated with HTTP Basic', async () => {
    const basic = (clientSecret: string) => `Basic ${btoa(`${sandboxClientId}:${clientSecret}`)}`;
    const tokenUrl = at('identity', '/oauth/token');
    const form = { 'content-type': 'application/x-www-form-urlencoded' };

    const wrong = await fetch(tokenUrl, {
      method: 'POST',
      headers: { ...form, authorization: basic('not-the-secret') },
      body: 'grant_type=client_credentials',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });

    const right = basic(secret('SANDBOX_PAYMENTS_CLIENT_SECRET'));
    const badGrant = await fetch(tokenUrl, {
      method: 'POST',
      headers: { ...form, authorization: right },
      body: 'grant_type=password',
    });
    expect(badGrant.status).toBe(400);
    expect(await badGrant.json()).toMatchObject({ error: 'unsupported_grant_type' });

    const issued = await fetch(tokenUrl, {
      method: 'POST',
      headers: { ...form, authorization: right },
      body: 'grant_type=client_credentials',
    });
    expect(issued.status).toBe(200);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    expect(await issued.json()).toEqual({
      access_token: expect.stringMatching(/^at_[0-9a-f]{48}$/) as string,
      token_type: 'Bearer',
      expires_in: 3600,
    });
    // Issued tokens are identity's side effect: a BFF that caches its token keeps this low.
    expect(sandbox().sandbox.effects('identity').total).toBe(1);
  });

  it('payments demands a bearer token from identity, and refuses it once expired', async () => {
    const balance = at('payments', '/v1/balance');
    const missing = await fetch(balance);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="payments"');
    await missing.body?.cancel();

    const forged = await fetch(balance, { headers: { authorization: 'Bearer at_forged' } });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toContain('error="invalid_token"');
    await forged.body?.cancel();

    setFaults('identity', { tokenLifetimeSeconds: 60 });
    const token = await accessToken();
    const ok = await fetch(balance, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ currency: 'EUR' });

    const charge = await postJson(
      at('payments', '/v1/charges'),
      { amount: 1250, currency: 'EUR' },
      { authorization: `Bearer ${token}`, 'idempotency-key': 'order-1' },
    );
    expect(charge.status).toBe(201);
    expect(await charge.json()).toMatchObject({ id: 'ch_000001', status: 'succeeded' });

    clockMs += 61_000;
    const expired = await fetch(balance, { headers: { authorization: `Bearer ${token}` } });
    expect(expired.status).toBe(401);
    await expired.body?.cancel();
  });

  it('email and email-backup each demand their own X-API-Key', async () => {
    const stats = at('email', '/v1/stats');
    const missing = await fetch(stats);
    expect(missing.status).toBe(401);
    await missing.body?.cancel();
    const otherKey = await fetch(stats, {
      headers: { 'x-api-key': secret('SANDBOX_EMAIL_BACKUP_API_KEY') },
    });
    expect(otherKey.status).toBe(401);
    await otherKey.body?.cancel();
    const ok = await fetch(stats, { headers: { 'x-api-key': secret('SANDBOX_EMAIL_API_KEY') } });
    expect(ok.status).toBe(200);
    await ok.body?.cancel();

    const sent = await postJson(
      at('email-backup', '/v1/messages'),
      { to: 'ops@example.com', subject: 'Hello' },
      { 'x-api-key': secret('SANDBOX_EMAIL_BACKUP_API_KEY') },
    );
    expect(sent.status).toBe(202);
    expect(await sent.json()).toMatchObject({ status: 'queued' });
    expect(sandbox().sandbox.effects('email-backup').total).toBe(1);
  });

  describe('analytics HMAC signatures', () => {
    const body = JSON.stringify({ name: 'signup', properties: { plan: 'pro' } });
    const sendEvent = (headers: Record<string, string>, sent = body) =>
      fetch(at('analytics', '/v1/events'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: sent,
      });

    it('accepts a correctly signed request, with and without a body', async () => {
      const read = await fetch(at('analytics', '/v1/summary?window=1h'), {
        headers: hmacHeaders('GET', '/v1/summary?window=1h', ''),
      });
      expect(read.status).toBe(200);
      await read.body?.cancel();
      const write = await sendEvent(hmacHeaders('POST', '/v1/events', body));
      expect(write.status).toBe(202);
      expect(await write.json()).toMatchObject({ accepted: 1 });
    });

    it('refuses unsigned, tampered and wrongly scoped requests', async () => {
      const unsigned = await sendEvent({});
      expect(unsigned.status).toBe(401);
      await unsigned.body?.cancel();
      const tampered = await sendEvent(hmacHeaders('POST', '/v1/events', body), `${body} `);
      expect(tampered.status).toBe(401);
      await tampered.body?.cancel();
      // The query string is part of what is signed.
      const otherQuery = await fetch(at('analytics', '/v1/summary?window=24h'), {
        headers: hmacHeaders('GET', '/v1/summary?window=1h', ''),
      });
      expect(otherQuery.status).toBe(401);
      await otherQuery.body?.cancel();
      expect(sandbox().sandbox.effects('analytics').total).toBe(0);
    });

    it('refuses a replayed nonce', async () => {
      const headers = hmacHeaders('POST', '/v1/events', body);
      const first = await sendEvent(headers);
      expect(first.status).toBe(202);
      await first.body?.cancel();
      const replayed = await sendEvent(headers);
      expect(replayed.status).toBe(401);
      expect(await replayed.json()).toMatchObject({
        error: { message: expect.stringMatching(/nonce/i) as string },
      });
      expect(sandbox().sandbox.effects('analytics').total).toBe(1);
    });

    it('refuses a timestamp more than 300 s from the provider clock, either way', async () => {
      const now = Math.floor(clockMs / 1000);
      for (const timestamp of [now - 301, now + 301]) {
        const response = await sendEvent(hmacHeaders('POST', '/v1/events', body, { timestamp }));
        expect(response.status).toBe(401);
        expect(await response.json()).toMatchObject({
          error: { message: expect.stringMatching(/X-Timestamp/) as string },
        });
      }
      const edge = await sendEvent(
        hmacHeaders('POST', '/v1/events', body, { timestamp: now - 299 }),
      );
      expect(edge.status).toBe(202);
      await edge.body?.cancel();
    });
  });

  it('leaves auth off unless asked, for the app that still calls without credentials', async () => {
    const open = await startSandboxServers();
    try {
      const baseUrl = open.baseUrls.get('payments');
      if (!baseUrl) throw new Error('payments is not listening');
      const response = await fetch(new URL('v1/balance', baseUrl));
      expect(response.status).toBe(200);
      await response.body?.cancel();
    } finally {
      await open.close();
    }
  });

  it('generates random secrets per start and keeps them out of the control listing', () => {
    const secrets = sandbox().sandboxSecrets();
    expect(Object.keys(secrets).toSorted()).toEqual([...sandboxSecretNames].toSorted());
    const values = Object.values(secrets);
    expect(new Set(values).size).toBe(values.length);
    for (const value of values) expect(value.length).toBeGreaterThanOrEqual(48);
    const listing = JSON.stringify(sandbox().sandbox.listing());
    for (const value of values) expect(listing).not.toContain(value);
  });
});

describe('users API', () => {
  const Page = z.object({
    items: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        email: z.string(),
        createdAt: z.iso.datetime(),
      }),
    ),
    next_cursor: z.string().nullable(),
  });
  const page = async (query: string) => {
    const response = await fetch(at('users', `/v1/users${query}`));
    expect(response.status).toBe(200);
    return Page.parse(await response.json());
  };

  it('pages through a deterministic population with an opaque cursor', async () => {
    const first = await page('?limit=2');
    expect(first.items.map((u) => u.id)).toEqual(['usr_00001', 'usr_00002']);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await page(`?limit=2&cursor=${first.next_cursor ?? ''}`);
    expect(second.items.map((u) => u.id)).toEqual(['usr_00003', 'usr_00004']);
    expect(await page('?limit=2')).toEqual(first);

    const single = await fetch(at('users', '/v1/users/usr_00002'));
    expect(await single.json()).toEqual(first.items[1]);
  });

  it('ends with a null cursor and lists what was created', async () => {
    await (
      await postJson(at('users', '/v1/users'), { name: 'Ken', email: 'ken@example.com' })
    ).body?.cancel();
    const last = await page(`?limit=100&cursor=${btoa('o:1150').replaceAll('=', '')}`);
    expect(last.next_cursor).toBeNull();
    expect(last.items.at(-1)).toMatchObject({ name: 'Ken', id: 'usr_c00001' });
  });

  it('answers 400 for a bad limit or cursor and 404 for an unknown user', async () => {
    for (const query of ['?limit=0', '?limit=101', '?limit=two', '?cursor=nonsense']) {
      const response = await fetch(at('users', `/v1/users${query}`));
      expect(response.status, query).toBe(400);
      await response.body?.cancel();
    }
    const missing = await fetch(at('users', '/v1/users/usr_99999'));
    expect(missing.status).toBe(404);
    await missing.body?.cancel();
  });
});

describe('sandboxCatalogConfig', () => {
  it('is a valid config-file catalog declaring all six integrations and both views', () => {
    const catalog = CatalogSchema.parse(sandboxCatalogConfig(sandbox().baseUrls));
    expect(Object.keys(catalog.integrations).toSorted()).toEqual(
      ['analytics', 'email', 'email-backup', 'identity', 'payments', 'users'].toSorted(),
    );
    for (const [name, integration] of Object.entries(catalog.integrations)) {
      expect(integration.baseUrl, name).toBe(sandbox().baseUrls.get(name));
      expect(integration.allowPrivateNetwork, name).toBe(true);
      const check = integration.healthCheck?.operation;
      expect(check && integration.operations[check], name).toBeDefined();
    }
    expect(Object.keys(catalog.views.overview?.sources ?? {})).toEqual([
      'users',
      'payments',
      'email',
      'email-backup',
      'analytics',
    ]);
    expect(catalog.views['user-profile']?.sources.profile?.params).toEqual({
      id: '${users.items.0.id}',
    });
    expect(catalog.integrations.email?.operations.send?.fallback).toEqual({
      integration: 'email-backup',
      operation: 'send',
    });
  });

  it('references exactly the secrets the sandbox hands out', () => {
    const catalog = CatalogSchema.parse(sandboxCatalogConfig(sandbox().baseUrls));
    const referenced = Object.values(catalog.integrations).flatMap((i) => {
      switch (i.auth.type) {
        case 'api-key':
        case 'hmac':
          return [i.auth.secretEnv];
        case 'oauth2-client-credentials':
          return [i.auth.clientSecretEnv];
        default:
          return [];
      }
    });
    const webhookSecrets = Object.values(catalog.webhooks).flatMap((w) => w.secretsEnv);
    expect([...referenced, ...webhookSecrets].toSorted()).toEqual(
      [...sandboxSecretNames].toSorted(),
    );
  });

  it('points payments at the identity token endpoint, which answers there', async () => {
    const payments = CatalogSchema.parse(sandboxCatalogConfig(sandbox().baseUrls)).integrations
      .payments;
    if (payments?.auth.type !== 'oauth2-client-credentials') throw new Error('payments auth');
    expect(payments.auth.tokenUrl).toBe(at('identity', '/oauth/token').href);
    const metadata = await fetch(at('identity', '/.well-known/oauth-authorization-server'));
    expect(await metadata.json()).toMatchObject({ token_endpoint: payments.auth.tokenUrl });
  });
});
