// Standard telemetry for one app: the inbound trace context and server span, HTTP metrics by route
// pattern, and the bus readers that turn upstream events into Prometheus metrics and client spans.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { EventBus } from '../events/event-bus';
import type { AppEnv } from '../http/app-env';
import type { RequestHook } from '../http/request-frame';
import type { Clock } from '../resilience/clock';
import { spanId as newSpanId, traceId as newTraceId } from '../upstreams/trace';
import { createTelemetryMetrics, type MetricsRegistry, type TelemetryMetrics } from './metrics';
import { createMetricsRoutes } from './metrics.routes';
import { attemptSpan, type SpanExporter } from './spans';
import { parseTraceparent } from './traceparent';

/** What the runtime provides: each piece is optional, and missing ones cost nothing. */
export interface TelemetryOptions {
  /** The Prometheus registry (prom-client on Node); without it `/metrics` is not served. */
  metricsRegistry?: MetricsRegistry;
  /** When set, `/metrics` needs `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** Where finished spans go (e.g. OTLP); without it no span is built. */
  spans?: SpanExporter;
}

export interface TelemetryDeps extends TelemetryOptions {
  bus: EventBus;
  clock: Clock;
  wallNow: () => number;
  /** Known integrations, so their breaker gauges exist from the start. */
  integrations: readonly string[];
}

export interface Telemetry {
  /** Mount before the request log: it sets `trace`, which the log lines carry. */
  middleware: MiddlewareHandler<AppEnv>;
  /** The same as a part of the request frame (`http/request-frame`), before the request log's. */
  hook: RequestHook;
  /** `GET /metrics`, when there is a registry. */
  routes: OpenAPIHono<AppEnv>;
  metrics: TelemetryMetrics | undefined;
  /** Sends the spans still queued; call on shutdown. */
  flush(): Promise<void>;
  /** Stops reading the bus. */
  stop(): void;
}

/**
 * The matched route pattern, not the path: `/api/views/:name` for every view, so labels stay few.
 * Middleware (method ALL) and wildcard routes are skipped; what only they matched is `unmatched`
 * (404) or `other` (e.g. static assets).
 */
export function routePatternOf(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i -= 1) {
    const route = routes[i];
    if (route && route.method !== 'ALL' && !route.path.includes('*')) return route.path;
  }
  return c.res.status === 404 ? 'unmatched' : 'other';
}

/**
 * @example
 * const telemetry = createTelemetry({ bus, clock, wallNow: Date.now, integrations, ...deps.telemetry });
 * app.use('*', telemetry.middleware); app.route('/', telemetry.routes);
 */
export function createTelemetry(deps: TelemetryDeps): Telemetry {
  const { clock, wallNow, spans } = deps;
  const metrics = deps.metricsRegistry
    ? createTelemetryMetrics(deps.metricsRegistry, deps.integrations)
    : undefined;
  const unsubscribe: Array<() => void> = [];
  if (metrics) unsubscribe.push(deps.bus.subscribe(metrics.record));
  if (spans) {
    unsubscribe.push(
      deps.bus.subscribe((event) => {
        if (event.type !== 'upstream.attempt') return;
        const span = attemptSpan(event);
        if (span) spans.export(span);
      }),
    );
  }

  const hook: RequestHook = function traceRequest(c) {
    const inbound = parseTraceparent(c.req.header('traceparent'));
    const trace = { traceId: inbound?.traceId ?? newTraceId(), spanId: newSpanId() };
    c.set('trace', trace);
    const startedWall = wallNow();
    const started = clock.now();
    // Runs on the final response: errors further down come back as the error handler's.
    return function endServerSpan(c) {
      const durationMs = clock.now() - started;
      const status = c.res.status;
      const route = routePatternOf(c);
      metrics?.recordRequest({
        method: c.req.method,
        route,
        status,
        durationSeconds: durationMs / 1000,
      });
      spans?.export({
        traceId: trace.traceId,
        spanId: trace.spanId,
        ...(inbound && { parentSpanId: inbound.parentId }),
        name: `${c.req.method} ${route}`,
        kind: 'server',
        startMs: startedWall,
        endMs: startedWall + durationMs,
        attributes: {
          'http.request.method': c.req.method,
          'http.route': route,
          'url.path': c.req.path,
          'http.response.status_code': status,
          ...(c.get('requestId') && { 'switchboard.request_id': c.get('requestId') }),
        },
        // Server spans: only 5xx are errors (a 4xx is the caller's, per the HTTP semantic conventions).
        status: status >= 500 ? { code: 'error', message: `HTTP ${status}` } : { code: 'unset' },
      });
    };
  };
  const middleware: MiddlewareHandler<AppEnv> = async function traceRequestMiddleware(c, next) {
    const after = hook(c);
    await next();
    after?.(c);
  };

  return {
    middleware,
    hook,
    routes: metrics
      ? createMetricsRoutes({
          metrics,
          ...(deps.metricsToken !== undefined && { token: deps.metricsToken }),
        })
      : new OpenAPIHono<AppEnv>(),
    metrics,
    flush: () => spans?.flush() ?? Promise.resolve(),
    stop() {
      for (const off of unsubscribe.splice(0)) off();
    },
  };
}
