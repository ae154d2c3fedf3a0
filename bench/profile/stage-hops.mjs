// Profiling aid: the hops of one request at a time, end to end across processes, from the files
// profile/stage-trace.mjs wrote into every process of profile/fan-out-c1.ts (load generator
// included). For each request the load generator sent, it finds the server request that started
// while it was out, the upstream requests that server made and the sandbox requests that served
// them (by time: exact when one request is in flight), and prints p50 / p90 of each hop in ms.
// `node profile/stage-hops.mjs [dir]`
/* global process, console, URL */
import { readdirSync, readFileSync } from 'node:fs';

const dir = process.argv[2] ?? process.env.STAGE_TRACE_DIR ?? '/tmp/stage-trace';
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const load = (prefix) =>
  files
    .filter((f) => f.startsWith(prefix))
    .map((f) => JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')));
const [generator] = load('fan-out-c1.ts');
const servers = [...load('switchboard.ts'), ...load('peer.ts'), ...load('bare-peer.ts')].flatMap(
  (f) => f.records,
);
const sandbox = load('upstreams.ts').flatMap((f) => f.records);
for (const f of files) {
  const { sockets, eventLoopDelayMs } = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
  console.log(
    `${f}: sockets ${JSON.stringify(sockets)}, event-loop delay ${JSON.stringify(eventLoopDelayMs)}`,
  );
}
const byStart = (list) => list.toSorted((a, b) => a.start - b.start);
const sortedServers = byStart(servers);
const sortedSandbox = byStart(sandbox);
/** The first record that started inside [from, to] (on the port of `url`, when given). */
const within = (list, from, to, url) => {
  const port = url === undefined ? undefined : Number(new URL(url).port);
  return list.find(
    (r) => r.start >= from && r.start <= to && (port === undefined || r.port === port),
  );
};
const at = (values, p) => {
  const sorted = values.filter(Number.isFinite).toSorted((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
};
const kindOf = (url) =>
  url.includes('/api/views/')
    ? 'view'
    : url.endsWith('/fanout')
      ? 'peer'
      : url.endsWith('/bare')
        ? 'bare'
        : url.endsWith('/sequential')
          ? 'sequential'
          : 'floor';

const hops = new Map();
/** Per kind, the critical path cut into consecutive segments: their means add up to the total's. */
const chains = new Map();
const chain = (kind, segments) => {
  const sums = chains.get(kind) ?? { n: 0, sums: new Map() };
  chains.set(kind, sums);
  sums.n += 1;
  for (const [name, value] of segments) sums.sums.set(name, (sums.sums.get(name) ?? 0) + value);
};
const add = (kind, name, value) => {
  const table = hops.get(kind) ?? new Map();
  hops.set(kind, table);
  table.set(name, [...(table.get(name) ?? []), value]);
};
const sent = (generator?.client ?? []).filter((c) => c.sent !== undefined && c.done !== undefined);
// Only requests that were alone in flight (the warm-up runs 8 at a time).
const alone = sent.filter(
  (c, i) =>
    (i === 0 || sent[i - 1].done < c.create) &&
    (i + 1 >= sent.length || sent[i + 1].create > c.done),
);
for (const c of alone) {
  const kind = kindOf(c.url);
  if (kind === 'sequential') continue;
  add(kind, '= client total (create → done)', c.done - c.create);
  add(kind, 'client create → sent', c.sent - c.create);
  if (kind === 'floor') {
    const s = within(sortedSandbox, c.sent, c.done, c.url);
    if (!s) continue;
    add(kind, 'client sent → sandbox start', s.start - c.sent);
    add(kind, 'sandbox start → head (20 ms delay + handler)', s.head - s.start);
    add(kind, 'sandbox head → client headers', c.headers - s.head);
    add(kind, 'client headers → done', c.done - c.headers);
    chain(kind, [
      ['load generator sends', c.sent - c.create],
      ['→ upstream receives (the hop there)', s.start - c.sent],
      ['upstream: delay and answer written', s.head - s.start],
      ['→ caller has the answer (the hop back)', c.done - s.head],
    ]);
    continue;
  }
  const r = within(sortedServers, c.sent, c.done);
  if (!r || r.up.length === 0 || r.head === undefined) continue;
  const ups = r.up
    .filter((u) => u.sent !== undefined && u.done !== undefined)
    .map((u) => ({ ...u, s: within(sortedSandbox, u.sent, u.headers, u.url) }));
  if (ups.some((u) => !u.s)) continue;
  const last = ups.reduce((a, b) => (b.done > a.done ? b : a));
  const minOf = (f) => Math.min(...ups.map(f));
  const maxOf = (f) => Math.max(...ups.map(f));
  add(kind, 'client sent → server start', r.start - c.sent);
  add(kind, 'server start → first upstream created', minOf((u) => u.create) - r.start);
  add(kind, 'server start → first upstream sent', minOf((u) => u.sent) - r.start);
  add(kind, 'server start → last upstream sent', maxOf((u) => u.sent) - r.start);
  add(
    kind,
    'upstream sent → sandbox start (max of 5)',
    maxOf((u) => u.s.start - u.sent),
  );
  add(
    kind,
    'sandbox start spread (last − first)',
    maxOf((u) => u.s.start) - minOf((u) => u.s.start),
  );
  for (const u of ups) add(kind, 'sandbox start → head, each (all 5)', u.s.head - u.s.start);
  add(
    kind,
    'sandbox start → head, max of 5',
    maxOf((u) => u.s.head - u.s.start),
  );
  add(kind, 'sandbox head spread (last − first)', maxOf((u) => u.s.head) - minOf((u) => u.s.head));
  add(
    kind,
    'last sandbox head − last sandbox start',
    maxOf((u) => u.s.head) - maxOf((u) => u.s.start),
  );
  add(
    kind,
    'sandbox head → upstream headers (max of 5)',
    maxOf((u) => u.headers - u.s.head),
  );
  add(kind, 'last sandbox head → last upstream done', last.done - maxOf((u) => u.s.head));
  add(kind, 'last upstream done → server head', r.head - last.done);
  add(kind, 'server head → client headers', c.headers - r.head);
  add(kind, 'client headers → done', c.done - c.headers);
  chain(kind, [
    ['load generator sends', c.sent - c.create],
    ['→ server receives', r.start - c.sent],
    ['server: until the last-answering upstream request is sent', last.sent - r.start],
    ['→ upstream receives (the hop there)', last.s.start - last.sent],
    ['upstream: delay and answer written', last.s.head - last.s.start],
    ['→ server has the answer (the hop back)', last.done - last.s.head],
    ['server: last answer → response written', r.head - last.done],
    ['→ load generator has the response', c.done - r.head],
  ]);
}
for (const [kind, table] of hops) {
  console.log(
    `\n${kind} (${table.get('client create → sent')?.length ?? 0} requests), ms p50 / p90:`,
  );
  for (const [name, values] of table) {
    console.log(
      `  ${name.padEnd(46)} ${at(values, 0.5)?.toFixed(3)} / ${at(values, 0.9)?.toFixed(3)}`,
    );
  }
}

console.log('\nCritical path (through the upstream answer that finished last), means in ms:');
for (const [kind, { n, sums }] of chains) {
  const total = [...sums.values()].reduce((a, b) => a + b, 0) / n;
  console.log(`  ${kind} (${n}): total ${total.toFixed(3)}`);
  for (const [name, sum] of sums) console.log(`    ${name.padEnd(62)} ${(sum / n).toFixed(3)}`);
}
