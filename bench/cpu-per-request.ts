// CPU per request: server CPU time (utime + stime from /proc/<pid>/stat) over a closed-loop run,
// divided by the requests served. Steadier than latency or throughput on a shared VM, where a
// server waiting for a core shows up in every timing but not in its own CPU time. Two parts: the
// breaker-open view against /healthz and the same-middleware constant, and the fan-out view
// against the peer. Run it on two commits to compare them.
import { request } from 'undici';
import { readFileSync } from 'node:fs';
import { sessionHeaders, useSession } from './lib/session';
import { startChild } from './lib/child';
import { startFanOutStack } from './lib/fan-out-stack';
import { closedLoop, median } from './lib/load';

const rounds = Number(process.env.BENCH_ROUNDS ?? '5');
/** `BENCH_PARTS=fan-out` (or `breaker-open`) runs one part only; both by default. */
const parts = (process.env.BENCH_PARTS ?? 'breaker-open,fan-out').split(',');
const serverCore = 1;
const upstreamCore = 0;

/** CPU milliseconds the process has used so far (Linux; clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** µs of server CPU per request for each target, the targets rotated every round. */
async function measure(
  targets: Record<string, { url: string; pid: number }>,
  options: { concurrency: number; durationMs: number },
): Promise<Record<string, number[]>> {
  const names = Object.keys(targets);
  for (const name of names)
    await closedLoop(targets[name]?.url ?? '', {
      concurrency: options.concurrency,
      durationMs: 1000,
    });
  const out: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length] ?? '';
      const target = targets[name];
      if (!target) continue;
      const before = cpuMs(target.pid);
      const run = await closedLoop(target.url, options);
      out[name]?.push(((cpuMs(target.pid) - before) / Math.max(1, run.count)) * 1000);
    }
  }
  return out;
}

const spread = (each: number[]) =>
  `${median(each).toFixed(0)} [${Math.min(...each).toFixed(0)}–${Math.max(...each).toFixed(0)}]`;

function report(title: string, results: Record<string, number[]>, reference: string[]) {
  console.log(`\n${title}: server CPU µs per request, median [range] of ${rounds} rounds`);
  for (const [name, each] of Object.entries(results))
    console.log(`  ${name.padEnd(10)} ${spread(each)}`);
  const view = results.view ?? [];
  for (const ref of reference) {
    const ratios = view.map((v, i) => v / (results[ref]?.[i] ?? NaN));
    console.log(
      `  view / ${ref}: ${median(ratios).toFixed(2)}x [${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}]`,
    );
  }
}

export async function cpuPerRequestBenchmark(): Promise<void> {
  const stops: Array<{ stop(): Promise<void> }> = [];
  try {
    if (parts.includes('breaker-open')) await breakerOpenPart(stops);
    if (parts.includes('fan-out')) await fanOutPart(stops);
  } finally {
    for (const child of stops.reverse()) await child.stop();
  }
}

async function breakerOpenPart(stops: Array<{ stop(): Promise<void> }>): Promise<void> {
  const breaker = await startChild<{ bff: string; cookie: string }>(
    '../servers/breaker-open.ts',
    [],
    serverCore,
  );
  stops.push(breaker);
  const { bff } = breaker.info;
  useSession(bff, breaker.info.cookie);
  const forced = await request(`${bff}/api/integrations/users/breaker`, {
    method: 'POST',
    headers: { ...sessionHeaders(bff), 'content-type': 'application/json' },
    body: JSON.stringify({ action: 'force-open' }),
  });
  await forced.body.dump();
  if (forced.statusCode !== 200) throw new Error(`force-open: HTTP ${forced.statusCode}`);
  const pid = breaker.pid;
  report(
    'Breaker open (8 connections, 2.5 s a path)',
    await measure(
      {
        healthz: { url: `${bff}/healthz`, pid },
        constant: { url: `${bff}/api/views/-/constant`, pid },
        view: { url: `${bff}/api/views/users`, pid },
      },
      { concurrency: 8, durationMs: 2500 },
    ),
    ['healthz', 'constant'],
  );
}

async function fanOutPart(stops: Array<{ stop(): Promise<void> }>): Promise<void> {
  const stack = await startFanOutStack({ server: serverCore, upstreams: upstreamCore });
  stops.push(stack);
  const { switchboard, peer } = stack;
  // A view whose sources failed fast would look cheap: make sure all five answer first.
  const viewUrl = `${switchboard.info.bff}/api/views/overview`;
  const check = await request(viewUrl, { headers: sessionHeaders(viewUrl) });
  const body = (await check.body.json()) as { sources?: Record<string, { status: string }> };
  const statuses = Object.values(body.sources ?? {}).map((s) => s.status);
  if (check.statusCode !== 200 || statuses.length !== 5 || statuses.some((s) => s !== 'ok'))
    throw new Error(
      `the fan-out view is not healthy: HTTP ${check.statusCode}, ${statuses.join(', ')}`,
    );
  report(
    'Fan-out over 5 upstreams at 20 ms (16 connections, 3 s a path)',
    await measure(
      {
        view: { url: viewUrl, pid: switchboard.pid },
        peer: { url: `${peer.info.url}/fanout`, pid: peer.pid },
      },
      { concurrency: 16, durationMs: 3000 },
    ),
    ['peer'],
  );
}
