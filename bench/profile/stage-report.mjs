// Profiling aid: summarises the files profile/stage-trace.mjs wrote (see there). For each process
// and path, over the requests that ran alone (one request at a time): p50/p99 of the server time,
// and, for requests that called upstreams, of each stage measured from the request's start.
// `node profile/stage-report.mjs [dir]`
/* global process, console */
import { readdirSync, readFileSync } from 'node:fs';

const dir = process.argv[2] ?? process.env.STAGE_TRACE_DIR ?? '/tmp/stage-trace';
const at = (values, p) => {
  const sorted = values.filter(Number.isFinite).toSorted((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
};
const max = (list, field) => Math.max(...list.map((u) => u[field]));
const min = (list, field) => Math.min(...list.map((u) => u[field]));
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const { records, eventLoopDelayMs } = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'));
  console.log(`${file}: event-loop delay ${JSON.stringify(eventLoopDelayMs)}`);
  const byPath = new Map();
  for (const r of records) {
    const path = r.url.split('?')[0];
    byPath.set(path, [...(byPath.get(path) ?? []), r]);
  }
  for (const [path, list] of byPath) {
    const alone = list.filter(
      (r, i) =>
        (i === 0 || r.start > list[i - 1].finish) &&
        (i + 1 >= list.length || list[i + 1].start > r.finish),
    );
    if (alone.length < 20) continue;
    const show = (fn) => {
      const values = alone.map(fn);
      return `${at(values, 0.5)?.toFixed(2)} / ${at(values, 0.99)?.toFixed(2)}`;
    };
    const stages = { total: show((r) => r.finish - r.start) };
    if (alone[0].up.length > 0) {
      Object.assign(stages, {
        firstCreated: show((r) => min(r.up, 'create') - r.start),
        lastSent: show((r) => max(r.up, 'sent') - r.start),
        firstAnswer: show((r) => min(r.up, 'headers') - r.start),
        lastAnswer: show((r) => max(r.up, 'headers') - r.start),
        lastDone: show((r) => max(r.up, 'done') - r.start),
        afterLastDone: show((r) => r.finish - max(r.up, 'done')),
        slowestSentToAnswer: show((r) => Math.max(...r.up.map((u) => u.headers - u.sent))),
      });
    }
    console.log(`  ${path} (${alone.length} alone), ms p50 / p99:`);
    for (const [k, v] of Object.entries(stages)) console.log(`    ${k.padEnd(20)} ${v}`);
  }
}
