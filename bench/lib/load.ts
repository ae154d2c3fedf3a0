// Load generation over undici keep-alive pools: closed loop (fixed concurrency) and open loop (fixed rate).
import { Pool } from 'undici';
import { sessionHeaders } from './session';

export interface LatencySummary {
  count: number;
  errors: number;
  p50: number;
  p99: number;
  /** Completed requests per second over the run. */
  throughput: number;
}

export function summarise(latencies: number[], errors: number, elapsedMs: number): LatencySummary {
  const sorted = latencies.toSorted((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
  return {
    count: sorted.length,
    errors,
    p50: at(0.5),
    p99: at(0.99),
    throughput: (sorted.length / elapsedMs) * 1000,
  };
}

async function once(pool: Pool, path: string, headers: Record<string, string>): Promise<boolean> {
  const response = await pool.request({ method: 'GET', path, headers });
  await response.body.dump();
  return response.statusCode === 200;
}

/** `concurrency` workers each sending back-to-back until `total` requests or `durationMs` pass. */
export async function closedLoop(
  url: string,
  options: { concurrency: number; total?: number; durationMs?: number },
): Promise<LatencySummary> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: options.concurrency, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const start = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : start + options.durationMs;
  const total = options.total ?? Infinity;
  const path = target.pathname + target.search;
  const headers = sessionHeaders(url);
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (sent < total && performance.now() < deadline) {
        sent += 1;
        const t0 = performance.now();
        const ok = await once(pool, path, headers).catch(() => false);
        if (ok) latencies.push(performance.now() - t0);
        else errors += 1;
      }
    }),
  );
  const elapsed = performance.now() - start;
  await pool.close();
  return summarise(latencies, errors, elapsed);
}

/** Connections an open-loop run opens before it starts (more than it keeps busy at the rates used). */
const warmConnections = 32;

/**
 * Sends at a fixed rate whatever the responses do, and measures each latency from the moment the
 * request was *due*, so queueing delay is counted (no coordinated omission).
 */
export async function openLoop(
  url: string,
  options: { ratePerSecond: number; durationMs: number },
): Promise<LatencySummary> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: 512, pipelining: 1 });
  const path = target.pathname + target.search;
  const headers = sessionHeaders(url);
  // Connections are opened before the run, by a burst that is not measured, then the server is
  // left to settle: opened under load, their connects were charged to the run's first requests
  // (which clustered among the slowest), on every path alike.
  await Promise.all(
    Array.from({ length: warmConnections }, () => once(pool, path, headers).catch(() => false)),
  );
  await new Promise((r) => setTimeout(r, 100));
  const latencies: number[] = [];
  let errors = 0;
  const interval = 1000 / options.ratePerSecond;
  const count = Math.floor((options.durationMs / 1000) * options.ratePerSecond);
  // A count, not a promise per request: thousands of them retained until the end of the run
  // were the load generator's own garbage, and its GC pauses were charged to the path measured.
  let settled = 0;
  let allSettled = () => {};
  const done = new Promise<void>((resolve) => (allSettled = resolve));
  const record = (from: number, ok: boolean) => {
    if (ok) latencies.push(performance.now() - from);
    else errors += 1;
    settled += 1;
    if (settled === count) allSettled();
  };
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    // From the earlier of the due time and the send: a request sent late counts the generator's
    // delay (no coordinated omission), one sent early (a wait under the timer's 1 ms grain is not
    // slept) counts from when it left, never from a due time still ahead (negative latencies).
    const from = Math.min(due, performance.now());
    once(pool, path, headers).then(
      (ok) => record(from, ok),
      () => record(from, false),
    );
  }
  if (count > 0) await done;
  const elapsed = performance.now() - start;
  await pool.close();
  return summarise(latencies, errors, elapsed);
}

export const median = (values: number[]) => {
  const sorted = values.toSorted((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
};
