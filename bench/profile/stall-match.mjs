// Where the slowest open-loop requests spent their time: matches the load generator's outbound
// requests with the server's inbound ones (profile/stall-trace.mjs files of both processes, one
// clock) by connection and order, and splits each request's latency, as the bench counts it (from
// its due time), into: late (the generator sent it after its due time), pool (created → headers
// written), to-server (written → the server parsed its headers), server (parsed → response
// finished), back (finished → the generator read the answer's headers), body (→ done).
// Usage: node profile/stall-match.mjs [dir] [rate=3000]
/* global process, console */
import { readFileSync, readdirSync } from 'node:fs';

const dir = process.argv[2] ?? '/tmp/stall-trace';
const rate = Number(process.argv[3] ?? '3000');
const files = readdirSync(dir).filter((n) => n.endsWith('.json'));
const load = (name) => JSON.parse(readFileSync(`${dir}/${name}`, 'utf8'));
const server = load(files.find((n) => !n.startsWith('run.ts')));
const client = load(files.find((n) => n.startsWith('run.ts')));

const byPort = new Map();
for (let i = 0; i < server.requests.length; i += 4) {
  const [code, start, finish, port] = server.requests.slice(i, i + 4);
  const list = byPort.get(port) ?? [];
  list.push({ path: server.paths[code], start, finish });
  byPort.set(port, list);
}
for (const list of byPort.values()) list.sort((a, b) => a.start - b.start);
const cursor = new Map();
const reqs = [];
for (let i = 0; i < client.client.length; i += 5) {
  const [created, sent, headers, done, port] = client.client.slice(i, i + 5);
  reqs.push({ created, sent, headers, done, port });
}
reqs.sort((a, b) => a.sent - b.sent);
for (const r of reqs) {
  const list = byPort.get(r.port);
  const k = cursor.get(r.port) ?? 0;
  const s = list?.[k];
  if (!s) continue;
  cursor.set(r.port, k + 1);
  r.server = s;
}
reqs.sort((a, b) => a.created - b.created);
// Runs: consecutive requests to one path; an open-loop run is `rate` × 3 s of them.
const runs = [];
for (const r of reqs) {
  if (!r.server) continue;
  let run = runs.at(-1);
  if (!run || run.path !== r.server.path) runs.push((run = { path: r.server.path, items: [] }));
  run.items.push(r);
}
// Server main thread: CPU run and run-queue wait accumulated over [a, b] (10 ms samples).
const sched = server.sched ?? [];
const schedAt = (t) => {
  let lo = 0;
  let hi = sched.length / 3 - 1;
  if (hi < 0) return [0, 0];
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sched[mid * 3] <= t) lo = mid;
    else hi = mid - 1;
  }
  return [sched[lo * 3 + 1], sched[lo * 3 + 2]];
};
const over = (a, b) => {
  const [r0, w0] = schedAt(a);
  const [r1, w1] = schedAt(b);
  const gc = server.gcs.reduce(
    (acc, [s, d]) => acc + Math.max(0, Math.min(b, s + d) - Math.max(a, s)),
    0,
  );
  return { run: r1 - r0, wait: w1 - w0, gc };
};
const f = (n) => n.toFixed(2);
const interval = 1000 / rate;
// Open-loop runs last 3 s at `rate`; a closed-loop run of as many requests lasts 2 s.
const isOpenLoop = (x) =>
  Math.abs(x.items.length - rate * 3) < rate * 0.05 &&
  x.items.at(-1).created - x.items[0].created > 2800;
for (const run of runs.filter(isOpenLoop)) {
  const start = run.items[0].created;
  const rows = run.items.map((r, i) => {
    const due = start + i * interval;
    const from = Math.min(due, r.created);
    return {
      latency: r.done - from,
      late: Math.max(0, r.created - due),
      pool: r.sent - r.created,
      toServer: r.server.start - r.sent,
      server: r.server.finish - r.server.start,
      back: r.headers - r.server.finish,
      body: r.done - r.headers,
      due,
    };
  });
  const sorted = rows.toSorted((a, b) => b.latency - a.latency);
  const top = sorted.slice(0, Math.ceil(rows.length / 100));
  const mean = (key) => top.reduce((a, r) => a + r[key], 0) / top.length;
  const p99 = top.at(-1).latency;
  // The server's main thread over the window of the slowest 1% (first due → last done), 10 ms grain.
  const a = Math.min(...top.map((r) => r.due));
  const b = Math.max(...top.map((r) => r.due + r.latency));
  const o = over(a, b);
  const whole = over(start, run.items.at(-1).done);
  console.log(
    `${''.padEnd(24)} server thread over the slow window ${f(b - a)} ms: ran ${f(o.run)} (GC ${f(o.gc)}), waited for a core ${f(o.wait)}; whole run ${f(run.items.at(-1).done - start)} ms: ran ${f(whole.run)} (GC ${f(whole.gc)}), waited ${f(whole.wait)}`,
  );
  console.log(
    `${run.path.padEnd(24)} p99 ${f(p99).padStart(7)} max ${f(sorted[0].latency).padStart(7)} | slowest 1% mean: late ${f(mean('late'))} pool ${f(mean('pool'))} to-server ${f(mean('toServer'))} server ${f(mean('server'))} back ${f(mean('back'))} body ${f(mean('body'))} | slow at t=${[...new Set(top.map((r) => Math.round((r.due - start) / 50) * 50))].slice(0, 12).join(',')} ms`,
  );
}
