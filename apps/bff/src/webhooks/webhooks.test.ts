// Inbound webhooks through their routes over real SQLite with an injected clock: signatures,
// tolerance, rotation, duplicates, limits and processing on the queue. Every case runs on both
// paths the ingest is served by: the Hono route (edge build, `app.request`) and Node's own
// listener over real HTTP (runtime/node/webhook-listener.ts); a last case proves the two answer
// with the same bytes.
import { getRequestListener } from '@hono/node-server';
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppEnv } from '../http/app-env';
import { silentLogger } from '../http/logger';
import { createJobQueue } from '../queue/job-queue';
import { createManualClock } from '../resilience/clock';
import { openDatabase } from '../runtime/node/sqlite';
import { createSqliteJobStore } from '../runtime/node/sqlite-queue';
import { createSqliteWebhookLog } from '../runtime/node/sqlite-webhook-log';
import { nodeWebhookKey } from '../runtime/node/node-hmac-key';
import { createWebhookListener } from '../runtime/node/webhook-listener';
import { importWebhookKeys, webCryptoWebhookKey, type WebhookKeyFactory } from './verify-webhook';
import { createWebhookIngest, webhookIngestHandler, webhookRoute } from './webhook-ingest';
import { createWebhookRoutes, webhookJobType, type WebhookSource } from './webhooks.routes';

const oldSecret = `whsec_${Buffer.from('old-secret-0123456789').toString('base64')}`;
const newSecret = `whsec_${Buffer.from('new-secret-0123456789').toString('base64')}`;
const t0 = Date.UTC(2026, 0, 1);

/**
 * `hono`: `app.request` on the Hono route; `node`: the Node listener over HTTP (what the server
 * runs); `hono-http`: the Hono route behind @hono/node-server over HTTP (to compare bytes with).
 */
type Path = 'hono' | 'node' | 'hono-http';

interface Send {
  headers?: Record<string, string>;
  body: string;
  /** Sent in 300-byte chunks without a declared length. */
  chunked?: boolean;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const chunksOf = (text: string) => {
  const bytes = new TextEncoder().encode(text);
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += 300) out.push(bytes.slice(at, at + 300));
  return out;
};

/** A POST over real HTTP; the answer's raw headers are kept for byte comparisons. */
function post(
  port: number,
  path: string,
  send: Send,
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = { ...send.headers };
    if (!send.chunked && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length'))
      headers['content-length'] = String(Buffer.byteLength(send.body));
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    // The server may answer (413) and close before the whole body was sent.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
    });
    if (send.chunked) for (const chunk of chunksOf(send.body)) req.write(chunk);
    else req.write(send.body);
    req.end();
  });
}

async function setup(
  options: {
    active?: string[];
    makeKey?: WebhookKeyFactory;
    perMinute?: number;
    path?: Path;
    /** A data directory for queue.db (a restart: a second setup on the same one); in memory without. */
    dataDir?: string;
  } = {},
) {
  const {
    active = [oldSecret, newSecret],
    makeKey = webCryptoWebhookKey,
    perMinute = 1000,
  } = options;
  const clock = createManualClock(t0);
  const db = openDatabase(options.dataDir ?? ':memory:', 'queue.db');
  let ids = 0;
  const queue = createJobQueue({
    store: createSqliteJobStore(db),
    clock,
    logger: silentLogger,
    // Predictable job ids, so two setups given the same deliveries answer the same bytes.
    newId: () => `job_${++ids}`,
  });
  const processed: unknown[] = [];
  queue.handle(webhookJobType, (job) => void processed.push(job.payload));
  const log = createSqliteWebhookLog(db);
  const source = async (
    scheme: WebhookSource['config']['scheme'],
    secrets: string[],
  ): Promise<WebhookSource> => ({
    config: { scheme, secretsEnv: ['X'], toleranceSeconds: 300 },
    keys: await importWebhookKeys(scheme, secrets, makeKey),
  });
  const sources = new Map([
    ['billing', await source('standard-webhooks', active)],
    ['stripe', await source('stripe', ['stripe-secret'])],
    ['github', await source('github', ['gh-secret'])],
  ]);
  const ingest = createWebhookIngest({
    sources,
    queue,
    log,
    now: () => clock.now(),
    monotonicNow: () => clock.now(),
    logger: silentLogger,
    shuttingDown: () => false,
    maxBodyBytes: 1024,
    rateLimit: { points: perMinute, durationSec: 60 },
  });
  const app = new Hono<AppEnv>();
  app.post(
    webhookRoute,
    webhookIngestHandler(
      () => ingest,
      () => '192.0.2.1',
    ),
  );
  app.route('/', createWebhookRoutes({ log }));

  const path = options.path ?? 'hono';
  let send: (url: string, init: Send) => Promise<Response>;
  let raw: ((url: string, init: Send) => ReturnType<typeof post>) | undefined;
  if (path === 'hono') {
    send = async (url, { headers, body, chunked }) =>
      app.request(url, {
        method: 'POST',
        ...(headers && { headers }),
        ...(chunked
          ? {
              body: new ReadableStream<Uint8Array>({
                start(controller) {
                  for (const chunk of chunksOf(body)) controller.enqueue(chunk);
                  controller.close();
                },
              }),
              duplex: 'half',
            }
          : { body }),
      });
  } else {
    const honoListener = getRequestListener(app.fetch);
    const serveWebhook = createWebhookListener(ingest, () => '192.0.2.1');
    const server = createServer(
      path === 'node'
        ? (req, res) => {
            if (!serveWebhook(req, res)) void honoListener(req, res);
          }
        : honoListener,
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    const { port } = server.address() as AddressInfo;
    raw = (url, init) => post(port, url, init);
    send = async (url, init) => {
      const answer = await post(port, url, init);
      const headers = new Headers();
      for (const [name, value] of Object.entries(answer.headers))
        if (typeof value === 'string') headers.set(name, value);
      return new Response(answer.text, { status: answer.status, headers });
    };
  }
  return { send, raw, queue, log, processed, clock, close: () => db.close() };
}

const standardHeaders = (secret: string, id: string, body: string, seconds = t0 / 1000) => {
  const key = Buffer.from(secret.slice(6), 'base64');
  const sig = createHmac('sha256', key).update(`${id}.${seconds}.${body}`).digest('base64');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(seconds),
    'webhook-signature': `v1,${sig}`,
  };
};

