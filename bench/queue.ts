// Queue benchmark (issue 7): the embedded durable queue against BullMQ on a local redis-server and
// against the raw SQLite write rate of the same rows. No-op jobs, concurrency 16, every variant in
// its own process pinned to one core (redis-server on the same core as its BullMQ client, so both
// sides get one core), the variants rotated every round; medians and ranges over rounds.
// Durability: queue.db is WAL and every acknowledged write has its WAL fsynced first (the product:
// NORMAL + its own fsync off the event loop, decision 027; the raw loop: FULL): it survives power
// loss. Redis runs with the append-only file and `appendfsync always` (fsync before the reply,
// the comparable setting) and, for reference, `everysec` (up to a second of acknowledged jobs lost).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { median } from './lib/load';
import { ensureRedisInstalled, startRedis, type AppendFsync } from './lib/redis';
import type { QueueRunResult } from './servers/queue-run';

const rounds = Number(process.env.BENCH_ROUNDS ?? '5');
const jobs = Number(process.env.BENCH_QUEUE_JOBS ?? '5000');
/** One commit per row is slow on a busy disk: that reference writes a tenth of the rows (a rate all the same). */
const rawSingleJobs = Math.max(200, Math.round(jobs / 10));
const concurrency = 16;
const core = 1;

/** Runs one variant in a fresh process pinned to `core` and returns what it printed. */
async function runOnce(args: string[]): Promise<QueueRunResult> {
  const path = fileURLToPath(new URL('./servers/queue-run.ts', import.meta.url));
  const child = spawn(
    'taskset',
    ['-c', String(core), process.execPath, '--import', 'tsx', path, ...args],
    {
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (!child.stdout) throw new Error('no stdout from queue-run');
  const lines = createInterface({ input: child.stdout });
  let last = '';
  lines.on('line', (line) => (last = line));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`queue-run ${args.join(' ')} exited with ${String(code)}`);
  return JSON.parse(last) as QueueRunResult;
}

const spread = (each: number[], digits = 0) =>
  `${median(each).toFixed(digits)} [${Math.min(...each).toFixed(digits)}–${Math.max(...each).toFixed(digits)}]`;

type Variant =
  'embedded' | 'raw, 1 row/tx' | 'raw, 16 rows/tx' | `bullmq, appendfsync ${AppendFsync}`;

export async function queueBenchmark(): Promise<void> {
  ensureRedisInstalled();
  const variants: Variant[] = [
    'embedded',
    'bullmq, appendfsync always',
    'raw, 16 rows/tx',
    'bullmq, appendfsync everysec',
    'raw, 1 row/tx',
  ];
  const results = new Map<Variant, QueueRunResult[]>(variants.map((v) => [v, []]));
  console.log(
    `\nQueue: ${jobs} no-op jobs per run (${rawSingleJobs} for raw, 1 row/tx), concurrency ${concurrency}, ${rounds} rounds, one core each (core ${core})`,
  );
  const run = async (variant: Variant, scale = 1): Promise<QueueRunResult> => {
    const n = String(Math.max(100, Math.round(jobs * scale)));
    if (variant === 'embedded') return runOnce(['embedded', n, String(concurrency)]);
    if (variant === 'raw, 1 row/tx')
      return runOnce(['raw', String(Math.round(rawSingleJobs * scale)), '1']);
    if (variant === 'raw, 16 rows/tx') return runOnce(['raw', n, '16']);
    const appendfsync: AppendFsync = variant.endsWith('always') ? 'always' : 'everysec';
    const redis = await startRedis({ appendfsync, core });
    try {
      return await runOnce([
        'bullmq',
        n,
        String(concurrency),
        String(redis.port),
        String(redis.pid),
      ]);
    } finally {
      await redis.stop();
    }
  };
  // A short warm-up of each (disk caches, tsx's compile cache), not counted.
  for (const variant of variants) await run(variant, 0.2);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(k + r) % variants.length] as Variant;
      const result = await run(variant);
      results.get(variant)?.push(result);
      console.log(
        `  round ${r + 1} ${variant.padEnd(28)} enqueue ${result.enqueuePerSec.toFixed(0).padStart(6)}/s  complete ${result.completePerSec.toFixed(0).padStart(6)}/s`,
      );
    }
  }

  const of = (v: Variant, key: keyof QueueRunResult) =>
    (results.get(v) ?? []).map((r) => Number(r[key]));
  console.log(
    '\njobs/s and CPU µs per job (this process, plus redis-server for BullMQ), median [range]',
  );
  for (const v of variants)
    console.log(
      `  ${v.padEnd(28)} enqueue ${spread(of(v, 'enqueuePerSec')).padEnd(22)} complete ${spread(of(v, 'completePerSec')).padEnd(22)} CPU enqueue ${spread(of(v, 'enqueueCpuUs'))} µs, complete ${spread(of(v, 'completeCpuUs'))} µs`,
    );
  const ratio = (v: Variant, ref: Variant, key: 'enqueuePerSec' | 'completePerSec') => {
    const a = of(v, key);
    const b = of(ref, key);
    return a.map((x, i) => x / (b[i] ?? NaN));
  };
  console.log('\nRatios, per round (same round), median [range]:');
  for (const [ref, target] of [
    ['bullmq, appendfsync always', 1],
    ['bullmq, appendfsync everysec', 1],
    ['raw, 16 rows/tx', 0.5],
    ['raw, 1 row/tx', 0.5],
  ] as const) {
    for (const key of ['enqueuePerSec', 'completePerSec'] as const) {
      const each = ratio('embedded', ref, key);
      console.log(
        `  embedded / ${ref.padEnd(28)} ${key === 'enqueuePerSec' ? 'enqueue ' : 'complete'} ${spread(each, 2)}x (target >= ${target}) ${median(each) >= target ? 'met' : 'MISSED'}`,
      );
    }
  }
}
