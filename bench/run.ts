// `npm run bench`: every benchmark, one after the other; each prints its own figures.
// `npx tsx run.ts <name>` runs one: fan-out, policy-overhead, breaker-open or cpu-per-request.
import { cpus } from 'node:os';
import { breakerOpenBenchmark } from './breaker-open';
import { cpuPerRequestBenchmark } from './cpu-per-request';
import { fanOutBenchmark } from './fan-out';
import { policyOverheadBenchmark } from './policy-overhead';

const benchmarks: Record<string, () => Promise<void>> = {
  'fan-out': fanOutBenchmark,
  'policy-overhead': policyOverheadBenchmark,
  'breaker-open': breakerOpenBenchmark,
  'cpu-per-request': cpuPerRequestBenchmark,
};

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  console.error(
    `Unknown benchmark ${unknown.join(', ')}. Known: ${Object.keys(benchmarks).join(', ')}.`,
  );
  process.exit(2);
}

console.log(`Node ${process.version}, ${cpus().length} cores, ${new Date().toISOString()}`);
for (const name of asked.length > 0 ? asked : Object.keys(benchmarks)) {
  await benchmarks[name]?.();
}
