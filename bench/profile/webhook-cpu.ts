// Profiling aid: the webhook ingest server (processing paused) under the bench's load for a few
// seconds, with the server's CPU per delivery split by thread (main, libuv pool, V8 workers, any
// worker thread) and into user and system time, read from /proc (Linux).
// `BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npx tsx profile/webhook-cpu.ts 8`,
// then `WINDOW_S=8 node profile/cpu-layers.mjs <profile> <deliveries>` (the count it prints).
// `WEBHOOK_TARGET=reference` profiles the bare HMAC route instead; `BENCH_WEBHOOK_BASELINE=<checkout>`
// runs that checkout's ingest server (an A/B against the commit before a change).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { startChild } from '../lib/child';
import { startInteractive } from '../lib/interactive';
import type { LatencySummary } from '../lib/load';

const seconds = Number(process.argv[2] ?? '8');
const connections = Number(process.argv[3] ?? '64');
const reference = process.env.WEBHOOK_TARGET === 'reference';
const tree = process.env.BENCH_WEBHOOK_BASELINE;
const secret = `whsec_${randomBytes(24).toString('base64')}`;

/** Per thread: name → [user ms, system ms] (clock ticks of 10 ms). */
function threadCpu(pid: number): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    // Threads of one kind (the libuv pool, V8's workers) are summed under their name.
    const key = tid === String(pid) ? 'main' : name;
    const [u, s] = out.get(key) ?? [0, 0];
    out.set(key, [u + Number(fields[11]) * 10, s + Number(fields[12]) * 10]);
  }
  return out;
}

/** The process's write syscalls and bytes written so far (responses, WAL, checkpoints). */
function ioCounts(pid: number): { syscw: number; wchar: number } {
  const text = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}: (\\d+)`).exec(text)?.[1]);
  return { syscw: field('syscw'), wchar: field('wchar') };
}

const server = await startChild<{ url: string }>(
  reference
    ? '../servers/webhook-reference.ts'
    : tree
      ? `${tree}/bench/servers/webhook-bff.ts`
      : '../servers/webhook-bff.ts',
  reference ? [secret] : [secret, 'processing-paused'],
  1,
);
const load = await startInteractive<{ ready: boolean }>('../clients/webhook-load.ts', [secret], 0);
try {
  await load.ask({ url: server.info.url, connections, durationMs: 1500 });
  const before = threadCpu(server.pid);
  const io0 = ioCounts(server.pid);
  const summary = await load.ask<LatencySummary>({
    url: server.info.url,
    connections,
    durationMs: seconds * 1000,
  });
  const after = threadCpu(server.pid);
  const io1 = ioCounts(server.pid);
  const perDelivery = (ms: number) => Math.round((ms / Math.max(1, summary.count)) * 1000);
  const threads: Record<string, { userUs: number; sysUs: number }> = {};
  let total = 0;
  for (const [name, [u, s]] of after) {
    const [u0, s0] = before.get(name) ?? [0, 0];
    if (u - u0 + (s - s0) === 0) continue;
    threads[name] = { userUs: perDelivery(u - u0), sysUs: perDelivery(s - s0) };
    total += u - u0 + (s - s0);
  }
  console.log(
    JSON.stringify({
      pid: server.pid,
      deliveries: summary.count,
      throughput: Math.round(summary.throughput),
      p50: summary.p50,
      p99: summary.p99,
      cpuUsPerDelivery: perDelivery(total),
      threads,
      writesPerDelivery: Math.round(((io1.syscw - io0.syscw) / summary.count) * 100) / 100,
      bytesWrittenPerDelivery: Math.round((io1.wchar - io0.wchar) / summary.count),
    }),
  );
} finally {
  await load.stop();
  await server.stop();
}
