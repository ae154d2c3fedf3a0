// `npm run bench`: every benchmark, one after the other; each prints its own figures.
// `npx tsx run.ts <name>` runs one: fan-out, policy-overhead, breaker-open, cpu-per-request, ws,
// sse, storm, console, queue or webhook-ingest. The stream, console, queue and webhook benchmarks run
// only when named (minutes each; the queue one installs and starts redis-server).
import { cpus } from 'node:os';
import { breakerOpenBenchmark } from './breaker-open';
import { consoleBenchmark } from './console';
import { cpuPerRequestBenchmark } from './cpu-per-request';
import { fanOutBenchmark } from './fan-out';
import { policyOverheadBenchmark } from './policy-overhead';
import { queueBenchmark } from './queue';
import { webhookIngestBenchmark } from './webhook-ingest';
import { sseFanOutBenchmark, stormBenchmark, wsFanOutBenchmark } from './ws-fanout';

const benchmarks: Record<string, () => Promise<void>> = {
  'fan-out': fanOutBenchmark,
  'policy-overhead': policyOverheadBenchmark,
  'breaker-open': breakerOpenBenchmark,
  'cpu-per-request': cpuPerRequestBenchmark,
};
/** Minutes each, with thousands of sockets: only on request. */
const onRequest: Record<string, () => Promise<void>> = {
  ws: wsFanOutBenchmark,
  sse: sseFanOutBenchmark,
  storm: stormBenchmark,
  console: consoleBenchmark,
  queue: queueBenchmark,
  'webhook-ingest': webhookIngestBenchmark,
};

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in benchmarks) && !(name in onRequest));
if (unknown.length > 0) {
  console.error(
    `Unknown benchmark ${unknown.join(', ')}. Known: ${[...Object.keys(benchmarks), ...Object.keys(onRequest)].join(', ')}.`,
  );
  process.exit(2);
}

console.log(`Node ${process.version}, ${cpus().length} cores, ${new Date().toISOString()}`);
for (const name of asked.length > 0 ? asked : Object.keys(benchmarks)) {
  await (benchmarks[name] ?? onRequest[name])?.();
}
