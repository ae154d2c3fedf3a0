// `npm run bench`: every benchmark, one after the other; each prints its own figures.
// `npx tsx run.ts <name>` runs one: fan-out, policy-overhead, breaker-open, cpu-per-request, ws,
// sse, storm or console. The stream benchmarks (ws, sse, storm) and console run only when named.
import { cpus } from 'node:os';
import { breakerOpenBenchmark } from './breaker-open';
import { consoleBenchmark } from './console';
import { cpuPerRequestBenchmark } from './cpu-per-request';
import { fanOutBenchmark } from './fan-out';
import { policyOverheadBenchmark } from './policy-overhead';
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
  /** A few minutes in Chromium: builds the console twice, then 2 variants × 60 s per page and round. */
  console: consoleBenchmark,
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
