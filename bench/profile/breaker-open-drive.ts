// Profiling aid: drives one path of the breaker-open server at a fixed open-loop rate, for use with
// node flags on the server (`BENCH_NODE_ARGS="--trace-gc"`: the server's stderr/stdout after its
// first line go to this process's stderr). `npx tsx profile/breaker-open-drive.ts view 3000 3`.
import { request } from 'undici';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { pinSelf } from '../lib/fan-out-stack';
import { openLoop } from '../lib/load';
import { sessionHeaders, useSession } from '../lib/session';

const [path = 'view', rate = '3000', seconds = '3'] = process.argv.slice(2);
// Spawned here rather than by lib/child.ts so that what the server prints after its first line
// (e.g. --trace-gc) is passed on.
const child = spawn(
  'taskset',
  [
    '-c',
    '1',
    process.execPath,
    ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    '--import',
    'tsx',
    'servers/breaker-open.ts',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const lines = createInterface({ input: child.stdout });
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
useSession(bff, server.info.cookie);
const forced = await request(`${bff}/api/integrations/users/breaker`, {
  method: 'POST',
  headers: { ...sessionHeaders(bff), 'content-type': 'application/json' },
  body: JSON.stringify({ action: 'force-open' }),
});
await forced.body.dump();
const url = { view: '/api/views/users', healthz: '/healthz', constant: '/api/views/-/constant' }[
  path
];
console.error(`--- warm-up ${path}`);
await openLoop(`${bff}${url}`, { ratePerSecond: Number(rate), durationMs: 1000 });
console.error(`--- measured ${path}`);
const result = await openLoop(`${bff}${url}`, {
  ratePerSecond: Number(rate),
  durationMs: Number(seconds) * 1000,
});
console.error(`--- done ${path}: ${JSON.stringify(result)}`);
unpin();
await server.stop();
