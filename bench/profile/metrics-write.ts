// Profiling aid: how long the per-second metrics write holds the event loop, with SQLite's
// automatic checkpoint (inside a COMMIT) and with the WAL checkpointed from a worker
// (runtime/node/sqlite-wal-checkpointer.ts). Writes `seconds` closed seconds of the fan-out catalog
// (5 integrations, 100 calls each a second) into a fresh file database each way, pinned to one
// core, and prints p50 / p90 / p99 / max of the synchronous part of `store.write` in ms.
// `npx tsx profile/metrics-write.ts [seconds]`
import type { MetricsSecond } from '@switchboard/shared/metrics';
import { upstreamCall } from '@switchboard/bff/events/fixtures';
import { createMetricsEngine } from '@switchboard/bff/metrics/metrics-engine';
import { openDatabase } from '@switchboard/bff/runtime/node/sqlite';
import {
  closeWithCheckpointer,
  startWalCheckpointer,
} from '@switchboard/bff/runtime/node/sqlite-wal-checkpointer';
import { createSqliteMetricsStore } from '@switchboard/bff/runtime/node/sqlite-metrics-store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pinSelf } from '../lib/fan-out-stack';

const count = Number(process.argv[2] ?? '600');
const integrations = ['users', 'payments', 'email', 'email-backup', 'analytics'];
pinSelf(1);

function traffic(start: number): MetricsSecond[] {
  let t = start;
  const out: MetricsSecond[] = [];
  const engine = createMetricsEngine({
    integrations,
    integrationState: () => ({
      breaker: 'closed',
      distanceToTrip: 5,
      bulkhead: { active: 0, queued: 0, maxConcurrent: 16, maxQueue: 32 },
      rateLimitHeadroom: 1,
    }),
    now: () => t,
    onSecond: (s) => out.push(s),
  });
  for (let k = 0; k < count; k++) {
    t = start + k * 1000;
    for (let i = 0; i < 100; i++)
      for (const name of integrations)
        engine.record(upstreamCall(name, { latencyMs: 20 + (i % 7) }));
    engine.tick(t + 1000);
  }
  return out;
}

const at = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN;
const seconds = traffic(Date.UTC(2026, 10, 22, 10, 0, 0));
for (const mode of [
  'automatic checkpoint',
  'checkpoint worker',
  'automatic checkpoint',
  'checkpoint worker',
]) {
  const dir = mkdtempSync(join(tmpdir(), 'metrics-write-'));
  const db = openDatabase(dir);
  // The same settings as the main database in runtime/node/server.ts.
  if (mode === 'checkpoint worker')
    startWalCheckpointer(db, { intervalMs: 1_000, boundPages: 8_000 });
  const store = createSqliteMetricsStore(db);
  const took: number[] = [];
  for (const second of seconds) {
    const t0 = performance.now();
    const written = store.write(second);
    took.push(performance.now() - t0);
    await written;
    // About a second's worth of other work between writes is not simulated; a short pause lets
    // the worker run as it would between two seconds.
    await new Promise((r) => setTimeout(r, 2));
  }
  await closeWithCheckpointer(db);
  rmSync(dir, { recursive: true, force: true });
  took.sort((a, b) => a - b);
  console.log(
    `${mode.padEnd(22)} ${count} writes: p50 ${at(took, 0.5).toFixed(2)}  p90 ${at(took, 0.9).toFixed(2)}  p99 ${at(took, 0.99).toFixed(2)}  max ${at(took, 1).toFixed(2)} ms`,
  );
}
