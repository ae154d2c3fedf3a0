// Where the console's main thread spends its time on one page: a CPU profile (CDP Profiler) of the
// profiling build, unminified, with 50 integrations live, summed by function (self time).
// `npx tsx profile/console-cpu.ts /integrations/users-01 15` (path, seconds). Run it under the lock.
import { openLiveConsole, profilingBuild } from '../lib/console-profiling';

const [path = '/', secondsArg = '15'] = process.argv.slice(2);
// BENCH_WEB_DIR: an unminified profiling build made before (`--mode profile --minify false`).
// Unpinned, as in console.ts: Chromium's own processes get the other core (see lib/chromium.ts).
const { context, tab, close } = await openLiveConsole(
  profilingBuild({ minify: false }),
  path,
  undefined,
);
try {
  const cdp = await context.newCDPSession(tab);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await new Promise((r) => setTimeout(r, Number(secondsArg) * 1000));
  const { profile } = await cdp.send('Profiler.stop');
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const deltas = profile.timeDeltas ?? [];
  (profile.samples ?? []).forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0)));
  const total = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)?.callFrame;
    if (!f) continue;
    const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    total.set(key, (total.get(key) ?? 0) + us);
  }
  const seconds = Number(secondsArg);
  const rows = [...total].sort((a, b) => b[1] - a[1]);
  const all = rows.reduce((s, [, us]) => s + us, 0);
  console.log(`profile of ${path}, ${seconds} s; ms of self time per second:`);
  for (const [key, us] of rows.slice(0, 45))
    console.log(`${(us / 1000 / seconds).toFixed(2).padStart(8)}  ${key}`);
  console.log(`(all sampled, idle included: ${(all / 1000 / seconds).toFixed(0)} ms/s)`);
} finally {
  await close();
}
