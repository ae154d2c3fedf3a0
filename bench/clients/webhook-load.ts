// Load generator for webhook ingest, in its own process (pinned apart from the servers): signed
// Standard Webhooks deliveries, each with a fresh webhook-id, POSTed in a closed loop over an undici
// keep-alive pool. Deliveries are signed before the clock starts, so signing costs the run nothing.
// Commands on stdin (lib/interactive.ts): { url, connections, durationMs } → a LatencySummary.
import { createHmac } from 'node:crypto';
import { Pool } from 'undici';
import { serveCommands } from '../lib/interactive';
import { summarise } from '../lib/load';
import { webhookBodyOf } from '../lib/webhook-body';

const secret = process.argv[2] ?? '';
const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');

function signed(count: number) {
  const seconds = String(Math.floor(Date.now() / 1000));
  return Array.from({ length: count }, () => {
    const id = `msg_${crypto.randomUUID()}`;
    const body = webhookBodyOf(id);
    const signature = createHmac('sha256', key).update(`${id}.${seconds}.${body}`).digest('base64');
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': seconds,
        'webhook-signature': `v1,${signature}`,
      },
    };
  });
}

serveCommands(async (command) => {
  const url = new URL(String(command.url));
  const connections = Number(command.connections ?? 32);
  const durationMs = Number(command.durationMs ?? 3000);
  // Enough for 40,000 deliveries/s; a run that exhausts them stops early and says so in its count.
  const deliveries = signed(Math.ceil((durationMs / 1000) * 40_000));
  const pool = new Pool(url.origin, { connections, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline && next < deliveries.length) {
        const delivery = deliveries[next++];
        if (!delivery) break;
        const t0 = performance.now();
        try {
          const response = await pool.request({
            method: 'POST',
            path: url.pathname,
            headers: delivery.headers,
            body: delivery.body,
          });
          await response.body.dump();
          if (response.statusCode === 202) latencies.push(performance.now() - t0);
          else errors += 1;
        } catch {
          errors += 1;
        }
      }
    }),
  );
  const elapsed = performance.now() - start;
  await pool.close();
  return summarise(latencies, errors, elapsed);
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
