// Webhook ingest benchmark (issue 7): the real BFF route `POST /webhooks/:source` (verify the
// Standard Webhooks signature on the raw body, dedupe by webhook-id, enqueue durably, log, 202)
// against a bare Hono route that only computes the same HMAC. Both servers on core 1, the load
// generator in its own process on core 0; closed loop over keep-alive connections, every delivery
// with a fresh id (none is a duplicate); the two alternated, medians and ranges over rounds.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startChild } from './lib/child';
import { startInteractive } from './lib/interactive';
import { median, type LatencySummary } from './lib/load';

const rounds = Number(process.env.BENCH_ROUNDS ?? '5');
const durationMs = Number(process.env.BENCH_WEBHOOK_MS ?? '4000');
const connections = Number(process.env.BENCH_WEBHOOK_CONNECTIONS ?? '64');
// Another checkout's BFF (e.g. a worktree of the commit before a change) as a third target, so
// before and after are measured in the same run: BENCH_WEBHOOK_BASELINE=/path/to/checkout.
const baselineTree = process.env.BENCH_WEBHOOK_BASELINE;
// A subset of the targets while iterating (e.g. `ingest,reference`); all of them by default.
const only = process.env.BENCH_WEBHOOK_TARGETS?.split(',').filter(Boolean);
const serverCore = 1;
const loadCore = 0;

/** CPU milliseconds the process has used so far (Linux; clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Waits until the process uses under 5 % of a core over 500 ms (at most 120 s). */
async function settle(pid: number): Promise<void> {
  const deadline = performance.now() + 120_000;
  let last = cpuMs(pid);
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = cpuMs(pid);
    if (now - last <= 25) return;
    last = now;
  }
}

const spread = (each: number[], digits = 0) =>
  `${median(each).toFixed(digits)} [${Math.min(...each).toFixed(digits)}–${Math.max(...each).toFixed(digits)}]`;

