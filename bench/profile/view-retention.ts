// Profiling aid: does a path of the breaker-open server retain memory per request? Drives it
// open-loop at a fixed rate for two stretches (default 20 s, then 40 s more: 60 s in all), and
// after a warm-up, after each stretch and after an idle spell asks the server (gc-probe.mjs) for
// its heap after two full GCs. A leak grows that figure with the number of requests; bounded
// retention (a ring, a window) stops growing once full; garbage disappears.
// `npx tsx profile/view-retention.ts view 3000 20 40 10` (path, rate/s, first and second stretch in
// s, idle s). GC_PROBE_SNAPSHOT_DIR=dir also writes a heap snapshot at each probe, for
// `npx tsx -e "…diffSnapshots(a, b, n)"` from heap-summary.ts. BENCH_NODE_ARGS adds server flags.
import { once } from 'node:events';
import {
  breakerOpenPath,
  forceUsersBreakerOpen,
  spawnBreakerOpenServer,
} from '../lib/breaker-open-process';
import { pinSelf } from '../lib/fan-out-stack';
import { openLoop } from '../lib/load';

const [path = 'view', rate = '3000', first = '20', second = '40', idle = '10'] =
  process.argv.slice(2);
const target = breakerOpenPath(path);
const { child, lines } = spawnBreakerOpenServer([
  '--expose-gc',
  '--import',
  './profile/gc-probe.mjs',
  ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
]);
let info: { bff: string; cookie: string } | undefined;
let onInfo = (_: { bff: string; cookie: string }) => {};
let onProbe = (_: Probe) => {};
interface Probe {
  probe: number;
  heapUsed: number;
  oldSpaceUsed: number | null;
  rss: number;
  external: number;
  snapshot: string | null;
}
lines.on('line', (line) => {
  if (info === undefined && line.startsWith('{'))
    onInfo((info = JSON.parse(line) as { bff: string; cookie: string }));
  else if (line.startsWith('gc-probe '))
    onProbe(JSON.parse(line.slice('gc-probe '.length)) as Probe);
  else console.error(line);
});
const { bff, cookie } = await new Promise<{ bff: string; cookie: string }>((r) => (onInfo = r));
const probe = async (label: string, requests: number) => {
  const answer = new Promise<Probe>((r) => (onProbe = r));
  // The server's pid: taskset execs node in place.
  child.kill('SIGUSR2');
  const p = await answer;
  const mb = (n: number | null) => (n === null ? 'n/a' : (n / 1024 / 1024).toFixed(2));
  console.log(
    `${label.padEnd(28)} requests ${String(requests).padStart(7)}  heap after GC ${mb(p.heapUsed)} MB  old space ${mb(p.oldSpaceUsed)} MB  rss ${mb(p.rss)} MB${p.snapshot ? `  ${p.snapshot}` : ''}`,
  );
  return p;
};
const unpin = pinSelf(0);
await forceUsersBreakerOpen(bff, cookie);
const url = `${bff}${target}`;
const perSecond = Number(rate);
let sent = 0;
const drive = async (seconds: number) => {
  const result = await openLoop(url, { ratePerSecond: perSecond, durationMs: seconds * 1000 });
  sent += Math.floor(seconds * perSecond);
  if (result.errors > 0) console.error(`${result.errors} errors`);
};
console.log(`path ${path} at ${perSecond}/s, server pid ${child.pid}`);
await drive(2);
const base = await probe('after 2 s warm-up', sent);
await drive(Number(first));
const a = await probe(`after ${first} s more load`, sent);
// Mid-way through the second stretch, one probe under load: what the requests of the last moments
// hold (rings, windows, in-flight work) is in it, and not in the idle probe.
const during = new Promise<Probe>((resolve) =>
  setTimeout(
    () =>
      resolve(probe(`${second}/2 s into it, under load`, sent + (Number(second) / 2) * perSecond)),
    (Number(second) / 2) * 1000,
  ),
);
await drive(Number(second));
await during;
const b = await probe(`after ${second} s more load`, sent);
await new Promise((r) => setTimeout(r, Number(idle) * 1000));
const c = await probe(`after ${idle} s idle`, sent);
const perRequest = (x: Probe, y: Probe, n: number) => ((y.heapUsed - x.heapUsed) / n).toFixed(1);
const firstN = Math.floor(Number(first) * perSecond);
const secondN = Math.floor(Number(second) * perSecond);
console.log(
  `retained per request: first stretch ${perRequest(base, a, firstN)} B, second ${perRequest(a, b, secondN)} B; idle change ${((c.heapUsed - b.heapUsed) / 1024).toFixed(0)} KB`,
);
unpin();
child.kill('SIGTERM');
if (child.exitCode === null) await once(child, 'exit');
