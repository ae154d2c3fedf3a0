// /api/metrics and /api/incidents over a real server with the sandbox, and history surviving a restart.
import { IncidentListSchema } from '@switchboard/shared/alerts';
import type { BusEvent } from '@switchboard/shared/events';
import { MetricsResponseSchema } from '@switchboard/shared/metrics';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signIn, testEnv } from '../auth/test-session';
import { loadConfig } from '../config/config';
import { silentLogger } from '../http/logger';
import { startServer, type RunningServer } from '../runtime/node/server';

const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-metrics-http-'));
const servers: RunningServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start() {
  const server = await startServer(
    loadConfig(testEnv({ SWITCHBOARD_DATA_DIR: dataDir })),
    silentLogger,
  );
  servers.push(server);
  const observability = server.switchboard.observability;
  if (!observability) throw new Error('metrics are not wired');
  return { server, observability };
}

describe('GET /api/metrics', () => {
  it('returns series with percentiles after sandbox traffic, and keeps them across a restart', async () => {
    const { server, observability } = await start();
    const viewer = await signIn(server.url, 'viewer');
    const calls: BusEvent[] = [];
    server.switchboard.bus.subscribe((e) => {
      if (e.type === 'upstream.call') calls.push(e);
    });
    for (let i = 0; i < 5; i++) await viewer.json('/api/views/overview');
    // A synthetic check, run by hand rather than waiting for its interval.
    await observability.checks.runDue(Date.now());
    await observability.flush();

    const users = calls.filter((e) => e.type === 'upstream.call' && e.integration === 'users');
    // Five view calls plus the synthetic one, which skipped the cache and is marked.
    expect(users).toHaveLength(6);
    expect(users.filter((e) => e.type === 'upstream.call' && e.synthetic)).toHaveLength(1);

    const body = MetricsResponseSchema.parse(
      await viewer.json('/api/metrics?range=15m&integration=users&operations=true'),
    );
    expect(body.stepSec).toBe(1);
    const total = body.series.find((s) => s.operation === null);
    const summary = body.series.find((s) => s.operation === 'summary');
    const sum = (key: 'calls' | 'retries') => (total?.points ?? []).reduce((n, p) => n + p[key], 0);
    expect(sum('calls')).toBe(6);
    expect(summary?.points.reduce((n, p) => n + p.calls, 0)).toBe(6);
    const busy = total?.points.filter((p) => p.calls > 0) ?? [];
    expect(busy.length).toBeGreaterThan(0);
    for (const p of busy) {
      expect(p.p50Ms).not.toBeNull();
      expect(p.p99Ms ?? 0).toBeGreaterThanOrEqual(p.p50Ms ?? 0);
      expect(p.breaker).toBe('closed');
    }
    expect(busy.reduce((n, p) => n + p.synthetic.calls, 0)).toBe(1);
    expect(busy.some((p) => p.health === 'up')).toBe(true);

    // Every integration appears without a filter, idle or not.
    const all = MetricsResponseSchema.parse(await viewer.json('/api/metrics?range=24h'));
    expect(all.stepSec).toBe(120);
    expect(all.series.map((s) => s.integration)).toEqual([
      'analytics',
      'email',
      'email-backup',
      'identity',
      'payments',
      'users',
    ]);
    expect(IncidentListSchema.parse(await viewer.json('/api/incidents')).items).toEqual([]);
    const refused = await viewer.fetch('/api/incidents/1/ack', { method: 'POST' });
    expect(refused.status).toBe(403);
    const unknown = await viewer.fetch('/api/metrics?integration=nope');
    expect(unknown.status).toBe(404);

    await server.close();
    const again = await start();
    const admin = await signIn(again.server.url);
    const after = MetricsResponseSchema.parse(
      await admin.json('/api/metrics?range=1h&integration=users'),
    );
    expect(after.stepSec).toBe(5);
    expect(after.series[0]?.points.reduce((n, p) => n + p.calls, 0)).toBe(6);
  });
});
