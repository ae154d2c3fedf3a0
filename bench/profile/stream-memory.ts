// Profiling aid for the stream benchmarks: memory per connection of one server, and optionally a
// heap snapshot summarised by what there is about one of per connection.
// `npx tsx profile/stream-memory.ts bff|floor|per-client ws|sse 2000 [snapshot]`
import { rmSync } from 'node:fs';
import { startInteractive } from '../lib/interactive';
import { diffSnapshots, summariseSnapshot } from './heap-summary';

const [kind = 'bff', transport = 'ws', count = '2000', snapshot] = process.argv.slice(2);
const n = Number(count);
type Memory = { rss: number; heapUsed: number; external: number; arrayBuffers: number };

const server =
  kind === 'bff'
    ? await startInteractive<{ url: string; headers: Record<string, string> }>(
        '../servers/stream-bff.ts',
        [],
        1,
      )
    : await startInteractive<{ url: string; headers: Record<string, string> }>(
        '../servers/stream-floor.ts',
        [transport, kind === 'per-client' ? 'per-client' : 'shared'],
        1,
      );
const clients = [];
for (let left = n; left > 0; left -= 5_000)
  clients.push(await startInteractive('../clients/stream-clients.ts', [], 0));
try {
  await new Promise((r) => setTimeout(r, 500));
  const before = await server.ask<Memory>({ cmd: 'mem' });
  const first = snapshot ? await server.ask<{ file: string }>({ cmd: 'heap' }) : undefined;
  await Promise.all(
    clients.map((c, i) =>
      c.ask({
        cmd: 'connect',
        url: server.info.url,
        headers: server.info.headers,
        transport,
        n: Math.min(5_000, n - i * 5_000),
      }),
    ),
  );
  await new Promise((r) => setTimeout(r, 3_000));
  const after = await server.ask<Memory>({ cmd: 'mem' });
  const per = (key: keyof Memory) => ((after[key] - before[key]) / n / 1024).toFixed(2);
  console.log(
    `${kind} ${transport} N=${n}: rss ${per('rss')} KB/conn, heapUsed ${per('heapUsed')}, external ${per('external')}, arrayBuffers ${per('arrayBuffers')}`,
  );
  if (first) {
    const { file } = await server.ask<{ file: string }>({ cmd: 'heap' });
    console.log(diffSnapshots(first.file, file, n));
    // Optional: `... snapshot object:Request$1,object:AbortController` prints what keeps those.
    const focus = process.argv[6]?.split(',') ?? [];
    if (focus.length > 0) console.log(summariseSnapshot(file, n, 0, focus));
    rmSync(file, { force: true });
    rmSync(first.file, { force: true });
  }
} finally {
  await Promise.all([...clients.map((c) => c.stop()), server.stop()]);
}
