// Prometheus metrics from the event bus (upstream calls, attempts, breakers, rate limits) and from
// the inbound HTTP middleware, over a small registry port the runtime implements (prom-client on Node).
import type { BreakerState, BusEvent } from '@switchboard/shared/events';

export type Labels = Record<string, string>;

/** The registry port: one instance per app, so several servers in one process never mix counts. */
export interface MetricsRegistry {
  counter(name: string, help: string, labelNames: readonly string[]): MetricCounter;
  histogram(
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: readonly number[],
  ): MetricHistogram;
  gauge(name: string, help: string, labelNames: readonly string[]): MetricGauge;
  /** The whole registry in the Prometheus text exposition format. */
  render(): Promise<{ contentType: string; body: string }>;
}
export interface MetricCounter {
  inc(labels: Labels, value?: number): void;
}
export interface MetricHistogram {
  observe(labels: Labels, value: number): void;
}
export interface MetricGauge {
  set(labels: Labels, value: number): void;
}

/** Upstream latencies: from a cached or local answer (ms) to a slow provider near its timeout. */
export const upstreamBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
/** Inbound requests, which include views fanning out to several providers. */
export const httpBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

const breakerValue: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export interface InboundRequest {
  method: string;
  /** The matched route pattern (e.g. `/api/views/:name`), never the raw path: bounded cardinality. */
  route: string;
  status: number;
  durationSeconds: number;
}

export interface TelemetryMetrics {
  /** A bus reader: `bus.subscribe(metrics.record)`. */
  record: (event: BusEvent) => void;
  recordRequest: (request: InboundRequest) => void;
  render: MetricsRegistry['render'];
}

/**
 * Declares Switchboard's metrics on `registry`; breaker gauges start at 0 (closed) for each known
 * integration so a dashboard sees them before the first transition.
 * @example const metrics = createTelemetryMetrics(registry, ['users']); bus.subscribe(metrics.record);
 */
export function createTelemetryMetrics(
  registry: MetricsRegistry,
  integrations: readonly string[],
): TelemetryMetrics {
  const calls = registry.counter(
    'switchboard_upstream_calls_total',
    'Upstream calls (after retries, cache, fallback and failover), by outcome',
    ['integration', 'operation', 'outcome', 'kind', 'provider', 'cache'],
  );
  const attempts = registry.counter(
    'switchboard_upstream_attempts_total',
    'Attempts at upstream operations (a call makes one or more)',
    ['integration', 'operation', 'outcome', 'kind'],
  );
  const callDuration = registry.histogram(
    'switchboard_upstream_call_duration_seconds',
    'Duration of whole upstream calls, retries and waits included',
    ['integration', 'operation', 'outcome'],
    upstreamBuckets,
  );
  const attemptDuration = registry.histogram(
    'switchboard_upstream_attempt_duration_seconds',
    'Duration of single upstream attempts',
    ['integration', 'operation', 'outcome'],
    upstreamBuckets,
  );
  const breaker = registry.gauge(
    'switchboard_breaker_state',
    'Circuit breaker state per integration: 0 closed, 1 half-open, 2 open',
    ['integration'],
  );
  const headroom = registry.gauge(
    'switchboard_rate_limit_headroom',
    'Share of the outbound rate limit still available (0..1), as of the last call',
    ['integration'],
  );
  const requests = registry.counter(
    'switchboard_http_requests_total',
    'Inbound HTTP requests by route pattern and status',
    ['method', 'route', 'status'],
  );
  const requestDuration = registry.histogram(
    'switchboard_http_request_duration_seconds',
    'Inbound HTTP request duration by route pattern and status',
    ['method', 'route', 'status'],
    httpBuckets,
  );
  for (const integration of integrations) breaker.set({ integration }, 0);

  return {
    record(event) {
      switch (event.type) {
        case 'upstream.call':
          calls.inc({
            integration: event.integration,
            operation: event.operation,
            outcome: event.outcome,
            kind: event.kind ?? 'none',
            provider: event.provider,
            cache: event.cache,
          });
          callDuration.observe(
            { integration: event.integration, operation: event.operation, outcome: event.outcome },
            event.latencyMs / 1000,
          );
          headroom.set({ integration: event.integration }, event.rateLimitHeadroom);
          return;
        case 'upstream.attempt':
          attempts.inc({
            integration: event.integration,
            operation: event.operation,
            outcome: event.outcome,
            kind: event.kind ?? 'none',
          });
          attemptDuration.observe(
            { integration: event.integration, operation: event.operation, outcome: event.outcome },
            event.latencyMs / 1000,
          );
          headroom.set({ integration: event.integration }, event.rateLimitHeadroom);
          return;
        case 'breaker.transition':
          breaker.set({ integration: event.integration }, breakerValue[event.to]);
          return;
        default:
          // Events other readers care about (future types) are not metrics here.
          return;
      }
    },
    recordRequest(request) {
      const labels = {
        method: request.method,
        route: request.route,
        status: String(request.status),
      };
      requests.inc(labels);
      requestDuration.observe(labels, request.durationSeconds);
    },
    render: () => registry.render(),
  };
}
