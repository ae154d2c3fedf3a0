// Profiling aid: what a benchmark server's event loop was doing when its requests were slow.
// Loaded into the servers with `BENCH_NODE_ARGS="--import ./profile/stall-trace.mjs"`; at exit it
// writes one JSON file per process to STALL_TRACE_DIR (default /tmp/stall-trace) with
// - every inbound request: path, start (headers parsed) and finish, CLOCK_MONOTONIC ms, and the
//   client's port, as flat quadruples [path index, start, finish, port] (`paths` names the indexes);
// - every outbound undici request (the load generator's) as [created, headers sent, answer's
//   headers, done, local port];
// - every GC pause V8 reports (start, duration, kind: 1 scavenge, 2 mark-compact, 4 incremental,
//   8 weak callbacks), on the same clock;
// - every timer, immediate or interval callback that ran for ≥ 0.1 ms, with its function's name,
//   the start of its source and the process CPU time it took, on the same clock.
// Summarise with `node profile/stall-report.mjs [dir]`.
/* global process, performance, setTimeout, setInterval, setImmediate */
import dc from 'node:diagnostics_channel';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import timers from 'node:timers';

const dir = process.env.STALL_TRACE_DIR ?? '/tmp/stall-trace';
const now = () => Number(process.hrtime.bigint()) / 1e6;
// performance.now() is relative to timeOrigin; map it onto the hrtime clock once.
const offset = now() - performance.now();
// Requests are kept in a preallocated typed array (path code, start, finish): an object per request
// would survive into the old generation and change the very GC pauses being traced.
const capacity = 1_000_000;
const requestTimes = new Float64Array(capacity * 4);
let requestCount = 0;
const paths = new Map();
const gcs = [];
const tasks = [];
const kStart = Symbol('stall-trace start');
// Outbound requests (undici; the load generator's): create, headers sent, answer's headers, done,
// and the local port, so a request can be matched with the server's record of it (pipelining 1:
// one connection carries its requests one after another).
const clientTimes = new Float64Array(capacity * 5);
let clientCount = 0;
const kClient = Symbol('stall-trace client');
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();

dc.subscribe('http.server.request.start', ({ request }) => {
  request[kStart] = now();
});
dc.subscribe('http.server.response.finish', ({ request }) => {
  const start = request[kStart];
  if (start === undefined || requestCount >= capacity) return;
  let code = paths.get(request.url);
  if (code === undefined) paths.set(request.url, (code = paths.size));
  const at = requestCount++ * 4;
  requestTimes[at] = code;
  requestTimes[at + 1] = start;
  requestTimes[at + 2] = now();
  requestTimes[at + 3] = request.socket?.remotePort ?? 0;
});
dc.subscribe('undici:request:create', ({ request }) => {
  if (clientCount >= capacity) return;
  const at = clientCount++ * 5;
  clientTimes[at] = now();
  request[kClient] = at;
});
const clientStamp =
  (slot) =>
  ({ request, socket }) => {
    const at = request[kClient];
    if (at === undefined) return;
    clientTimes[at + slot] = now();
    if (socket) clientTimes[at + 4] = socket.localPort ?? 0;
  };
dc.subscribe('undici:client:sendHeaders', clientStamp(1));
dc.subscribe('undici:request:headers', clientStamp(2));
dc.subscribe('undici:request:trailers', clientStamp(3));

new PerformanceObserver((list) => {
  for (const entry of list.getEntries())
    gcs.push([entry.startTime + offset, entry.duration, entry.detail?.kind ?? entry.kind]);
}).observe({ entryTypes: ['gc'] });

// Named by the function's name and the start of its source, read only when it ran long: a stack
// per scheduled timer would cost more than what is being measured.
const label = (fn, kind) =>
  `${kind} ${fn.name || '(anonymous)'}: ${String(fn).replace(/\s+/g, ' ').slice(0, 120)}`;
const wrap = (fn, kind) => {
  if (typeof fn !== 'function') return fn;
  return function traced(...args) {
    const t0 = now();
    const c0 = process.cpuUsage();
    try {
      return fn.apply(this, args);
    } finally {
      const t1 = now();
      if (t1 - t0 >= 0.1) {
        // Process CPU (all threads; the process is pinned to one core, so a helper thread's CPU
        // in this window also kept the loop from running).
        const c = process.cpuUsage(c0);
        tasks.push([t0, t1 - t0, label(fn, kind), (c.user + c.system) / 1000]);
      }
    }
  };
};
for (const [target, key] of [
  [globalThis, 'setTimeout'],
  [globalThis, 'setInterval'],
  [globalThis, 'setImmediate'],
  [timers, 'setTimeout'],
  [timers, 'setInterval'],
  [timers, 'setImmediate'],
]) {
  const original = target[key];
  target[key] = function tracedTimer(fn, ...rest) {
    return original.call(this, wrap(fn, key), ...rest);
  };
}
void setTimeout;
void setInterval;
void setImmediate;

// The main thread's CPU time and time spent runnable but waiting for a core (kernel schedstat, ns),
// every 10 ms while STALL_TRACE_SCHED is set: tells a loop that was busy from one that was not
// given a core (other processes on its pinned core).
const sched = [];
if (process.env.STALL_TRACE_SCHED) {
  const read = () => {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    sched.push(now(), Number(run) / 1e6, Number(wait) / 1e6);
  };
  const original = globalThis.setInterval;
  original(read, 10).unref();
}

process.on('exit', () => {
  const script = process.argv.find((a) => /\.[cm]?[jt]s$/.test(a) && !a.includes('node_modules'));
  const name = (script ?? 'node').split('/').pop();
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}/${name}-${process.pid}.json`,
    JSON.stringify({
      paths: [...paths.keys()],
      requests: Array.from(requestTimes.subarray(0, requestCount * 4)),
      client: Array.from(clientTimes.subarray(0, clientCount * 5)),
      gcs,
      tasks,
      sched,
      eventLoopDelayMs: {
        p50: delay.percentile(50) / 1e6,
        p99: delay.percentile(99) / 1e6,
        max: delay.max / 1e6,
      },
    }),
  );
});
