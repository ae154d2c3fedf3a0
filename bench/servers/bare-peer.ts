// Child process: the barest fan-out this machine can run — a node:http server, one keep-alive
// client pool per upstream, no framework, no parsing: the five answers' bytes are joined into one
// JSON array as they come. A second reference beside the Hono + undici peer: if even this misses a
// latency target, no fan-out stack on this VM meets it. argv: the upstream URLs (JSON) and the
// client, `undici` (an undici Pool per origin, the default) or `http` (a node:http keep-alive Agent).
// Prints its URL, serves until killed.
import { createServer, get as httpGet, Agent as HttpAgent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const upstreams = (JSON.parse(process.argv[2] ?? '[]') as string[]).map((u) => new URL(u));
const client = process.argv[3] ?? 'undici';

type Fetch = (url: URL) => Promise<Buffer>;

const undiciGet = (): Fetch => {
  const pools = new Map(upstreams.map((u) => [u.origin, new Pool(u.origin, { connections: 128 })]));
  return async (url) => {
    const pool = pools.get(url.origin);
    if (!pool) throw new Error(`no pool for ${url.origin}`);
    const { body } = await pool.request({ method: 'GET', path: url.pathname });
    return Buffer.from(await body.arrayBuffer());
  };
};

const nodeGet = (): Fetch => {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 128 });
  return (url) =>
    new Promise((resolve, reject) => {
      httpGet(url, { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      }).on('error', reject);
    });
};

const fetchOne = client === 'http' ? nodeGet() : undiciGet();
const open = Buffer.from('[');
const comma = Buffer.from(',');
const close = Buffer.from(']');

const server = createServer((req, res) => {
  Promise.all(upstreams.map(fetchOne)).then(
    (bodies) => {
      const parts: Buffer[] = [open];
      bodies.forEach((b, i) => parts.push(i === 0 ? b : Buffer.concat([comma, b])));
      parts.push(close);
      const body = Buffer.concat(parts);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    },
    () => {
      res.writeHead(502).end();
    },
  );
  // The request has no body worth reading; drain it so the socket can be reused.
  req.resume();
});
server.keepAliveTimeout = 10_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
