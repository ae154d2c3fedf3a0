// Child process: the ceiling of this stack — a minimal Hono app fanning out with undici.request and a
// keep-alive pool, no policies, no events. Also the sequential reference. Prints its URL, serves until killed.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';

const upstreams = JSON.parse(process.argv[2] ?? '[]') as string[];
const agent = new Agent({ connections: 128, keepAliveTimeout: 10_000 });
const get = async (url: string) => {
  const response = await request(url, { dispatcher: agent, signal: AbortSignal.timeout(1000) });
  return response.body.json();
};

const app = new Hono()
  .get('/fanout', async (c) => c.json(await Promise.all(upstreams.map(get))))
  .get('/sequential', async (c) => {
    const results: unknown[] = [];
    for (const url of upstreams) results.push(await get(url));
    return c.json(results);
  });

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${info.port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
