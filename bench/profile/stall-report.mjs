// Summarises profile/stall-trace.mjs files: per run of consecutive requests to one path (a
// benchmark scenario), the server-side latency p50/p99/max, the GC pauses and long timer tasks that
// fell inside it, and the largest gaps between them. Usage: node profile/stall-report.mjs [dir]
/* global process, console */
import { readFileSync, readdirSync } from 'node:fs';

const dir = process.argv[2] ?? '/tmp/stall-trace';
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
const f = (n) => n.toFixed(2);
const kinds = { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental', 8: 'weak' };

for (const file of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
  const data = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'));
  console.log(`\n== ${file}: event-loop delay ${JSON.stringify(data.eventLoopDelayMs)}`);
  const gcByKind = {};
  for (const [, d, k] of data.gcs) {
    const e = (gcByKind[kinds[k] ?? k] ??= { n: 0, total: 0, max: 0 });
    e.n++;
    e.total += d;
    e.max = Math.max(e.max, d);
  }
  console.log(
    '  GC over the whole run:',
    JSON.stringify(gcByKind, (_, v) => (typeof v === 'number' ? +v.toFixed(2) : v)),
  );
  const byTask = new Map();
  for (const [, d, label, cpu = NaN] of data.tasks) {
    const e = byTask.get(label) ?? { n: 0, total: 0, max: 0, cpu: 0, maxCpu: 0 };
    e.n++;
    e.total += d;
    e.max = Math.max(e.max, d);
    e.cpu += cpu;
    e.maxCpu = Math.max(e.maxCpu, cpu);
    byTask.set(label, e);
  }
  for (const [label, e] of [...byTask].sort((a, b) => b[1].total - a[1].total).slice(0, 8))
    console.log(
      `  task ${e.n}× wall total ${f(e.total)} max ${f(e.max)} ms, CPU total ${f(e.cpu)} max ${f(e.maxCpu)} ms: ${label.slice(0, 110)}`,
    );
  const r = data.requests ?? [];
  if (r.length === 0) continue;
  // Split into runs of one path.
  const runs = [];
  for (let i = 0; i < r.length; i += 4) {
    const [code, start, finish] = [r[i], r[i + 1], r[i + 2]];
    let run = runs.at(-1);
    if (!run || run.code !== code) runs.push((run = { code, items: [] }));
    run.items.push([start, finish]);
  }
  for (const run of runs.filter((x) => x.items.length >= 500)) {
    const from = run.items[0][0];
    const to = run.items.at(-1)[1];
    const lat = run.items.map(([s, e]) => e - s).sort((a, b) => a - b);
    const rate = (run.items.length / (to - from)) * 1000;
    const gcs = data.gcs.filter(([s]) => s >= from && s <= to);
    const gcTotal = gcs.reduce((a, [, d]) => a + d, 0);
    const big = gcs.filter(([, d]) => d >= 3).map(([, d, k]) => `${kinds[k]?.[0] ?? k}${f(d)}`);
    const tasks = data.tasks.filter(([s, d]) => s >= from && s <= to && d >= 1);
    // The longest stretch with no request starting: how long the loop could not read.
    const starts = run.items.map(([s]) => s).sort((a, b) => a - b);
    const gaps = [];
    for (let i = 1; i < starts.length; i++) gaps.push(starts[i] - starts[i - 1]);
    gaps.sort((a, b) => b - a);
    console.log(
      `  ${data.paths[run.code]} ${run.items.length} req ${f(rate)}/s over ${f((to - from) / 1000)} s: server p50 ${f(pct(lat, 0.5))} p99 ${f(pct(lat, 0.99))} max ${f(lat.at(-1))} ms; GC ${gcs.length} pauses ${f(gcTotal)} ms [≥3 ms: ${big.join(' ')}]; tasks ≥1 ms: ${tasks.map(([, d, l]) => `${f(d)} ${l.slice(0, 40)}`).join(' | ')}; largest gaps between starts ${gaps.slice(0, 5).map(f).join(' ')}`,
    );
  }
}
