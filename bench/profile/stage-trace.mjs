// Profiling aid: per-request stage timestamps of a benchmark server, with no change to its code.
// Loaded into the servers with `BENCH_NODE_ARGS="--import ./profile/stage-trace.mjs"`; it listens
// on Node's and undici's diagnostics channels and, at exit, writes one JSON file per process to
// STAGE_TRACE_DIR (default /tmp/stage-trace): for each inbound request its start (headers parsed)
// and finish, and for each upstream request it made, when undici created it, sent its headers,
// got the answer's headers and finished; plus the event-loop delay histogram (1 ms resolution).
// Times are wall-clock milliseconds (timeOrigin + now), comparable across processes.
// Summarise with `node profile/stage-report.mjs [dir]`.
/* global process, performance */
import dc from 'node:diagnostics_channel';
import { mkdirSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const dir = process.env.STAGE_TRACE_DIR ?? '/tmp/stage-trace';
const now = () => performance.timeOrigin + performance.now();
const records = [];
const upstreamOf = new WeakMap();
const recordOf = new WeakMap();
let current;
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();

dc.subscribe('http.server.request.start', ({ request }) => {
  current = { start: now(), url: request.url, up: [] };
  recordOf.set(request, current);
});
dc.subscribe('http.server.response.finish', ({ request }) => {
  const record = recordOf.get(request);
  if (!record) return;
  record.finish = now();
  records.push(record);
});
// Upstream requests are attributed to the inbound request that started last: exact at one
// request at a time, approximate under concurrency.
dc.subscribe('undici:request:create', ({ request }) => {
  if (!current) return;
  const upstream = { create: now() };
  current.up.push(upstream);
  upstreamOf.set(request, upstream);
});
const stamp =
  (field) =>
  ({ request }) => {
    const upstream = upstreamOf.get(request);
    if (upstream) upstream[field] = now();
  };
dc.subscribe('undici:client:sendHeaders', stamp('sent'));
dc.subscribe('undici:request:headers', stamp('headers'));
dc.subscribe('undici:request:trailers', stamp('done'));

process.on('exit', () => {
  const script = process.argv.find((a) => /\.[cm]?[jt]s$/.test(a) && !a.includes('node_modules'));
  const name = (script ?? 'node').split('/').pop();
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}/${name}-${process.pid}.json`,
    JSON.stringify({
      records,
      eventLoopDelayMs: {
        p50: delay.percentile(50) / 1e6,
        p99: delay.percentile(99) / 1e6,
        max: delay.max / 1e6,
      },
    }),
  );
});
