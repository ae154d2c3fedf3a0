// Probe: what one HTTP round trip costs on this machine back to back, and after both ends idled
// 20 ms (as a fan-out server does while its upstreams wait). Pinned as the fan-out benchmark pins:
// this process (the client, undici Pool, one connection) on core 0; a bare node:http server that
// answers at once on core 1 ("other core", the load generator → server hop) and a second one on
// core 0 ("same core", the load generator → upstream hop of the floor). Rounds alternate the four
// cases; prints p50 and p99 per case as median [range] over rounds, and the load average.
// `flock -x /work/bench.lock npx tsx profile/idle-wake.ts [rounds] [requests]`
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { startChild } from '../lib/child';
import { pinSelf } from '../lib/fan-out-stack';
import { median, summarise } from '../lib/load';

const idleMs = 20;

function serve(): void {
  const body = Buffer.from('{"ok":true}');
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

async function trips(pool: Pool, count: number, idle: boolean): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    if (idle) await sleep(idleMs);
    const t0 = performance.now();
    const { body } = await pool.request({ method: 'GET', path: '/' });
    await body.dump();
    out.push(performance.now() - t0);
  }
  return out;
}

async function probe(rounds: number, count: number): Promise<void> {
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  console.log(
    `Idle-wake probe: ${rounds} rounds × ${count} round trips per case, client pinned to core 0; load average ${load()}`,
  );
  pinSelf(0);
  const script = '../profile/idle-wake.ts';
  const servers = {
    'other core': await startChild<{ url: string }>(script, ['serve'], 1),
    'same core': await startChild<{ url: string }>(script, ['serve'], 0),
  };
  const pools = Object.fromEntries(
    Object.entries(servers).map(([name, s]) => [name, new Pool(s.info.url, { connections: 1 })]),
  );
  const cases = Object.keys(servers).flatMap((where) => [
    { where, idle: false },
    { where, idle: true },
  ]);
  const label = (c: { where: string; idle: boolean }) =>
    `${c.where}, ${c.idle ? `after ${idleMs} ms idle` : 'back to back'}`;
  const results = new Map<string, { p50: number[]; p99: number[] }>();
  try {
    for (const c of cases) await trips(pools[c.where] as Pool, 50, c.idle); // warm-up
    for (let r = 0; r < rounds; r++) {
      // Alternate the order so no case always follows the same one.
      const order = r % 2 === 0 ? cases : cases.toReversed();
      for (const c of order) {
        const s = summarise(await trips(pools[c.where] as Pool, count, c.idle), 0, 1);
        const entry = results.get(label(c)) ?? { p50: [], p99: [] };
        entry.p50.push(s.p50);
        entry.p99.push(s.p99);
        results.set(label(c), entry);
      }
    }
  } finally {
    await Promise.all(Object.values(pools).map((p) => p.close()));
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  }
  const spread = (xs: number[]) =>
    `${median(xs).toFixed(3)} [${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)}]`;
  for (const [name, v] of results)
    console.log(`  ${name.padEnd(32)} p50 ${spread(v.p50)} ms   p99 ${spread(v.p99)} ms`);
  for (const where of Object.keys(servers)) {
    const b2b = results.get(label({ where, idle: false }))?.p50 ?? [];
    const idle = results.get(label({ where, idle: true }))?.p50 ?? [];
    console.log(
      `  ${where}: idle − back to back, p50 per round ${spread(idle.map((x, i) => x - (b2b[i] ?? NaN)))} ms`,
    );
  }
  console.log(`  load average at the end ${load()}`);
}

if (process.argv[2] === 'serve') serve();
else await probe(Number(process.argv[2] ?? '5'), Number(process.argv[3] ?? '100'));
