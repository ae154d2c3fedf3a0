// Composes metrics history, synthetic checks and alert rules over one upstream engine and event bus:
// the metrics engine closes a second, which is written to the store, judged by the alert rules and
// handed to any other listener (e.g. the live stream).
import type { Catalog } from '@switchboard/shared/catalog';
import type { MetricsSecond } from '@switchboard/shared/metrics';
import { createAlertEvaluator, createWebhookNotifier } from '../alerts/alert-evaluator';
import { createAlertRoutes } from '../alerts/alerts.routes';
import type { IncidentStore } from '../alerts/incident-store';
import type { EventBus } from '../events/event-bus';
import type { Logger } from '../http/logger';
import type { UpstreamEngine } from '../upstreams/upstream-engine';
import { createMetricsEngine, type IntegrationGauges, type MetricsEngine } from './metrics-engine';
import type { MetricsStore } from './metrics-store';
import { createMetricsRoutes } from './metrics.routes';
import { createSyntheticChecks, type SyntheticChecks } from './synthetic-checks';

/** What the runtime provides: where history and incidents are kept. */
export interface ObservabilityDeps {
  metricsStore: MetricsStore;
  incidents: IncidentStore;
  /** Run the catalog's synthetic health checks (default true). */
  syntheticChecks?: boolean;
  /** How often old metrics are pruned; default one minute. */
  pruneEveryMs?: number;
}

export interface Observability {
  metrics: MetricsEngine;
  checks: SyntheticChecks;
  routes: [ReturnType<typeof createMetricsRoutes>, ReturnType<typeof createAlertRoutes>];
  /** Called with every closed second after it has been handed to the store and the alert rules. */
  onSecond(listener: (second: MetricsSecond) => void): () => void;
  /** Closes the open second now and waits until it is stored and judged (shutdown, tests). */
  flush(): Promise<void>;
  start(): void;
  stop(): void;
}

/** Live state of one integration from the engine, the same figures GET /api/integrations shows. */
export function integrationGauges(
  engine: UpstreamEngine,
  queueState?: (name: string) => { queueDepth: number; deadLetters: number } | undefined,
): (name: string) => IntegrationGauges | undefined {
  return (name) => {
    const integration = engine.integrations.get(name);
    if (!integration) return undefined;
    const breaker = integration.breaker.snapshot();
    return {
      breaker: breaker.state,
      distanceToTrip: breaker.distanceToTrip,
      bulkhead: integration.bulkhead.snapshot(),
      rateLimitHeadroom: integration.limiter.snapshot().headroom,
      ...queueState?.(name),
    };
  };
}

/**
 * @example
 * const observability = createObservability({ catalog, engine, bus, logger, now: Date.now, metricsStore, incidents });
 * observability.start(); // ticks every second, runs due health checks, prunes every minute
 */
export function createObservability(
  deps: ObservabilityDeps & {
    catalog: Catalog;
    engine: UpstreamEngine;
    bus: EventBus;
    logger: Logger;
    /** Epoch milliseconds. */
    now: () => number;
    /** Queue depth and dead letters of the jobs calling each integration, when there is a queue. */
    queueState?: (name: string) => { queueDepth: number; deadLetters: number } | undefined;
  },
): Observability {
  const { logger, now } = deps;
  const integrations = Object.keys(deps.catalog.integrations);
  const listeners = new Set<(second: MetricsSecond) => void>();
  const target = deps.catalog.notify;
  const notify =
    target &&
    createWebhookNotifier({ url: target.webhookUrl, timeoutMs: target.timeoutMs, logger });
  const alerts = createAlertEvaluator({
    rules: deps.catalog.alerts,
    integrations,
    incidents: deps.incidents,
    publish: (event) => deps.bus.publish(event),
    ...(notify && { notify: (event) => void notify(event) }),
    logger,
  });
  let pending: Promise<unknown>[] = [];
  let deferredClose: ReturnType<typeof setTimeout> | undefined;
  const metrics = createMetricsEngine({
    integrations,
    integrationState: integrationGauges(deps.engine, deps.queueState),
    now,
    // The first upstream event of each second closes the last one; its store write, roll-ups and
    // alert rules then run just after that request's turn of the event loop, not inside it.
    defer(task) {
      deferredClose = setTimeout(() => {
        deferredClose = undefined;
        task();
      }, 0);
    },
    onSecond(second) {
      const stored = deps.metricsStore
        .write(second)
        .catch((err: unknown) => logger.error({ err: String(err) }, 'writing metrics failed'));
      pending.push(stored, alerts.evaluate(second));
      for (const listener of listeners) listener(second);
    },
  });
  const checks = createSyntheticChecks({
    catalog: deps.catalog,
    caller: deps.engine,
    disabled: (name) => deps.engine.integrations.get(name)?.controls.enabled === false,
  });
  let offBus: (() => void) | undefined = deps.bus.subscribe(metrics.record);
  let ticker: ReturnType<typeof setInterval> | undefined;
  let pruner: ReturnType<typeof setInterval> | undefined;

  return {
    metrics,
    checks,
    routes: [
      createMetricsRoutes({ store: deps.metricsStore, integrations, now }),
      createAlertRoutes({ incidents: deps.incidents, now }),
    ],
    onSecond(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async flush() {
      metrics.flush();
      const waiting = pending;
      pending = [];
      await Promise.all(waiting);
    },
    start() {
      void alerts
        .restore()
        .catch((err: unknown) =>
          logger.warn({ err: String(err) }, 'restoring open incidents failed'),
        );
      ticker ??= setInterval(() => {
        metrics.tick(now());
        pending = [];
        if (deps.syntheticChecks ?? true) void checks.runDue(now());
      }, 1000);
      pruner ??= setInterval(() => {
        deps.metricsStore
          .prune(now())
          .catch((err: unknown) => logger.warn({ err: String(err) }, 'pruning metrics failed'));
      }, deps.pruneEveryMs ?? 60_000);
    },
    stop() {
      // A second already closed is still written, as it was when closing was synchronous.
      clearTimeout(deferredClose);
      deferredClose = undefined;
      metrics.settle();
      clearInterval(ticker);
      clearInterval(pruner);
      ticker = pruner = undefined;
      checks.stop();
      offBus?.();
      offBus = undefined;
    },
  };
}