export async function webhookIngestBenchmark(): Promise<void> {
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const bff = await startChild<{ url: string }>('../servers/webhook-bff.ts', [secret], serverCore);
  // The same BFF with its queue's workers stopped: ingest alone (verify + dedupe + enqueue, as the
  // issue defines it), without the `webhook.process` jobs' CPU on the same core.
  const ingest = await startChild<{ url: string }>(
    '../servers/webhook-bff.ts',
    [secret, 'processing-paused'],
    serverCore,
  );
  const reference = await startChild<{ url: string }>(
    '../servers/webhook-reference.ts',
    [secret],
    serverCore,
  );
  // The least a durable ingest can do here (servers/webhook-bare-durable.ts): HMAC, an in-memory
  // dedupe, a group-committed append + fdatasync, node:http. Not a target: where the floor is.
  const bare = await startChild<{ url: string }>(
    '../servers/webhook-bare-durable.ts',
    [secret],
    serverCore,
  );
  const load = await startInteractive<{ ready: boolean }>(
    '../clients/webhook-load.ts',
    [secret],
    loadCore,
  );
  const baseline = baselineTree
    ? await startChild<{ url: string }>(
        `${baselineTree}/bench/servers/webhook-bff.ts`,
        [secret],
        serverCore,
      )
    : undefined;
  const targets = { bff, ingest, reference, bare, ...(baseline && { baseline }) };
  type Name = 'bff' | 'ingest' | 'reference' | 'bare' | 'baseline';
  const names = (
    ['bff', 'ingest', 'reference', 'bare', ...(baseline ? ['baseline' as const] : [])] as Name[]
  ).filter((name) => only === undefined || only.includes(name));
  const results: Record<
    Name,
    { summary: LatencySummary; cpuUs: number; settledCpuUs: number; settleMs: number }[]
  > = {
    bff: [],
    ingest: [],
    reference: [],
    bare: [],
    baseline: [],
  };
  const runOn = async (name: Name, ms: number) => {
    const target = targets[name];
    if (!target) throw new Error(`no ${name} server`);
    const before = cpuMs(target.pid);
    const summary = await load.ask<LatencySummary>({
      url: target.info.url,
      connections,
      durationMs: ms,
    });
    const count = Math.max(1, summary.count);
    const cpuUs = ((cpuMs(target.pid) - before) / count) * 1000;
    if (summary.errors > 0) throw new Error(`${name}: ${summary.errors} deliveries failed`);
    // A BFF whose queue processes the deliveries is still busy with the backlog after the load
    // stops; on the shared core that work would land in the next target's run. Wait until it is
    // idle, and count what it spent meanwhile against its own deliveries (processing included).
    const settleStart = performance.now();
    await settle(target.pid);
    const settleMs = performance.now() - settleStart;
    const settledCpuUs = ((cpuMs(target.pid) - before) / count) * 1000;
    return { summary, cpuUs, settledCpuUs, settleMs };
  };
  try {
    console.log(
      `\nWebhook ingest: ${connections} connections, ${durationMs} ms per run, ${rounds} rounds (servers on core ${serverCore}, load on core ${loadCore})`,
    );
    for (const name of names) await runOn(name, 1500); // warm-up: JIT, pools, queue.db
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + r) % names.length] as Name;
        const result = await runOn(name, durationMs);
        results[name].push(result);
        console.log(
          `  round ${r + 1} ${name.padEnd(9)} ${result.summary.throughput.toFixed(0).padStart(6)}/s  p50 ${result.summary.p50.toFixed(2)} ms  p99 ${result.summary.p99.toFixed(2)} ms  server CPU ${result.cpuUs.toFixed(0)} µs/req, until idle ${result.settledCpuUs.toFixed(0)} µs/req (${(result.settleMs / 1000).toFixed(1)} s)`,
        );
      }
    }
    console.log('\nmedian [range]:');
    for (const name of names) {
      const each = results[name];
      console.log(
        `  ${name.padEnd(9)} ${spread(each.map((e) => e.summary.throughput))}/s, p50 ${spread(
          each.map((e) => e.summary.p50),
          2,
        )} ms, p99 ${spread(
          each.map((e) => e.summary.p99),
          2,
        )} ms, server CPU ${spread(each.map((e) => e.cpuUs))} µs/req, until idle ${spread(
          each.map((e) => e.settledCpuUs),
        )} µs/req`,
      );
    }
    const ofReference = (name: Name) =>
      results[name].map(
        (b, i) => b.summary.throughput / (results.reference[i]?.summary.throughput ?? NaN),
      );
    const cpuOfReference = (name: Name) =>
      results[name].map((b, i) => b.cpuUs / (results.reference[i]?.cpuUs ?? NaN));
    const verdict = (ratios: number[]) => (median(ratios) >= 0.7 ? 'met' : 'MISSED');
    const ingestRatios = ofReference('ingest');
    const bffRatios = ofReference('bff');
    console.log(
      `  ingest (processing paused) / reference throughput: ${spread(ingestRatios, 2)}x (target >= 0.7) ${verdict(ingestRatios)}; server CPU per request ${spread(cpuOfReference('ingest'), 2)}x`,
    );
    console.log(
      `  bff (processing running) / reference throughput: ${spread(bffRatios, 2)}x (target >= 0.7) ${verdict(bffRatios)}; server CPU per request ${spread(cpuOfReference('bff'), 2)}x`,
    );
    if (results.bare.length > 0)
      console.log(
        `  bare durable ingest (HMAC + dedupe + append, fdatasync) / reference throughput: ${spread(ofReference('bare'), 2)}x; server CPU per request ${spread(cpuOfReference('bare'), 2)}x; ingest / bare throughput ${spread(
          results.ingest.map(
            (b, i) => b.summary.throughput / (results.bare[i]?.summary.throughput ?? NaN),
          ),
          2,
        )}x`,
      );
    if (baseline) {
      console.log(
        `  baseline (${baselineTree}) / reference throughput: ${spread(ofReference('baseline'), 2)}x; bff / baseline: ${spread(
          results.bff.map(
            (b, i) => b.summary.throughput / (results.baseline[i]?.summary.throughput ?? NaN),
          ),
          2,
        )}x throughput, ${spread(
          results.bff.map((b, i) => b.cpuUs / (results.baseline[i]?.cpuUs ?? NaN)),
          2,
        )}x CPU per request`,
      );
    }
  } finally {
    await load.stop();
    await Promise.all([bff.stop(), ingest.stop(), reference.stop(), bare.stop(), baseline?.stop()]);
  }
}
