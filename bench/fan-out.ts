// Fan-out benchmark: a view over 5 sandbox upstreams (20 ms each) against the floor (one upstream
// direct), the sequential reference, and the peer ceiling (minimal Hono + undici.request fan-out),
// which is also measured at one request at a time and at each fixed rate as the stack's reference,
// and the bare fan-out (node:http server, a client pool per upstream, no framework, no parsing:
// servers/bare-peer.ts), the least any fan-out on this machine can cost, measured the same way.
// The BFF and the peer run on core 1; the upstreams, in their own process, with the load generator
// (this process, pinned) on core 0. BENCH_FANOUT=serial,max,open runs a subset (open needs max, or
// BENCH_VIEW_MAX=<requests per second> to set the rates from). BENCH_BARE_CLIENT=http gives the bare
// fan-out node:http clients instead of undici Pools.
import { pinSelf, startFanOutStack } from './lib/fan-out-stack';
import { loadavg } from 'node:os';
import { closedLoop, median, openLoop, type LatencySummary } from './lib/load';

const rounds = Number(process.env.BENCH_ROUNDS ?? '3');
const serverCore = 1;
/** The upstreams share the load generator's core: at these rates it is mostly idle. */
const upstreamCore = 0;
/** BENCH_LOAD_CORE=none leaves the load generator unpinned (an experiment). */
const loadCore = process.env.BENCH_LOAD_CORE ?? '0';
const parts = new Set((process.env.BENCH_FANOUT ?? 'serial,max,open').split(','));
/** The open-loop rates as shares of the view's maximum throughput (BENCH_SHARES=0.25,0.5). */
const shares = (process.env.BENCH_SHARES ?? '0.25,0.5,0.75').split(',').map(Number);
const f = (n: number, digits = 1) => n.toFixed(digits);
const loadAverage = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