const event = JSON.stringify({ type: 'invoice.paid', data: { id: 'in_1' } });

// Every case runs with both HMAC keys (the web-standard one and the Node one the server uses) and
// on both serving paths (the Hono route and Node's own listener).
describe.each([
  ['Web Crypto', 'hono', webCryptoWebhookKey],
  ['node:crypto', 'hono', nodeWebhookKey],
  ['Web Crypto', 'node', webCryptoWebhookKey],
  ['node:crypto', 'node', nodeWebhookKey],
] as const)('POST /webhooks/:source (%s HMAC, %s path)', (_name, path, makeKey) => {
  it('accepts a signed delivery, queues it and processes it on the queue', async () => {
    const { send, queue, log, processed } = await setup({ makeKey, path });
    const res = await send('/webhooks/billing', {
      headers: standardHeaders(newSecret, 'msg_1', event),
      body: event,
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('ratelimit-policy')).toBe('"webhook";q=1000;w=60');
    expect(res.headers.get('ratelimit')).toBe('"webhook";r=999;t=60');
    const { jobId } = (await res.json()) as { jobId: string };
    await queue.runDue();
    expect((await queue.get(jobId))?.status).toBe('succeeded');
    expect(processed).toMatchObject([
      { source: 'billing', deliveryId: 'msg_1', eventType: 'invoice.paid' },
    ]);
    expect((await log.list({ limit: 10 }))[0]).toMatchObject({ outcome: 'accepted', jobId });
  });

  it('accepts either secret during a rotation', async () => {
    const { send } = await setup({ makeKey, path });
    for (const [i, secret] of [oldSecret, newSecret].entries()) {
      const res = await send('/webhooks/billing', {
        headers: standardHeaders(secret, `msg_r${i}`, event),
        body: event,
      });
      expect(res.status).toBe(202);
    }
  });

  it('refuses an unknown secret, a tampered body and an expired timestamp, and logs why', async () => {
    const { send, log } = await setup({ active: [newSecret], makeKey, path });
    const post = (headers: Record<string, string>, body = event) =>
      send('/webhooks/billing', { headers, body });
    const unknown = await post(standardHeaders(oldSecret, 'a', event), event);
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual({
      error: {
        code: 'unauthorized',
        message: 'Webhook refused: bad signature.',
        requestId: unknown.headers.get('x-request-id'),
      },
    });
    expect(
      (await post(standardHeaders(newSecret, 'b', event), event.replace('in_1', 'in_2'))).status,
    ).toBe(401);
    expect((await post(standardHeaders(newSecret, 'c', event, t0 / 1000 - 301))).status).toBe(401);
    expect((await post({})).status).toBe(401);
    const nobody = await send('/webhooks/nobody', { body: event });
    expect(nobody.status).toBe(404);
    expect(await nobody.json()).toMatchObject({ error: { code: 'not_found' } });
    const reasons = (await log.list({ limit: 10 })).map((e) => e.reason).reverse();
    expect(reasons).toEqual([
      'bad_signature',
      'bad_signature',
      'timestamp_out_of_tolerance',
      'missing_signature',
      'unknown_source',
    ]);
  });

  it('refuses a signed body that is not JSON with 400', async () => {
    const { send, log } = await setup({ makeKey, path });
    const res = await send('/webhooks/billing', {
      headers: standardHeaders(newSecret, 'msg_bad_json', '{nope'),
      body: '{nope',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'bad_request' } });
    expect((await log.list({ limit: 1 }))[0]).toMatchObject({ reason: 'invalid_body' });
  });

  it('acknowledges a duplicate delivery id without processing it twice', async () => {
    const { send, queue, processed } = await setup({ makeKey, path });
    const again = () =>
      send('/webhooks/billing', {
        headers: standardHeaders(newSecret, 'msg_dup', event),
        body: event,
      });
    expect((await again()).status).toBe(202);
    await queue.runDue();
    const second = await again();
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ status: 'duplicate' });
    await queue.runDue();
    expect(processed).toHaveLength(1);
  });

  it('acknowledges a duplicate after a restart: the key index is rebuilt from the stored job', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-webhooks-'));
    closers.push(() => rm(dataDir, { recursive: true, force: true }));
    const delivery = { headers: standardHeaders(newSecret, 'msg_restart', event), body: event };
    const first = await setup({ makeKey, path, dataDir });
    const accepted = await first.send('/webhooks/billing', delivery);
    expect(accepted.status).toBe(202);
    const { jobId } = (await accepted.json()) as { jobId: string };
    await first.queue.runDue();
    expect(first.processed).toHaveLength(1);
    first.close();

    // A new process on the same data directory: a new store, queue and log.
    const second = await setup({ makeKey, path, dataDir });
    const again = await second.send('/webhooks/billing', delivery);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ status: 'duplicate', jobId });
    await second.queue.runDue();
    expect(second.processed).toHaveLength(0);
    // The accepted line (kept on its job row) and the duplicate's own line, both after the restart.
    expect(
      (await second.log.list({ limit: 10 })).map((e) => [e.outcome, e.deliveryId, e.jobId]),
    ).toEqual([
      ['duplicate', 'msg_restart', jobId],
      ['accepted', 'msg_restart', jobId],
    ]);
    second.close();
  });

  it('verifies Stripe-Signature and X-Hub-Signature-256', async () => {
    const { send } = await setup({ makeKey, path });
    const stripeBody = JSON.stringify({ id: 'evt_1', type: 'charge.succeeded' });
    const t = t0 / 1000;
    const v1 = createHmac('sha256', 'stripe-secret').update(`${t}.${stripeBody}`).digest('hex');
    const stripe = await send('/webhooks/stripe', {
      headers: { 'stripe-signature': `t=${t},v1=${v1}` },
      body: stripeBody,
    });
    expect(stripe.status).toBe(202);
    const stale = await send('/webhooks/stripe', {
      headers: { 'stripe-signature': `t=${t - 400},v1=${v1}` },
      body: stripeBody,
    });
    expect(stale.status).toBe(401);
    const ghBody = JSON.stringify({ action: 'opened' });
    const sig = createHmac('sha256', 'gh-secret').update(ghBody).digest('hex');
    const gh = await send('/webhooks/github', {
      headers: {
        'x-hub-signature-256': `sha256=${sig}`,
        'x-github-delivery': 'd-1',
        'x-github-event': 'issues',
      },
      body: ghBody,
    });
    expect(gh.status).toBe(202);
    const bad = await send('/webhooks/github', {
      headers: { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}`, 'x-github-delivery': 'd-2' },
      body: ghBody,
    });
    expect(bad.status).toBe(401);
  });
});

describe.each(['hono', 'node'] as const)('POST /webhooks/:source body limit (%s path)', (path) => {
  const big = JSON.stringify({ type: 'big', data: 'x'.repeat(2000) });

  it('refuses a declared length over the limit with 413 before reading the body', async () => {
    const { send, log } = await setup({ path });
    const res = await send('/webhooks/billing', {
      headers: { ...standardHeaders(newSecret, 'msg_big', big), 'content-length': '2048' },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('connection')).toBe('close');
    expect(await res.json()).toMatchObject({
      error: { code: 'payload_too_large', details: { maxBytes: 1024 } },
    });
    expect(await log.list({ limit: 10 })).toEqual([]);
  });

  it('counts a chunked body (no declared length) and refuses it once over the limit', async () => {
    const { send, log } = await setup({ path });
    const over = await send('/webhooks/billing', {
      headers: standardHeaders(newSecret, 'msg_chunked_big', big),
      body: big,
      chunked: true,
    });
    expect(over.status).toBe(413);
    expect(over.headers.get('connection')).toBe('close');
    expect(await log.list({ limit: 10 })).toEqual([]);
    const within = await send('/webhooks/billing', {
      headers: standardHeaders(newSecret, 'msg_chunked', event),
      body: event,
      chunked: true,
    });
    expect(within.status).toBe(202);
  });

  it('accepts a declared length within the limit', async () => {
    const { send } = await setup({ path });
    const res = await send('/webhooks/billing', {
      headers: {
        ...standardHeaders(newSecret, 'msg_declared', event),
        'content-length': String(Buffer.byteLength(event)),
      },
      body: event,
    });
    expect(res.status).toBe(202);
  });
});

describe.each(['hono', 'node'] as const)('POST /webhooks/:source rate limit (%s path)', (path) => {
  it('refuses deliveries past the per-address limit with 429 before checking or logging them', async () => {
    const { send, log } = await setup({ perMinute: 2, path });
    const post = (id: string) =>
      send('/webhooks/billing', { headers: standardHeaders(newSecret, id, event), body: event });
    expect((await post('r1')).status).toBe(202);
    expect((await post('r2')).status).toBe(202);
    const refused = await post('r3');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(refused.headers.get('ratelimit')).toBe('"webhook";r=0;t=60');
    expect(await refused.json()).toMatchObject({
      error: {
        code: 'rate_limited',
        details: { policy: 'webhook', limit: 2, windowSec: 60, retryAfterSec: 60 },
      },
    });
    expect((await log.list({ limit: 10 })).map((e) => e.deliveryId)).toEqual(['r2', 'r1']);
  });
});

describe('POST /webhooks/:source on Node: the same bytes as the Hono route', () => {
  it('answers every outcome with the same status, headers and body on both paths', async () => {
    const hono = await setup({ perMinute: 7, path: 'hono-http' });
    const node = await setup({ perMinute: 7, path: 'node' });
    const stripeBody = JSON.stringify({ id: 'evt_9', type: 'charge.succeeded' });
    const t = t0 / 1000;
    const v1 = createHmac('sha256', 'stripe-secret').update(`${t}.${stripeBody}`).digest('hex');
    const withId = (headers: Record<string, string>, i: number) => ({
      ...headers,
      'x-request-id': `req-${i}`,
    });
    const deliveries: [string, Send][] = [
      ['/webhooks/billing', { headers: standardHeaders(newSecret, 'm1', event), body: event }],
      ['/webhooks/billing', { headers: standardHeaders(newSecret, 'm1', event), body: event }],
      ['/webhooks/billing', { headers: standardHeaders(oldSecret, 'm2', '{}'), body: '{"x":1}' }],
      ['/webhooks/billing?attempt=2', { headers: {}, body: event }],
      ['/webhooks/nobody', { body: event }],
      [
        '/webhooks/stripe',
        { headers: { 'stripe-signature': `t=${t},v1=${v1}` }, body: stripeBody },
      ],
      [
        '/webhooks/billing',
        { headers: standardHeaders(newSecret, 'm3', event), body: event, chunked: true },
      ],
      ['/webhooks/billing', { headers: { 'content-length': '5000' }, body: event }],
      ['/webhooks/billing', { headers: standardHeaders(newSecret, 'm4', event), body: event }],
    ];
    const statuses: number[] = [];
    for (const [i, [url, init]] of deliveries.entries()) {
      const send = { ...init, headers: withId(init.headers ?? {}, i) };
      const a = await hono.raw?.(url, send);
      const b = await node.raw?.(url, send);
      if (!a || !b) throw new Error('no HTTP path');
      // Everything but the Date header, which is the clock's.
      const withoutDate = (headers: IncomingHttpHeaders) =>
        Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'date'));
      const aHeaders = withoutDate(a.headers);
      const bHeaders = withoutDate(b.headers);
      expect({ url, status: b.status, headers: bHeaders, text: b.text }).toEqual({
        url,
        status: a.status,
        headers: aHeaders,
        text: a.text,
      });
      statuses.push(b.status);
    }
    // Every outcome was compared: accepted, duplicate, refused, unknown, too large, rate limited.
    expect(statuses).toEqual([202, 200, 401, 401, 404, 202, 202, 413, 429]);
  });
});
