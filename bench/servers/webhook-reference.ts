// Child process: the reference for webhook ingest — a bare Hono route that reads the raw body and
// computes the same Standard Webhooks HMAC-SHA256 (node:crypto, compared in constant time), and
// nothing else: no dedupe, no queue, no log, no middleware. Prints its URL, serves until killed.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';

const secret = process.argv[2] ?? '';
const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');

const app = new Hono().post('/webhooks/:source', async (c) => {
  const body = Buffer.from(await c.req.arrayBuffer());
  const id = c.req.header('webhook-id') ?? '';
  const timestamp = c.req.header('webhook-timestamp') ?? '';
  const given = Buffer.from((c.req.header('webhook-signature') ?? '').slice(3), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return c.json({ error: 'bad signature' }, 401);
  return c.json({ status: 'accepted' }, 202);
});

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
  process.stdout.write(
    `${JSON.stringify({ url: `http://127.0.0.1:${info.port}/webhooks/bench` })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
