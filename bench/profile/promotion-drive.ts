// Profiling aid: drives one path of the breaker-open server open-loop and samples, by allocation
// site, what its requests promote to old space and then drop (promotion-sample.mjs; report with
// promotion-report.ts). `npx tsx profile/promotion-drive.ts view 3000 4` (path, rate/s, sampled
// seconds, after a 2 s warm-up; the samples start 0.5 s into a run of twice that length plus 1 s).
import { once } from 'node:events';
import {
  breakerOpenPath,
  forceUsersBreakerOpen,
  spawnBreakerOpenServer,
} from '../lib/breaker-open-process';
import { pinSelf } from '../lib/fan-out-stack';
import { openLoop } from '../lib/load';

const [path = 'view', rate = '3000', seconds = '4'] = process.argv.slice(2);
const target = breakerOpenPath(path);
const { child, lines } = spawnBreakerOpenServer([
  '--expose-gc',
  '--import',
  './profile/promotion-sample.mjs',
]);
let info: { bff: string; cookie: string } | undefined;
let onInfo = (_: { bff: string; cookie: string }) => {};
let onDone = () => {};
lines.on('line', (line) => {
  if (info === undefined && line.startsWith('{'))
    onInfo((info = JSON.parse(line) as { bff: string; cookie: string }));
  else if (line === 'promotion-sample done') onDone();
  else console.error(line);
});
const { bff, cookie } = await new Promise<{ bff: string; cookie: string }>((r) => (onInfo = r));
const unpin = pinSelf(0);
await forceUsersBreakerOpen(bff, cookie);
const url = `${bff}${target}`;
const ratePerSecond = Number(rate);
await openLoop(url, { ratePerSecond, durationMs: 2000 });
const sampled = Number(seconds) * 1000;
// Taken under load, so what the requests of the last moments hold is in both profiles alike.
const run = openLoop(url, { ratePerSecond, durationMs: 2 * sampled + 1000 });
await new Promise((r) => setTimeout(r, 500));
child.kill('SIGWINCH');
await new Promise((r) => setTimeout(r, sampled));
const done = new Promise<void>((r) => (onDone = r));
child.kill('SIGHUP');
await done;
const result = await run;
console.log(`${path} at ${ratePerSecond}/s: ${JSON.stringify(result)}`);
unpin();
child.kill('SIGTERM');
if (child.exitCode === null) await once(child, 'exit');
