// Profiling aid: the queue benchmark's embedded variant (no-op jobs, concurrency 16, durable
// queue.db), with a V8 CPU profile of the completion phase only (the enqueue phase runs first,
// unprofiled). Prints CPU µs per completed job (process.cpuUsage, and per thread from /proc), the
// store calls and commits per job (with the wall time inside BEGIN and COMMIT), the profile's self
// time per job by function and by file, and writes the .cpuprofile.
// `taskset -c 1 npx tsx profile/queue-cpu.ts [jobs] [concurrency] [out.cpuprofile]`
// QUEUE_PROFILE=0 skips the profiler (its sampling costs CPU too); QUEUE_PROFILE_US sets the
// sampling interval (default 100 µs; 500–1000 disturbs less).
import { Session } from 'node:inspector/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJobQueue } from '@switchboard/bff/queue/job-queue';
import { silentLogger } from '@switchboard/bff/http/logger';
import {
  createSqliteJobStore,
  openQueueDatabase,
} from '@switchboard/bff/runtime/node/sqlite-queue';
import { systemClock } from '@switchboard/bff/resilience/clock';
import { threadCpuMs } from '../lib/thread-cpu';

const jobs = Number(process.argv[2] ?? '20000');
const concurrency = Number(process.argv[3] ?? '16');
const out = process.argv[4] ?? join(tmpdir(), `queue-complete-${Date.now()}.cpuprofile`);
const type = 'bench.noop';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const dir = mkdtempSync(join(tmpdir(), 'switchboard-queue-prof-'));
const db = openQueueDatabase(dir);
try {
  // Counts of the store calls the completion phase makes, to see statements per job.
  const calls = new Map<string, { n: number; rows: number; wallUs?: number }>();
  const base = createSqliteJobStore(db);
  // Commits: the group commit runs BEGIN/COMMIT through exec.
  const exec = db.exec.bind(db);
  // Wall µs inside BEGIN and COMMIT (`rows` holds the sum), to see what a commit costs.
  db.exec = (sql: string) => {
    const t = performance.now();
    const out = exec(sql);
    const key = sql === 'COMMIT' ? 'commit' : sql.startsWith('BEGIN') ? 'begin' : 'exec';
    const c = calls.get(key) ?? { n: 0, rows: 0 };
    calls.set(key, c);
    c.n += 1;
    c.wallUs = (c.wallUs ?? 0) + (performance.now() - t) * 1000;
    return out;
  };
  const store: typeof base = { ...base };
  for (const key of ['claim', 'settle', 'nextDueAt', 'extendLease', 'get'] as const) {
    const original = (base as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[
      key
    ] as (...a: unknown[]) => Promise<unknown>;
    (store as unknown as Record<string, unknown>)[key] = async (...a: unknown[]) => {
      const c = calls.get(key) ?? { n: 0, rows: 0 };
      calls.set(key, c);
      c.n += 1;
      const r = await original(...a);
      if (key === 'claim') c.rows += (r as { claimed: unknown[] }).claimed.length;
      return r;
    };
  }
  const profiling = process.env.QUEUE_PROFILE !== '0';
  const queue = createJobQueue({
    store,
    clock: { now: () => Date.now(), sleep: (ms, signal) => systemClock.sleep(ms, signal) },
    logger: silentLogger,
  });
  const ids: string[] = [];
  for (let i = 0; i < jobs; i += 500) {
    const batch = Array.from({ length: Math.min(500, jobs - i) }, (_, k) => ({
      type,
      payload: { i: i + k, user: `user-${i + k}`, at: 1_700_000_000_000 + i + k },
    }));
    for (const r of await queue.enqueueMany(batch)) ids.push(r.id);
  }
  let handled = 0;
  let allHandled = () => {};
  const handledAll = new Promise<void>((resolve) => (allHandled = resolve));
  queue.handle(
    type,
    () => {
      handled += 1;
      if (handled === jobs) allHandled();
    },
    { concurrency },
  );
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', {
    interval: Number(process.env.QUEUE_PROFILE_US ?? '100'),
  });
  if (profiling) await session.post('Profiler.start');
  calls.clear();
  const threads0 = threadCpuMs({ perThread: true });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  queue.start();
  await handledAll;
  await queue.drain(10_000);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const threads = [...threadCpuMs({ perThread: true })]
    .map(([name, ms]) => [name, ((ms - (threads0.get(name) ?? 0)) * 1000) / jobs] as const)
    .filter(([, us]) => us > 0)
    .sort((a, b) => b[1] - a[1]);
  console.log(
    `CPU µs per job by thread: ${threads.map(([name, us]) => `${name} ${us.toFixed(1)}`).join(', ')}`,
  );
  console.log(
    [...calls]
      .map(
        ([k, c]) =>
          `${k} ${(c.n / jobs).toFixed(3)}/job${c.rows ? ` (${(c.rows / c.n).toFixed(1)} rows each)` : ''}${c.wallUs ? ` (${(c.wallUs / c.n).toFixed(0)} µs each)` : ''}`,
      )
      .join(', '),
  );
  if (!profiling) {
    console.log(
      `${jobs} jobs: ${((jobs / ms) * 1000).toFixed(0)}/s, CPU ${((cpu.user + cpu.system) / jobs).toFixed(1)} µs/job (user ${(cpu.user / jobs).toFixed(1)}, system ${(cpu.system / jobs).toFixed(1)})`,
    );
    process.exit(0);
  }
  const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
  session.disconnect();
  writeFileSync(out, JSON.stringify(profile));
  const stats = await queue.stats();
  if (stats.byType[type]?.succeeded !== jobs) throw new Error('not every job succeeded');

  // Self time per node from samples and their time deltas.
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)),
  );
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const f = (byId.get(id) as ProfileNode).callFrame;
    const file =
      f.url.replace(/^.*\/(node_modules\/\.pnpm\/[^/]+\/node_modules\/)?/, '') || '(native)';
    if (f.functionName === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const fn = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const perJob = (us: number) => (us / jobs).toFixed(1).padStart(6);
  console.log(
    `${jobs} jobs, concurrency ${concurrency}: ${((jobs / ms) * 1000).toFixed(0)}/s, CPU ${((cpu.user + cpu.system) / jobs).toFixed(1)} µs/job (user ${(cpu.user / jobs).toFixed(1)}, system ${(cpu.system / jobs).toFixed(1)}); profile busy ${perJob(total)} µs/job, idle ${perJob(idle)}`,
  );
  console.log('\nself µs per job by file:');
  for (const [k, v] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 20))
    console.log(`  ${perJob(v)}  ${k}`);
  console.log('\nself µs per job by function:');
  for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 40))
    console.log(`  ${perJob(v)}  ${k}`);
  console.log(`\nprofile: ${out}`);
} finally {
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
