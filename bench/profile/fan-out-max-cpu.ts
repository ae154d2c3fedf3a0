// Profiling aid: where the CPU goes at the fan-out's maximum throughput (64 connections, as
// `run.ts fan-out` measures it). Alternates the view and the peer, and reports per request the CPU
// of the server, of the upstreams' process and of this load generator (both on core 0), and the
// idle share of each core, so it says which core limits each path.
// `npx tsx profile/fan-out-max-cpu.ts [rounds] [seconds] [connections]`.
import { readFileSync } from 'node:fs';
import { pinSelf, startFanOutStack } from '../lib/fan-out-stack';
import { closedLoop, median } from '../lib/load';

const rounds = Number(process.argv[2] ?? '3');
const seconds = Number(process.argv[3] ?? '3');
const concurrency = Number(process.argv[4] ?? '64');

/** utime + stime in ms (clock ticks of 10 ms). */
const cpuMs = (pid: number | 'self') => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) * 10;
};
/** Idle + iowait ticks per core from /proc/stat. */
const idleTicks = () =>
  readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((l) => /^cpu\d/.test(l))
    .map((l) => {
      const v = l.split(/\s+/).slice(1).map(Number);
      return { idle: (v[3] ?? 0) + (v[4] ?? 0), total: v.reduce((a, b) => a + b, 0) };
    });

type Ticks = ReturnType<typeof idleTicks>;
const idleShare = (before: Ticks, after: Ticks, core: number) =>
  ((after[core]?.idle ?? 0) - (before[core]?.idle ?? 0)) /
  ((after[core]?.total ?? 0) - (before[core]?.total ?? 0));

const unpin = pinSelf(0);
const stack = await startFanOutStack({ server: 1, upstreams: 0 });
const targets = {
  view: { url: `${stack.switchboard.info.bff}/api/views/overview`, pid: stack.switchboard.pid },
  peer: { url: `${stack.peer.info.url}/fanout`, pid: stack.peer.pid },
};
for (const t of Object.values(targets)) await closedLoop(t.url, { concurrency, durationMs: 1000 });
const rows: Record<string, Array<Record<string, number>>> = { view: [], peer: [] };
for (let r = 0; r < rounds; r++) {
  for (const [name, t] of Object.entries(targets)) {
    const before = {
      server: cpuMs(t.pid),
      up: cpuMs(stack.upstreams.pid),
      gen: cpuMs('self'),
      cores: idleTicks(),
    };
    const run = await closedLoop(t.url, { concurrency, durationMs: seconds * 1000 });
    const cores = idleTicks();
    const per = (ms: number) => (ms / Math.max(1, run.count)) * 1000;
    rows[name]?.push({
      rps: run.throughput,
      errors: run.errors,
      server: per(cpuMs(t.pid) - before.server),
      upstreams: per(cpuMs(stack.upstreams.pid) - before.up),
      generator: per(cpuMs('self') - before.gen),
      idle0: idleShare(before.cores, cores, 0),
      idle1: idleShare(before.cores, cores, 1),
    });
  }
}
await stack.stop();
unpin();
for (const [name, list] of Object.entries(rows)) {
  const keys = Object.keys(list[0] ?? {});
  console.log(
    `${name}: ` +
      keys
        .map(
          (k) =>
            `${k} ${median(list.map((x) => x[k] ?? NaN)).toFixed(k.startsWith('idle') ? 2 : 0)}`,
        )
        .join(', '),
  );
}
const ratio = (rows.view ?? []).map((v, i) => (v.rps ?? 0) / (rows.peer?.[i]?.rps ?? NaN));
console.log(`view / peer throughput per round: ${ratio.map((x) => x.toFixed(2)).join(' ')}`);
