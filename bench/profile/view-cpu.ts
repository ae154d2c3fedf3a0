// Profiling aid: CPU profiles of the BFF's fan-out view and of the peer in one run, the load
// alternating between them in 0.5 s slices. `BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
// npx tsx profile/view-cpu.ts 10 16`, then `node profile/cpu-layers.mjs <profile> <requests>`.
import { startFanOutStack } from '../lib/fan-out-stack';
import { closedLoop } from '../lib/load';

const seconds = Number(process.argv[2] ?? '10');
const concurrency = Number(process.argv[3] ?? '16');
const stack = await startFanOutStack({ server: 1, upstreams: 0 });
const view = `${stack.switchboard.info.bff}/api/views/overview`;
const peer = `${stack.peer.info.url}/fanout`;
await closedLoop(view, { concurrency, durationMs: 1000 });
await closedLoop(peer, { concurrency, durationMs: 1000 });
const counts = { bff: 0, peer: 0 };
const start = performance.now();
while (performance.now() - start < seconds * 1000) {
  counts.bff += (await closedLoop(view, { concurrency, durationMs: 500 })).count;
  counts.peer += (await closedLoop(peer, { concurrency, durationMs: 500 })).count;
}
const windowS = (performance.now() - start) / 1000;
await stack.stop();
console.log(
  JSON.stringify({ bffPid: stack.switchboard.pid, peerPid: stack.peer.pid, counts, windowS }),
);
