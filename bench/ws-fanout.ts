// Stream fan-out benchmarks: the BFF's stream hub (real server, one session cookie for every client)
// against a bare `ws` / node:http SSE broadcast of the same bytes, one ~1 KB update a second.
// Server on core 1; clients in their own processes on core 0 (at most 5,000 per process: the
// open-files limit is 20,000). Latency: the update's `at` against its arrival in the client.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInteractive, type Interactive } from './lib/interactive';
import { median } from './lib/load';

const rounds = Number(process.env.BENCH_ROUNDS ?? '3');
const serverCore = 1;
const clientCore = 0;
const perProcess = 5_000;
const warmupMs = 3_000;
const measureMs = Number(process.env.BENCH_MEASURE_MS ?? '8000');
const f = (n: number, digits = 1) => n.toFixed(digits);
const sizesFrom = (fallback: string) =>
  (process.env.BENCH_SIZES ?? fallback).split(',').map((s) => Number(s));

type ServerInfo = { url: string; headers: Record<string, string> };
type Kind = 'bff' | 'floor' | 'per-client';
type Transport = 'ws' | 'sse';

interface RoundResult {
  p50: number;
  p99: number;
  /** Updates received over updates expected (N clients × seconds measured). */
  delivered: number;
  bytesPerConnection: number;
  /** JS heap after GC per connection: less disturbed by the allocator than RSS. */
  heapPerConnection: number;
  /** Server CPU (user + system) per second of the measured window, ms. */
  cpuMsPerSecond: number;
  connectMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function startServer(kind: Kind, transport: Transport, extra: string[] = []) {
  return kind === 'bff'
    ? startInteractive<ServerInfo>('../servers/stream-bff.ts', extra, serverCore)
    : startInteractive<ServerInfo>(
        '../servers/stream-floor.ts',
        [transport, kind === 'per-client' ? 'per-client' : 'shared', ...extra],
        serverCore,
      );
}

async function startClients(n: number) {
  const processes: Interactive<unknown>[] = [];
  for (let left = n; left > 0; left -= perProcess)
    processes.push(await startInteractive('../clients/stream-clients.ts', [], clientCore));
  return processes;
}

async function connectAll(
  clients: Interactive<unknown>[],
  server: ServerInfo,
  n: number,
  transport: Transport,
  /** Handshakes in flight per client process; a storm opens every connection at once. */
  parallel = 100,
) {
  const start = performance.now();
  const answers = await Promise.all(
    clients.map((c, i) =>
      c.ask<{ connected: number; failed: number }>({
        cmd: 'connect',
        url: server.url,
        headers: server.headers,
        transport,
        n: Math.min(perProcess, n - i * perProcess),
        parallel,
        // One loopback source address per client process: its own ephemeral port range.
        localAddress: `127.0.0.${2 + i}`,
      }),
    ),
  );
  const failed = answers.reduce((sum, a) => sum + a.failed, 0);
  if (failed > 0) throw new Error(`${failed} of ${n} clients could not connect`);
  return performance.now() - start;
}

async function round(kind: Kind, transport: Transport, n: number): Promise<RoundResult> {
  const server = await startServer(kind, transport);
  const clients = await startClients(n);
  try {
    await sleep(500);
    const before = await server.ask<{ rss: number; heapUsed: number }>({ cmd: 'mem' });
    const connectMs = await connectAll(clients, server.info, n, transport);
    await sleep(warmupMs);
    await Promise.all(clients.map((c) => c.ask({ cmd: 'reset' })));
    type Cpu = { user: number; system: number };
    const cpuBefore = await server.ask<Cpu>({ cmd: 'cpu' });
    await sleep(measureMs);
    const cpuAfter = await server.ask<Cpu>({ cmd: 'cpu' });
    const lists = await Promise.all(clients.map((c) => c.ask<number[]>({ cmd: 'latencies' })));
    const after = await server.ask<{ rss: number; heapUsed: number }>({ cmd: 'mem' });
    const sorted = lists.flat().toSorted((a, b) => a - b);
    const at = (p: number) =>
      sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN;
    return {
      p50: at(0.5),
      p99: at(0.99),
      delivered: sorted.length / (n * Math.round(measureMs / 1000)),
      bytesPerConnection: (after.rss - before.rss) / n,
      heapPerConnection: (after.heapUsed - before.heapUsed) / n,
      cpuMsPerSecond:
        (cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system) / measureMs,
      connectMs,
    };
  } finally {
    await Promise.all([...clients.map((c) => c.stop()), server.stop()]);
  }
}

function summarise(results: RoundResult[]) {
  return {
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    delivered: Math.min(...results.map((r) => r.delivered)),
    kbPerConnection: median(results.map((r) => r.bytesPerConnection)) / 1024,
    heapKbPerConnection: median(results.map((r) => r.heapPerConnection)) / 1024,
    cpuMsPerSecond: median(results.map((r) => r.cpuMsPerSecond)),
    kbRounds: results.map((r) => f(r.bytesPerConnection / 1024)).join(' / '),
    connectMs: median(results.map((r) => r.connectMs)),
    p99s: results.map((r) => f(r.p99)).join(' / '),
  };
}

async function fanOut(transport: Transport, kinds: Kind[], sizes: number[]) {
  console.log(
    `\n${transport.toUpperCase()} fan-out, one ~1 KB update/s, ${rounds} rounds alternating, medians (latency ms, memory KB/connection)\n`,
  );
  for (const n of sizes) {
    const results = new Map<Kind, RoundResult[]>(kinds.map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      // Alternate which goes first, so drift in the machine's load favours neither.
      const order = r % 2 === 0 ? kinds : kinds.toReversed();
      for (const kind of order) {
        try {
          results.get(kind)?.push(await round(kind, transport, n));
        } catch (err) {
          console.log(`  N=${n} ${kind} round ${r + 1} failed: ${String(err)}`);
        }
      }
    }
    const floor = summarise(results.get('floor') ?? []);
    for (const kind of kinds) {
      const s = summarise(results.get(kind) ?? []);
      console.log(
        `  N=${n} ${kind.padEnd(10)} p50 ${f(s.p50)}  p99 ${f(s.p99)} (rounds ${s.p99s})  delivered ${f(s.delivered * 100)}%  memory ${f(s.kbPerConnection)} KB/conn (rounds ${s.kbRounds}; heap ${f(s.heapKbPerConnection)})  server CPU ${f(s.cpuMsPerSecond)} ms/s  connect ${f(s.connectMs, 0)} ms` +
          (kind === 'floor' ? '' : `  p99 vs floor ${f(s.p99 / floor.p99, 2)}x`),
      );
    }
  }
}

/**
 * 5,000 clients connected and current; the server restarts (same port, same data directory, so the
 * session survives); every client reconnects at once with its resume point. Ours: time until every
 * client has its hello and is current (snapshot of the new run). Floor: time for a bare `ws` server
 * to accept 5,000 new connections opened at once (the same storm, same accept queue).
 */
async function reconnectStorm(n: number) {
  console.log(`\nReconnect storm: ${n} WebSocket clients reconnect at once after a restart (ms)\n`);
  const ours: number[] = [];
  const floors: number[] = [];
  const port = String(20_000 + Math.floor(Math.random() * 20_000));
  for (let r = 0; r < rounds; r++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-storm-'));
    let server = await startServer('bff', 'ws', [port, dataDir]);
    const clients = await startClients(n);
    try {
      await connectAll(clients, server.info, n, 'ws');
      await sleep(2_500);
      await Promise.all(clients.map((c) => c.ask({ cmd: 'drop' })));
      await server.stop();
      server = await startServer('bff', 'ws', [port, dataDir]);
      await sleep(1_500); // a message or two published in the new run
      const answers = await Promise.all(
        clients.map((c) =>
          c.ask<{ currentMs: number; openedMs: number; failed: number }>({ cmd: 'reconnect' }),
        ),
      );
      const failed = answers.reduce((s, a) => s + a.failed, 0);
      const ms = Math.max(...answers.map((a) => a.currentMs));
      ours.push(ms);
      console.log(
        `  round ${r + 1} bff: all current after ${f(ms, 0)} ms (opened ${f(Math.max(...answers.map((a) => a.openedMs)), 0)} ms, failed ${failed})`,
      );
    } finally {
      await Promise.all([...clients.map((c) => c.stop()), server.stop()]);
      rmSync(dataDir, { recursive: true, force: true });
    }

    const floor = await startServer('floor', 'ws');
    const floorClients = await startClients(n);
    try {
      // All at once, as the BFF's clients reconnect: the same storm against a bare server.
      const ms = await connectAll(floorClients, floor.info, n, 'ws', n);
      floors.push(ms);
      console.log(`  round ${r + 1} floor: ${n} connections accepted after ${f(ms, 0)} ms`);
    } finally {
      await Promise.all([...floorClients.map((c) => c.stop()), floor.stop()]);
    }
  }
  console.log(
    `  median: bff ${f(median(ours), 0)} ms, floor ${f(median(floors), 0)} ms, ratio ${f(median(ours) / median(floors), 2)}x`,
  );
}

export async function wsFanOutBenchmark(): Promise<void> {
  await fanOut('ws', ['bff', 'floor', 'per-client'], sizesFrom('2000,5000,10000'));
  if (process.env.BENCH_STORM !== '0') await reconnectStorm(5_000);
}

export async function sseFanOutBenchmark(): Promise<void> {
  await fanOut('sse', ['bff', 'floor'], sizesFrom('2000,5000'));
}

export async function stormBenchmark(): Promise<void> {
  await reconnectStorm(Number(process.env.BENCH_STORM_N ?? '5000'));
}