export async function fanOutBenchmark(): Promise<void> {
  const unpin = loadCore === 'none' ? () => undefined : pinSelf(Number(loadCore));
  const { switchboard, peer, bare, operationUrls, stop } = await startFanOutStack({
    server: serverCore,
    upstreams: upstreamCore,
    bareClient: process.env.BENCH_BARE_CLIENT,
  });
  const view = `${switchboard.info.bff}/api/views/overview`;
  const floor = operationUrls[0] ?? '';
  const peerFanOut = `${peer.info.url}/fanout`;
  const bareFanOut = `${bare.info.url}/bare`;
  try {
    // Warm up pools and JIT on every path.
    for (const url of [view, floor, peerFanOut, bareFanOut])
      await closedLoop(url, { concurrency: 8, durationMs: 1000 });

    console.log(
      `\nFan-out over ${operationUrls.length} upstreams at 20 ms each, ${rounds} rounds, medians (ms); load average ${loadAverage()}\n`,
    );
    const m = (list: LatencySummary[], key: 'p50' | 'p99' | 'throughput') =>
      median(list.map((s) => s[key]));
    /** A figure per round as `median [lowest–highest]`, the rounds' spread beside the median. */
    const spread = (each: number[], digits = 2, unit = '') =>
      `${f(median(each), digits)}${unit} [${f(Math.min(...each), digits)}–${f(Math.max(...each), digits)}]`;
    const perRound = (
      a: LatencySummary[],
      b: LatencySummary[],
      key: 'p50' | 'p99' | 'throughput',
      how: 'minus' | 'over',
    ) =>
      a.map((x, i) => {
        const y = b[i]?.[key] ?? NaN;
        return how === 'minus' ? x[key] - y : x[key] / y;
      });
    if (parts.has('serial')) {
      const serial = {
        floor: [] as LatencySummary[],
        view: [] as LatencySummary[],
        peer: [] as LatencySummary[],
        bare: [] as LatencySummary[],
        sequential: [] as LatencySummary[],
      };
      for (let r = 0; r < rounds; r++) {
        serial.floor.push(await closedLoop(floor, { concurrency: 1, total: 150 }));
        serial.view.push(await closedLoop(view, { concurrency: 1, total: 150 }));
        // The peer's fan-out over the same five upstreams: what this stack and topology cost a
        // fan-out before any Switchboard code runs (a reference, not a target).
        serial.peer.push(await closedLoop(peerFanOut, { concurrency: 1, total: 150 }));
        serial.bare.push(await closedLoop(bareFanOut, { concurrency: 1, total: 150 }));
        serial.sequential.push(
          await closedLoop(`${peer.info.url}/sequential`, { concurrency: 1, total: 40 }),
        );
      }
      console.log('One request at a time:');
      console.log(
        `  floor       p50 ${f(m(serial.floor, 'p50'))}  p99 ${f(m(serial.floor, 'p99'))}`,
      );
      console.log(`  view        p50 ${f(m(serial.view, 'p50'))}  p99 ${f(m(serial.view, 'p99'))}`);
      console.log(`  peer        p50 ${f(m(serial.peer, 'p50'))}  p99 ${f(m(serial.peer, 'p99'))}`);
      console.log(`  bare        p50 ${f(m(serial.bare, 'p50'))}  p99 ${f(m(serial.bare, 'p99'))}`);
      console.log(`  sequential  p50 ${f(m(serial.sequential, 'p50'))}`);
      console.log(
        `  view - floor p50: ${f(m(serial.view, 'p50') - m(serial.floor, 'p50'), 2)} ms (target <= 1); view/floor p99: ${f(m(serial.view, 'p99') / m(serial.floor, 'p99'), 2)}x (target <= 1.25); sequential/view p50: ${f(m(serial.sequential, 'p50') / m(serial.view, 'p50'), 2)}x (target >= 4.5)`,
      );
      console.log(
        `  per round, median [range]: view - floor p50 ${spread(perRound(serial.view, serial.floor, 'p50', 'minus'), 2, ' ms')}; view/floor p99 ${spread(perRound(serial.view, serial.floor, 'p99', 'over'))}x; sequential/view p50 ${spread(perRound(serial.sequential, serial.view, 'p50', 'over'))}x`,
      );
      console.log(
        `  reference, per round: peer - floor p50 ${spread(perRound(serial.peer, serial.floor, 'p50', 'minus'), 2, ' ms')}, peer/floor p99 ${spread(perRound(serial.peer, serial.floor, 'p99', 'over'))}x; view - peer p50 ${spread(perRound(serial.view, serial.peer, 'p50', 'minus'), 2, ' ms')}, view/peer p99 ${spread(perRound(serial.view, serial.peer, 'p99', 'over'))}x`,
      );
      console.log(
        `  bare fan-out, per round: bare - floor p50 ${spread(perRound(serial.bare, serial.floor, 'p50', 'minus'), 2, ' ms')}, bare/floor p99 ${spread(perRound(serial.bare, serial.floor, 'p99', 'over'))}x; view - bare p50 ${spread(perRound(serial.view, serial.bare, 'p50', 'minus'), 2, ' ms')}, view/bare p99 ${spread(perRound(serial.view, serial.bare, 'p99', 'over'))}x`,
      );
    }

    const max = { view: [] as number[], peer: [] as number[], bare: [] as number[] };
    for (let r = 0; parts.has('max') && r < rounds; r++) {
      max.view.push((await closedLoop(view, { concurrency: 64, durationMs: 3000 })).throughput);
      max.peer.push(
        (await closedLoop(peerFanOut, { concurrency: 64, durationMs: 3000 })).throughput,
      );
      max.bare.push(
        (await closedLoop(bareFanOut, { concurrency: 64, durationMs: 3000 })).throughput,
      );
    }
    const viewMax = parts.has('max') ? median(max.view) : Number(process.env.BENCH_VIEW_MAX);
    if (parts.has('max'))
      console.log(
        `\nMaximum throughput (64 connections): view ${f(viewMax, 0)}/s, peer ${f(median(max.peer), 0)}/s, ratio ${f(viewMax / median(max.peer), 2)}x (target >= 0.9); per round ${spread(max.view.map((v, i) => v / (max.peer[i] ?? NaN)))}x; bare ${f(median(max.bare), 0)}/s (view / bare per round ${spread(max.view.map((v, i) => v / (max.bare[i] ?? NaN)))}x)`,
      );

    if (parts.has('open') && !(viewMax > 0))
      throw new Error('BENCH_FANOUT=open without max needs BENCH_VIEW_MAX');
    if (parts.has('open')) console.log('\nAt a fixed rate (open loop), medians of rounds:');
    for (const share of parts.has('open') ? shares : []) {
      const rate = Math.max(1, Math.round(viewMax * share));
      const load = {
        floor: [] as LatencySummary[],
        view: [] as LatencySummary[],
        peer: [] as LatencySummary[],
        bare: [] as LatencySummary[],
      };
      for (let r = 0; r < rounds; r++) {
        load.floor.push(await openLoop(floor, { ratePerSecond: rate, durationMs: 3000 }));
        load.view.push(await openLoop(view, { ratePerSecond: rate, durationMs: 3000 }));
        load.peer.push(await openLoop(peerFanOut, { ratePerSecond: rate, durationMs: 3000 }));
        load.bare.push(await openLoop(bareFanOut, { ratePerSecond: rate, durationMs: 3000 }));
      }
      console.log(
        `  ${share * 100}% (${rate}/s): floor p50 ${f(m(load.floor, 'p50'))} p99 ${f(m(load.floor, 'p99'))} | view p50 ${f(m(load.view, 'p50'))} p99 ${f(m(load.view, 'p99'))} | p50 +${f(m(load.view, 'p50') - m(load.floor, 'p50'), 2)} ms, p99 ${f(m(load.view, 'p99') / m(load.floor, 'p99'), 2)}x | per round: p50 ${spread(perRound(load.view, load.floor, 'p50', 'minus'), 2, ' ms')}, p99 ${spread(perRound(load.view, load.floor, 'p99', 'over'))}x`,
      );
      console.log(
        `      peer p50 ${f(m(load.peer, 'p50'))} p99 ${f(m(load.peer, 'p99'))} | peer - floor p50 ${spread(perRound(load.peer, load.floor, 'p50', 'minus'), 2, ' ms')}, peer/floor p99 ${spread(perRound(load.peer, load.floor, 'p99', 'over'))}x | view - peer p50 ${spread(perRound(load.view, load.peer, 'p50', 'minus'), 2, ' ms')}, view/peer p99 ${spread(perRound(load.view, load.peer, 'p99', 'over'))}x`,
      );
      console.log(
        `      bare p50 ${f(m(load.bare, 'p50'))} p99 ${f(m(load.bare, 'p99'))} | bare - floor p50 ${spread(perRound(load.bare, load.floor, 'p50', 'minus'), 2, ' ms')}, bare/floor p99 ${spread(perRound(load.bare, load.floor, 'p99', 'over'))}x | view - bare p50 ${spread(perRound(load.view, load.bare, 'p50', 'minus'), 2, ' ms')}, view/bare p99 ${spread(perRound(load.view, load.bare, 'p99', 'over'))}x`,
      );
    }
    console.log(`\nLoad average at the end: ${loadAverage()}`);
  } finally {
    await stop();
    unpin();
  }
}
