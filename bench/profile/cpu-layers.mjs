// Profiling aid: busy CPU of a .cpuprofile per request, by layer (the nearest frame of a known layer).
// `WINDOW_S=10 node profile/cpu-layers.mjs CPU.….cpuprofile <requests>`; TOP_LAYER=hono lists its functions.
/* global process, console */
import { readFileSync } from 'node:fs';
const prof = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const markers = [
  ['bus:telemetry-metrics', (f) => f.url.includes('telemetry/metrics.ts')],
  [
    'bus:metrics-engine',
    (f) =>
      f.url.includes('metrics-engine.ts') ||
      f.url.includes('bucket.ts') ||
      f.url.includes('observability.ts'),
  ],
  ['bus:sampler', (f) => f.url.includes('sampler.ts')],
  ['bus:recent-calls', (f) => f.url.includes('recent-calls.ts')],
  ['bus:other', (f) => f.functionName === 'publish' && f.url.includes('event-bus')],
  [
    'transport',
    (f) =>
      f.url.includes('undici-transport.ts') ||
      f.url.includes('egress-guard') ||
      f.url.includes('ip-ranges'),
  ],
  ['undici', (f) => f.url.includes('/undici/lib/')],
  [
    'engine',
    (f) =>
      f.url.includes('upstreams/upstream-engine') ||
      f.url.includes('/resilience/') ||
      f.url.includes('upstreams/trace'),
  ],
  ['run-view', (f) => f.url.includes('views/run-view')],
  ['view-route', (f) => f.url.includes('views/views.routes')],
  ['zod-validator', (f) => f.url.includes('validator/validator.js') || f.url.includes('zod')],
  ['mw:security-headers', (f) => f.url.includes('security-headers')],
  ['mw:client-ip', (f) => f.url.includes('client-ip')],
  [
    'mw:rate-limit',
    (f) => f.url.includes('security/rate-limit') || f.url.includes('rate-limiter-flexible'),
  ],
  ['mw:auth', (f) => f.url.includes('/auth/')],
  [
    'mw:telemetry',
    (f) =>
      f.url.includes('telemetry/telemetry') ||
      f.url.includes('traceparent') ||
      f.url.includes('prom-client'),
  ],
  ['mw:request-log', (f) => f.url.includes('request-log')],
  ['mw:compress', (f) => f.url.includes('compress')],
  ['mw:request-id', (f) => f.url.includes('request-id')],
  ['mw:other-app', (f) => f.url.includes('apps/bff/src/')],
  ['hono', (f) => f.url.includes('/hono/dist/')],
  ['node-server', (f) => f.url.includes('@hono/node-server')],
  ['node-http', (f) => f.url.startsWith('node:_http')],
  ['peer', (f) => f.url.includes('peer.ts')],
];
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const cat = new Map();
const catOf = (id) => {
  if (cat.has(id)) return cat.get(id);
  const n = byId.get(id);
  if (n.callFrame.functionName === '(idle)') {
    cat.set(id, 'idle');
    return 'idle';
  }
  if (n.callFrame.functionName === '(garbage collector)') {
    cat.set(id, 'gc');
    return 'gc';
  }
  const m = markers.find(([, t]) => t(n.callFrame));
  const r = m ? m[0] : parent.has(id) ? catOf(parent.get(id)) : 'other';
  cat.set(id, r);
  return r;
};
const windowMs = Number(process.env.WINDOW_S ?? '0') * 1000;
let t = prof.startTime;
const times = prof.timeDeltas.map((d) => (t += d));
const cutoff = windowMs > 0 ? prof.endTime - windowMs * 1000 : -Infinity;
const counts = new Map();
let total = 0;
prof.samples.forEach((s, i) => {
  if (times[i] < cutoff) return;
  const c = catOf(s);
  counts.set(c, (counts.get(c) ?? 0) + 1);
  total++;
});
const idle = counts.get('idle') ?? 0;
const busyMs = (total - idle) * ((prof.endTime - Math.max(prof.startTime, cutoff)) / 1000 / total);
const reqs = Number(process.argv[3] ?? '0');
console.log(
  `busy ${busyMs.toFixed(0)} ms over window; per request ${(reqs ? (busyMs / reqs) * 1000 : 0).toFixed(0)} µs`,
);
for (const [k, v] of [...counts].sort((a, b) => b[1] - a[1]))
  if (k !== 'idle')
    console.log(
      `${((v / (total - idle)) * 100).toFixed(1).padStart(5)}%  ${reqs ? ((((v / (total - idle)) * busyMs) / reqs) * 1000).toFixed(0).padStart(5) + ' µs' : ''}  ${k}`,
    );
if (process.env.TOP_LAYER) {
  const per = busyMs / Math.max(1, total - idle);
  const m = new Map();
  prof.samples.forEach((s, i) => {
    if (times[i] < cutoff || catOf(s) !== process.env.TOP_LAYER) return;
    const f = byId.get(s).callFrame;
    const k = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  });
  console.log(`-- ${process.env.TOP_LAYER}, self time by function`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 25)))
    console.log(`${(reqs ? ((v * per) / reqs) * 1000 : v * per).toFixed(1).padStart(7)} µs  ${k}`);
}
