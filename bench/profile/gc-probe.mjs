// Profiling aid: what a benchmark server retains, measured on demand. Loaded into a server with
// `BENCH_NODE_ARGS="--expose-gc --import ./profile/gc-probe.mjs"`; on SIGUSR2 it runs full GCs
// (twice: the first can leave what only weak callbacks free) and prints one stdout line
// `gc-probe {json}` with the heap used after them (total and old space) and the process's RSS.
// With GC_PROBE_SNAPSHOT_DIR set it also writes a heap snapshot there (probe-N.heapsnapshot), for
// `profile/heap-summary.ts`'s diff. The probe itself allocates nothing between signals.
/* global process, gc */
import { join } from 'node:path';
import v8 from 'node:v8';

let probes = 0;
process.on('SIGUSR2', () => {
  if (typeof gc !== 'function') {
    process.stdout.write('gc-probe {"error":"run with --expose-gc"}\n');
    return;
  }
  gc();
  gc();
  const old = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
  const { heapUsed, rss, external, arrayBuffers } = process.memoryUsage();
  const dir = process.env.GC_PROBE_SNAPSHOT_DIR;
  const probe = (probes += 1);
  const snapshot = dir ? v8.writeHeapSnapshot(join(dir, `probe-${probe}.heapsnapshot`)) : null;
  process.stdout.write(
    `gc-probe ${JSON.stringify({ probe, heapUsed, oldSpaceUsed: old?.space_used_size ?? null, rss, external, arrayBuffers, snapshot })}\n`,
  );
});
