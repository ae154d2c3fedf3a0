import type { AlertRule } from '@switchboard/shared/alerts';
import { AlertRuleSchema } from '@switchboard/shared/alerts';
import type { BusEvent } from '@switchboard/shared/events';
import type { MetricsSecond } from '@switchboard/shared/metrics';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { upstreamCall } from '../events/fixtures';
import { silentLogger } from '../http/logger';
import { createMetricsEngine, type IntegrationGauges } from '../metrics/metrics-engine';
import { openDatabase } from '../runtime/node/sqlite';
import { createSqliteIncidentStore } from '../runtime/node/sqlite-incident-store';
import { createAlertEvaluator, createWebhookNotifier, type AlertEvent } from './alert-evaluator';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A loopback server that keeps every JSON body POSTed to it; `next(n)` waits for the n-th. */
async function webhookReceiver() {
  const bodies: unknown[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(text));
      res.writeHead(204).end();
      for (const w of waiters.filter((w) => bodies.length >= w.n)) w.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    bodies,
    received: (n: number) =>
      bodies.length >= n
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ n, resolve })),
  };
}

const alertsOf = (events: BusEvent[]) =>
  events.flatMap((e) =>
    e.type === 'alert.fired' || e.type === 'alert.resolved'
      ? [[e.type, e.rule, e.integration]]
      : [],
  );

const gauges = (breaker: IntegrationGauges['breaker'] = 'closed'): IntegrationGauges => ({
  breaker,
  distanceToTrip: breaker === 'open' ? 0 : 5,
  bulkhead: { active: 0, queued: 0, maxConcurrent: 16, maxQueue: 32 },
  rateLimitHeadroom: 1,
});

function setup(
  rules: unknown[],
  notify?: (event: AlertEvent) => void,
  incidents = createSqliteIncidentStore(openDatabase(':memory:')),
) {
  let t = 100_000;
  const events: BusEvent[] = [];
  const state: Record<string, IntegrationGauges> = { users: gauges(), payments: gauges() };
  const alerts = createAlertEvaluator({
    rules: rules.map((r) => AlertRuleSchema.parse(r)) satisfies AlertRule[],
    integrations: Object.keys(state),
    incidents,
    publish: (e) => events.push(e),
    ...(notify && { notify }),
    logger: silentLogger,
  });
  const pending: Promise<void>[] = [];
  const engine = createMetricsEngine({
    integrations: Object.keys(state),
    integrationState: (name) => state[name],
    now: () => t,
    onSecond: (s: MetricsSecond) => pending.push(alerts.evaluate(s)),
  });
  /** One second of traffic to users: `calls` calls, `errors` of them failing with `kind`. */
  const second = async (
    calls: number,
    errors: number,
    latencyMs = 10,
    kind: 'http_5xx' | 'disabled' = 'http_5xx',
  ) => {
    for (let i = 0; i < calls; i++)
      engine.record(
        upstreamCall('users', {
          latencyMs,
          ...(i < errors && { outcome: 'error' as const, kind }),
        }),
      );
    t += 1000;
    engine.tick(t);
    await Promise.all(pending);
  };
  return { second, events, incidents, state, alerts };
}

