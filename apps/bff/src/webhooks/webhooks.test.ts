// Inbound webhooks through their routes over real SQLite with an injected clock: signatures,
// tolerance, rotation, duplicates, and processing on the queue.
import { createHmac } from 'node:crypto';
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../http/app-env';
import { createErrorHandler } from '../http/errors';
import { rateLimit } from '../security/rate-limit';
import { silentLogger } from '../http/logger';
import { createJobQueue } from '../queue/job-queue';
import { createManualClock } from '../resilience/clock';
import { openDatabase } from '../runtime/node/sqlite';
import { createSqliteJobStore } from '../runtime/node/sqlite-queue';
import { createSqliteWebhookLog } from '../runtime/node/sqlite-webhook-log';
import { nodeWebhookKey } from '../runtime/node/node-hmac-key';
import { importWebhookKeys, webCryptoWebhookKey, type WebhookKeyFactory } from './verify-webhook';
import { createWebhookIngest } from './webhook-ingest';
import { createWebhookRoutes, webhookJobType, type WebhookSource } from './webhooks.routes';

const oldSecret = `whsec_${Buffer.from('old-secret-0123456789').toString('base64')}`;
const newSecret = `whsec_${Buffer.from('new-secret-0123456789').toString('base64')}`;
const t0 = Date.UTC(2026, 0, 1);

