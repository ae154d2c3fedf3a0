// Profiling aid: per-request stage timestamps of a benchmark process, with no change to its code.
// Loaded into the servers with `BENCH_NODE_ARGS="--import ./profile/stage-trace.mjs"` (and into the
// load generator with `node --import ./profile/stage-trace.mjs --import tsx …`); it listens on
// Node's and undici's diagnostics channels and, at exit, writes one JSON file per process to
// STAGE_TRACE_DIR (default /tmp/stage-trace): for each inbound request its start (headers parsed),
// when its response headers were written (`writeHead`: the answer leaves) and its finish; for each
// outbound request (undici), when it was created, sent its headers, got the answer's headers and
// finished, attributed to the inbound request that started last (exact at one request at a time),
// or listed apart when the process serves none (the load generator); the sockets opened and
// accepted (a pool that keeps its connections opens them once); and the event-loop delay histogram
// (1 ms resolution). Times are CLOCK_MONOTONIC milliseconds (`process.hrtime`), which is one clock
// for every process on the machine, so stages line up across processes.
// Summarise with `node profile/stage-report.mjs [dir]` and `node profile/stage-hops.mjs [dir]`.
/* global process */
import dc from 'node:diagnostics_channel';
import { mkdirSync, writeFileSync } from 'node:fs';
import { ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const dir = process.env.STAGE_TRACE_DIR ?? '/tmp/stage-trace';
const now = () => Number(process.hrtime.bigint()) / 1e6;
const records = [];
const client = [];
const sockets = { opened: 0, accepted: 0 };
const upstreamOf = new WeakMap();
const recordOf = new WeakMap();
let current;
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();

dc.subscribe('http.server.request.start', ({ request, response }) => {
  current = { start: now(), url: request.url, port: request.socket.localPort, up: [] };
  recordOf.set(request, current);
  recordOf.set(response, current);
});
dc.subscribe('http.server.response.finish', ({ request }) => {
  const record = recordOf.get(request);
  if (!record) return;
  record.finish = now();
  records.push(record);
});
const writeHead = ServerResponse.prototype.writeHead;
ServerResponse.prototype.writeHead = function tracedWriteHead(...args) {
  const record = recordOf.get(this);
  if (record && record.head === undefined) record.head = now();
  return writeHead.apply(this, args);
};
dc.subscribe('undici:request:create', ({ request }) => {
  const upstream = { create: now(), url: `${request.origin}${request.path}` };
  if (current) current.up.push(upstream);
  else client.push(upstream);
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
dc.subscribe('net.client.socket', () => (sockets.opened += 1));
dc.subscribe('net.server.socket', () => (sockets.accepted += 1));

process.on('exit', () => {
  const script = process.argv.find((a) => /\.[cm]?[jt]s$/.test(a) && !a.includes('node_modules'));
  const name = (script ?? 'node').split('/').pop();
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}/${name}-${process.pid}.json`,
    JSON.stringify({
      records,
      client,
      sockets,
      eventLoopDelayMs: {
        p50: delay.percentile(50) / 1e6,
        p99: delay.percentile(99) / 1e6,
        max: delay.max / 1e6,
      },
    }),
  );
});
