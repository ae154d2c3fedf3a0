// Profiling aid: one request at a time, floor vs view vs peer fan-out over the real fan-out stack,
// rounds alternating (`npx tsx profile/fan-out-c1.ts [rounds] [requests]`). With
// `BENCH_NODE_ARGS="--import ./profile/stage-trace.mjs"` the servers also record their stages.
import { pinSelf, startFanOutStack } from '../lib/fan-out-stack';
import { closedLoop, median } from '../lib/load';

const rounds = Number(process.argv[2] ?? '3');
const total = Number(process.argv[3] ?? '150');
// The load generator on core 0, as in fan-out.ts.
pinSelf(0);
// BENCH_UPSTREAM_CORE=1 puts the upstreams beside the servers instead (a placement experiment).
// BENCH_BARE_CLIENT=http gives the bare fan-out node:http clients instead of undici Pools.
// BENCH_SERVER_CORE=0 puts the BFF and both peers on the load generator's and upstreams' core (a
// placement experiment: no hop of a request then crosses cores).
const { switchboard, peer, bare, operationUrls, stop } = await startFanOutStack({
  server: Number(process.env.BENCH_SERVER_CORE ?? '1'),
  upstreams: Number(process.env.BENCH_UPSTREAM_CORE ?? '0'),
  bareClient: process.env.BENCH_BARE_CLIENT,
});
const paths = {
  floor: operationUrls[0] ?? '',
  view: `${switchboard.info.bff}/api/views/overview`,
  peer: `${peer.info.url}/fanout`,
  // bare-peer.ts answers any path; its own makes it tell apart in profile/stage-hops.mjs.
  bare: `${bare.info.url}/bare`,
};
try {
  for (const url of Object.values(paths))
    await closedLoop(url, { concurrency: 8, durationMs: 1000 });
  const res: Record<string, { p50: number[]; p99: number[] }> = {};
  for (let r = 0; r < rounds; r++)
    for (const [name, url] of Object.entries(paths)) {
      const s = await closedLoop(url, { concurrency: 1, total });
      (res[name] ??= { p50: [], p99: [] }).p50.push(s.p50);
      res[name].p99.push(s.p99);
    }
  for (const [name, v] of Object.entries(res))
    console.log(
      `${name.padEnd(6)} p50 ${median(v.p50).toFixed(2)} [${v.p50.map((x) => x.toFixed(1)).join(' ')}]  p99 ${median(v.p99).toFixed(2)} [${v.p99.map((x) => x.toFixed(1)).join(' ')}]`,
    );
} finally {
  await stop();
}
