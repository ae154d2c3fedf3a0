// Child process: the least a *durable* webhook ingest can do on this machine — a node:http server
// that checks the same Standard Webhooks HMAC as the reference, drops a repeated webhook-id (an
// in-memory set), appends the delivery to a log file and answers 202 only after that append is
// on disk (group commit: the deliveries parsed while a write + fdatasync runs share the next one,
// at most two in flight, as the product's queue does). No framework, no SQLite, no queue, no log
// page, no rate limit, no telemetry. A reference, not a product: if even this stays far under the
// 0.7× target against the bare HMAC route, the cost is the durable write on this disk, not code.
// argv: the secret. Prints its URL, serves until killed.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { closeSync, fdatasync, mkdtempSync, openSync, rmSync, write } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const secret = process.argv[2] ?? '';
const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
const dir = mkdtempSync(join(tmpdir(), 'switchboard-webhook-bare-'));
const fd = openSync(join(dir, 'deliveries.log'), 'a');
const seen = new Set<string>();
const accepted = '{"status":"accepted"}';

let pending: { lines: Buffer[]; waiting: ServerResponse[] } = { lines: [], waiting: [] };
let inFlight = 0;

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

/** Writes what gathered and fdatasyncs it; every delivery in it is answered after the sync. */
function flush(): void {
  if (inFlight >= 2 || pending.waiting.length === 0) return;
  const batch = pending;
  pending = { lines: [], waiting: [] };
  inFlight += 1;
  const bytes = Buffer.concat(batch.lines);
  write(fd, bytes, 0, bytes.length, null, (writeErr) => {
    const done = (err: NodeJS.ErrnoException | null) => {
      inFlight -= 1;
      for (const res of batch.waiting)
        if (err) answer(res, 500, '{"error":"not stored"}');
        else answer(res, 202, accepted);
      flush();
    };
    if (writeErr) return done(writeErr);
    fdatasync(fd, done);
  });
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    const id = String(req.headers['webhook-id'] ?? '');
    const timestamp = String(req.headers['webhook-timestamp'] ?? '');
    const given = Buffer.from(String(req.headers['webhook-signature'] ?? '').slice(3), 'base64');
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return answer(res, 401, '{"error":"bad signature"}');
    if (seen.has(id)) return answer(res, 200, '{"status":"duplicate"}');
    seen.add(id);
    pending.lines.push(Buffer.from(`${id}\t`), body, Buffer.from('\n'));
    pending.waiting.push(res);
    // After this turn's other requests were parsed: they join the same write.
    if (pending.waiting.length === 1) setImmediate(flush);
  });
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}/webhooks/bench` })}\n`);
});
process.on('SIGTERM', () =>
  server.close(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }),
);
