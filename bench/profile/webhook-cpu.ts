// Profiling aid: the webhook ingest server (processing paused) under the bench's load for a few
// seconds. `BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npx tsx profile/webhook-cpu.ts 8`,
// then `WINDOW_S=8 node profile/cpu-layers.mjs <profile> <deliveries>` (the count it prints).
import { randomBytes } from 'node:crypto';
import { startChild } from '../lib/child';
import { startInteractive } from '../lib/interactive';
import type { LatencySummary } from '../lib/load';

const seconds = Number(process.argv[2] ?? '8');
const connections = Number(process.argv[3] ?? '64');
const secret = `whsec_${randomBytes(24).toString('base64')}`;
const ingest = await startChild<{ url: string }>(
  '../servers/webhook-bff.ts',
  [secret, 'processing-paused'],
  1,
);
const load = await startInteractive<{ ready: boolean }>('../clients/webhook-load.ts', [secret], 0);
try {
  await load.ask({ url: ingest.info.url, connections, durationMs: 1500 });
  const summary = await load.ask<LatencySummary>({
    url: ingest.info.url,
    connections,
    durationMs: seconds * 1000,
  });
  console.log(JSON.stringify({ pid: ingest.pid, deliveries: summary.count, ...summary }));
} finally {
  await load.stop();
  await ingest.stop();
}
