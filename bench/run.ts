// `npm run bench`: every benchmark, one after the other; each prints its own figures.
import { fanOutBenchmark } from './fan-out';

console.log(
  `Node ${process.version}, ${(await import('node:os')).cpus().length} cores, ${new Date().toISOString()}`,
);
await fanOutBenchmark();
