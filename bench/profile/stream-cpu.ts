// Profiling aid for the stream benchmarks: where one server's CPU goes while it broadcasts to N
// clients (self time by function, over the same measured window as the benchmark).
// `npx tsx profile/stream-cpu.ts bff|floor ws|sse 10000 [ms]` — run it under `flock -x /work/bench.lock`.
import { startInteractive } from '../lib/interactive';

const [kind = 'bff', transport = 'ws', count = '10000', window = '8000'] = process.argv.slice(2);
const n = Number(count);
type Info = { url: string; headers: Record<string, string> };
type Cpu = { user: number; system: number };
type Profile = { busyMs: number; top: { name: string; selfMs: number; share: number }[] };

const server =
  kind === 'bff'
    ? await startInteractive<Info>('../servers/stream-bff.ts', [], 1)
    : await startInteractive<Info>('../servers/stream-floor.ts', [transport, 'shared'], 1);
const clients = [];
for (let left = n; left > 0; left -= 5_000)
  clients.push(await startInteractive('../clients/stream-clients.ts', [], 0));
try {
  await Promise.all(
    clients.map((c, i) =>
      c.ask({
        cmd: 'connect',
        url: server.info.url,
        headers: server.info.headers,
        transport,
        n: Math.min(5_000, n - i * 5_000),
        localAddress: `127.0.0.${2 + i}`,
      }),
    ),
  );
  await new Promise((r) => setTimeout(r, 3_000));
  const before = await server.ask<Cpu>({ cmd: 'cpu' });
  const profile = await server.ask<Profile>({ cmd: 'profile', ms: Number(window) });
  const after = await server.ask<Cpu>({ cmd: 'cpu' });
  const cpuMs = (after.user + after.system - before.user - before.system) / 1000;
  console.log(
    `${kind} ${transport} N=${n}: process CPU ${(cpuMs / (Number(window) / 1000)).toFixed(1)} ms/s; profiled JS busy ${profile.busyMs.toFixed(0)} ms over ${window} ms`,
  );
  for (const { name, selfMs, share } of profile.top)
    console.log(
      `  ${selfMs.toFixed(1).padStart(8)} ms ${(share * 100).toFixed(1).padStart(5)} %  ${name}`,
    );
} finally {
  await Promise.all([...clients.map((c) => c.stop()), server.stop()]);
}
