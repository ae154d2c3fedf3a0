// Profiling aid: drives one path of the breaker-open server at a fixed open-loop rate, for use with
// node flags on the server (`BENCH_NODE_ARGS="--trace-gc"`: the server's stderr/stdout after its
// first line go to this process's stderr). `npx tsx profile/breaker-open-drive.ts view 3000 3`.
import { once } from 'node:events';
import {
  breakerOpenPath,
  forceUsersBreakerOpen,
  spawnBreakerOpenServer,
} from '../lib/breaker-open-process';
import { pinSelf } from '../lib/fan-out-stack';
import { openLoop } from '../lib/load';

const [path = 'view', rate = '3000', seconds = '3'] = process.argv.slice(2);
const target = breakerOpenPath(path);
// Spawned here rather than by lib/child.ts so that what the server prints after its first line
// (e.g. --trace-gc) is passed on.
const { child, lines } = spawnBreakerOpenServer(
  process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
);
let first: string | undefined;
const ready = new Promise<string>((resolve) =>
  lines.on('line', (line) => {
    if (first === undefined && line.startsWith('{')) resolve((first = line));
    else console.error(line);
  }),
);
const server = {
  info: JSON.parse(await ready) as { bff: string; cookie: string },
  async stop() {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  },
};
const unpin = pinSelf(0);
const { bff } = server.info;
await forceUsersBreakerOpen(bff, server.info.cookie);
const url = `${bff}${target}`;
console.error(`--- warm-up ${path}`);
await openLoop(url, { ratePerSecond: Number(rate), durationMs: 1000 });
console.error(`--- measured ${path}`);
const result = await openLoop(url, {
  ratePerSecond: Number(rate),
  durationMs: Number(seconds) * 1000,
});
console.error(`--- done ${path}: ${JSON.stringify(result)}`);
unpin();
await server.stop();