async function setup(
  active: string[] = [oldSecret, newSecret],
  makeKey: WebhookKeyFactory = webCryptoWebhookKey,
  perMinute = 1000,
) {
  const clock = createManualClock(t0);
  const db = openDatabase(':memory:');
  const queue = createJobQueue({ store: createSqliteJobStore(db), clock, logger: silentLogger });
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
  const app = new Hono<AppEnv>();
  app.route(
    '/',
    createWebhookIngest({
      sources,
      queue,
      log,
      now: () => clock.now(),
      logger: silentLogger,
      middleware: [requestId()],
      shuttingDown: () => false,
      maxBodyBytes: 1024,
      rateLimit: rateLimit({
        name: 'webhook',
        points: perMinute,
        durationSec: 60,
        logger: silentLogger,
        key: () => '192.0.2.1',
      }),
      onError: createErrorHandler(silentLogger),
    }),
  );
  app.route('/', createWebhookRoutes({ log }));
  return { app, queue, log, processed, clock };
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

// Every case runs with both HMAC keys: the web-standard one and the Node one the server uses.
describe.each([
  ['Web Crypto', webCryptoWebhookKey],
  ['node:crypto', nodeWebhookKey],
] as const)('POST /webhooks/:source (%s HMAC)', (_name, makeKey) => {
  it('accepts a signed delivery, queues it and processes it on the queue', async () => {
    const { app, queue, log, processed } = await setup(undefined, makeKey);
    const res = await app.request('/webhooks/billing', {
      method: 'POST',
      headers: standardHeaders(newSecret, 'msg_1', event),
      body: event,
    });
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    await queue.runDue();
    expect((await queue.get(jobId))?.status).toBe('succeeded');
    expect(processed).toMatchObject([
      { source: 'billing', deliveryId: 'msg_1', eventType: 'invoice.paid' },
    ]);
    expect((await log.list({ limit: 10 }))[0]).toMatchObject({ outcome: 'accepted', jobId });
  });

  it('accepts either secret during a rotation', async () => {
    const { app } = await setup(undefined, makeKey);
    for (const [i, secret] of [oldSecret, newSecret].entries()) {
      const res = await app.request('/webhooks/billing', {
        method: 'POST',
        headers: standardHeaders(secret, `msg_r${i}`, event),
        body: event,
      });
      expect(res.status).toBe(202);
    }
  });

  it('refuses an unknown secret, a tampered body and an expired timestamp, and logs why', async () => {
    const { app, log } = await setup([newSecret], makeKey);
    const post = (headers: Record<string, string>, body = event) =>
      app.request('/webhooks/billing', { method: 'POST', headers, body });
    expect((await post(standardHeaders(oldSecret, 'a', event))).status).toBe(401);
    expect(
      (await post(standardHeaders(newSecret, 'b', event), event.replace('in_1', 'in_2'))).status,
    ).toBe(401);
    expect((await post(standardHeaders(newSecret, 'c', event, t0 / 1000 - 301))).status).toBe(401);
    expect((await post({})).status).toBe(401);
    expect((await app.request('/webhooks/nobody', { method: 'POST', body: event })).status).toBe(
      404,
    );
    const reasons = (await log.list({ limit: 10 })).map((e) => e.reason).reverse();
    expect(reasons).toEqual([
      'bad_signature',
      'bad_signature',
      'timestamp_out_of_tolerance',
      'missing_signature',
      'unknown_source',
    ]);
  });

  it('acknowledges a duplicate delivery id without processing it twice', async () => {
    const { app, queue, processed } = await setup(undefined, makeKey);
    const send = () =>
      app.request('/webhooks/billing', {
        method: 'POST',
        headers: standardHeaders(newSecret, 'msg_dup', event),
        body: event,
      });
    expect((await send()).status).toBe(202);
    await queue.runDue();
    const again = await send();
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'duplicate' });
    await queue.runDue();
    expect(processed).toHaveLength(1);
  });

  it('verifies Stripe-Signature and X-Hub-Signature-256', async () => {
    const { app } = await setup(undefined, makeKey);
    const stripeBody = JSON.stringify({ id: 'evt_1', type: 'charge.succeeded' });
    const t = t0 / 1000;
    const v1 = createHmac('sha256', 'stripe-secret').update(`${t}.${stripeBody}`).digest('hex');
    const stripe = await app.request('/webhooks/stripe', {
      method: 'POST',
      headers: { 'stripe-signature': `t=${t},v1=${v1}` },
      body: stripeBody,
    });
    expect(stripe.status).toBe(202);
    const stale = await app.request('/webhooks/stripe', {
      method: 'POST',
      headers: { 'stripe-signature': `t=${t - 400},v1=${v1}` },
      body: stripeBody,
    });
    expect(stale.status).toBe(401);
    const ghBody = JSON.stringify({ action: 'opened' });
    const sig = createHmac('sha256', 'gh-secret').update(ghBody).digest('hex');
    const gh = await app.request('/webhooks/github', {
      method: 'POST',
      headers: {
        'x-hub-signature-256': `sha256=${sig}`,
        'x-github-delivery': 'd-1',
        'x-github-event': 'issues',
      },
      body: ghBody,
    });
    expect(gh.status).toBe(202);
    const bad = await app.request('/webhooks/github', {
      method: 'POST',
      headers: { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}`, 'x-github-delivery': 'd-2' },
      body: ghBody,
    });
    expect(bad.status).toBe(401);
  });
});

describe('POST /webhooks/:source body limit', () => {
  const big = JSON.stringify({ type: 'big', data: 'x'.repeat(2000) });

  it('refuses a declared length over the limit with 413 before reading the body', async () => {
    const { app, log } = await setup();
    const res = await app.request('/webhooks/billing', {
      method: 'POST',
      headers: { ...standardHeaders(newSecret, 'msg_big', big), 'content-length': '2048' },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('connection')).toBe('close');
    expect(await res.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(await log.list({ limit: 10 })).toEqual([]);
  });

  it('counts a chunked body (no declared length) and refuses it once over the limit', async () => {
    const { app } = await setup();
    const chunked = (text: string) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          const bytes = new TextEncoder().encode(text);
          for (let at = 0; at < bytes.length; at += 300)
            controller.enqueue(bytes.slice(at, at + 300));
          controller.close();
        },
      });
    const over = await app.request('/webhooks/billing', {
      method: 'POST',
      headers: standardHeaders(newSecret, 'msg_chunked_big', big),
      body: chunked(big),
      duplex: 'half',
    });
    expect(over.status).toBe(413);
    const within = await app.request('/webhooks/billing', {
      method: 'POST',
      headers: standardHeaders(newSecret, 'msg_chunked', event),
      body: chunked(event),
      duplex: 'half',
    });
    expect(within.status).toBe(202);
  });

  it('accepts a declared length within the limit', async () => {
    const { app } = await setup();
    const res = await app.request('/webhooks/billing', {
      method: 'POST',
      headers: {
        ...standardHeaders(newSecret, 'msg_declared', event),
        'content-length': String(Buffer.byteLength(event)),
      },
      body: event,
    });
    expect(res.status).toBe(202);
  });
});

describe('POST /webhooks/:source rate limit', () => {
  it('refuses deliveries past the per-address limit with 429 before checking or logging them', async () => {
    const { app, log } = await setup(undefined, undefined, 2);
    const post = (id: string) =>
      app.request('/webhooks/billing', {
        method: 'POST',
        headers: standardHeaders(newSecret, id, event),
        body: event,
      });
    expect((await post('r1')).status).toBe(202);
    expect((await post('r2')).status).toBe(202);
    const refused = await post('r3');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect((await log.list({ limit: 10 })).map((e) => e.deliveryId)).toEqual(['r2', 'r1']);
  });
});