describe('alert rules', () => {
  it('does not count calls refused by the kill switch towards the error rate', async () => {
    const { second, events } = setup([
      { name: 'users-errors', integration: 'users', when: { errorRateAbove: 0.5, forSec: 1 } },
    ]);
    for (let i = 0; i < 4; i++) await second(10, 10, 1, 'disabled');
    expect(events).toEqual([]);
    // The provider's own failures still count, among the calls that reached it.
    await second(10, 10, 1, 'http_5xx');
    await second(10, 10, 1, 'http_5xx');
    await second(10, 10, 1, 'http_5xx');
    expect(alertsOf(events)).toEqual([['alert.fired', 'users-errors', 'users']]);
  });

  it('fires after forSec of breach, resolves when it clears, keeps the timeline and notifies a webhook', async () => {
    const hook = await webhookReceiver();
    const notify = createWebhookNotifier({ url: hook.url, timeoutMs: 2_000, logger: silentLogger });
    const { second, events, incidents } = setup(
      [{ name: 'users-errors', integration: 'users', when: { errorRateAbove: 0.5, forSec: 3 } }],
      (e) => void notify(e),
    );
    await second(10, 1); // 10 %: clear
    await second(10, 6); // 60 %: breach from 101 s
    await second(10, 7); // held 2 s
    await second(0, 0); // no calls: no verdict, does not break the breach
    expect(events).toEqual([]);
    await second(10, 9); // held 4 s by the end of this second: fires
    expect(events).toMatchObject([
      {
        type: 'alert.fired',
        rule: 'users-errors',
        integration: 'users',
        severity: 'warning',
        message: 'error rate 90.0% above 50.0% for 3 s',
        at: 105_000,
      },
    ]);
    await second(10, 8); // still breaching: nothing new
    expect(events).toHaveLength(1);
    await second(10, 2); // clears: resolves
    expect(events[1]).toMatchObject({ type: 'alert.resolved', at: 107_000, firedAt: 105_000 });

    const [incident] = await incidents.list({ limit: 10 });
    expect(incident).toMatchObject({
      rule: 'users-errors',
      firedAt: 105_000,
      resolvedAt: 107_000,
      acknowledgedAt: null,
    });
    expect(await incidents.acknowledge(incident?.id ?? 0, 108_000, 'ops')).toBe(true);
    expect(await incidents.acknowledge(incident?.id ?? 0, 109_000, 'other')).toBe(false);
    expect(await incidents.get(incident?.id ?? 0)).toMatchObject({
      acknowledgedAt: 108_000,
      acknowledgedBy: 'ops',
    });

    await hook.received(2);
    expect(hook.bodies).toMatchObject([
      {
        source: 'switchboard',
        type: 'alert.fired',
        incidentId: incident?.id,
        integration: 'users',
      },
      { source: 'switchboard', type: 'alert.resolved', incidentId: incident?.id },
    ]);
  });

  it('judges rules without an integration per integration, and breakerOpen / p95 rules', async () => {
    const { second, events, state } = setup([
      { name: 'breakers', when: { breakerOpen: true } },
      { name: 'slow', integration: 'users', when: { p95AboveMs: 200, forSec: 2 } },
    ]);
    state.payments = gauges('open');
    await second(20, 0, 300);
    expect(alertsOf(events)).toEqual([['alert.fired', 'breakers', 'payments']]);
    await second(20, 0, 300);
    state.payments = gauges('closed');
    await second(20, 0, 50);
    expect(alertsOf(events)).toEqual([
      ['alert.fired', 'breakers', 'payments'],
      ['alert.fired', 'slow', 'users'],
      ['alert.resolved', 'slow', 'users'],
      ['alert.resolved', 'breakers', 'payments'],
    ]);
  });

  it('fires when dead letters grow over forSec, and resolves an incident left open by a previous run', async () => {
    const incidents = createSqliteIncidentStore(openDatabase(':memory:'));
    const leftOpen = await incidents.open({
      rule: 'breakers',
      integration: 'payments',
      severity: 'warning',
      message: 'circuit breaker open',
      firedAt: 50_000,
    });
    const rules = [
      { name: 'dead', integration: 'users', when: { deadLettersGrowing: true, forSec: 2 } },
      { name: 'breakers', when: { breakerOpen: true } },
    ];
    const { second, events, state, alerts } = setup(rules, undefined, incidents);
    await alerts.restore();
    for (const deadLetters of [4, 4, 4, 5, 6, 6, 6]) {
      state.users = { ...gauges(), deadLetters };
      await second(0, 0);
    }
    expect(alertsOf(events)).toEqual([
      ['alert.resolved', 'breakers', 'payments'],
      ['alert.fired', 'dead', 'users'],
      ['alert.resolved', 'dead', 'users'],
    ]);
    // 4 → 5 at 103 s is growth over the 2 s window (4 at 101 s): fired at the end of that second;
    // by 106 s the count has stood at 6 since 104 s.
    expect(events.map((e) => e.at)).toEqual([101_000, 104_000, 107_000]);
    expect(await incidents.get(leftOpen)).toMatchObject({ resolvedAt: 101_000 });
  });

  it('a webhook that is down is logged and never blocks evaluation', async () => {
    const warnings: string[] = [];
    const notify = createWebhookNotifier({
      url: 'http://127.0.0.1:9/unreachable',
      timeoutMs: 500,
      logger: { ...silentLogger, warn: (_o, msg) => void warnings.push(msg ?? '') },
    });
    const sent: Promise<void>[] = [];
    const { second, events } = setup([{ name: 'b', when: { breakerOpen: true } }], (e) =>
      sent.push(notify(e)),
    );
    await second(0, 0);
    expect(events).toEqual([]);
    await Promise.all(sent);
    expect(warnings).toEqual([]);
  });
});
