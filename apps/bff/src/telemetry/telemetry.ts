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
import { parseTraceparent, type TraceParent } from './traceparent';

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
  /**
   * The server span and HTTP metrics of a request served without a Hono context (the webhook
   * ingest on Node's own listener): the same span and metrics the hook records.
   */
  startServerSpan: (traceparent: string | undefined) => ServerSpan;
  /** `GET /metrics`, when there is a registry. */
  routes: OpenAPIHono<AppEnv>;
  metrics: TelemetryMetrics | undefined;
  /** Sends the spans still queued; call on shutdown. */
  flush(): Promise<void>;
  /** Stops reading the bus. */
  stop(): void;
}

/** A request's server span while it runs; `end` records it and its HTTP metrics once. */
export interface ServerSpan {
  trace: { traceId: string; spanId: string };
  end(method: string, route: string, path: string, status: number, requestId?: string): void;
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

  const startServerSpan = (traceparent: string | undefined): ServerSpan =>
    new RequestSpan(parseTraceparent(traceparent), wallNow(), clock.now(), clock, metrics, spans);
  const hook: RequestHook = function traceRequest(c) {
    const span = startServerSpan(c.req.header('traceparent'));
    c.set('trace', span.trace);
    // Runs on the final response: errors further down come back as the error handler's.
    return function endServerSpan(c) {
      span.end(c.req.method, routePatternOf(c), c.req.path, c.res.status, c.get('requestId'));
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
    startServerSpan,
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

/**
 * A request's server span. A class, not an object literal with a `get trace()` accessor: V8
 * allocates a literal's accessor functions in old space, and from there they kept their closure's
 * context (the ids, the inbound trace, the span) alive through scavenges, so every request's span
 * was promoted, to wait for a full GC (≈ 400 KB a scavenge at 3000 requests/s, and scavenges 3–4×
 * as long: bench/RESULTS.md, leak9).
 */
class RequestSpan implements ServerSpan {
  /** Drawn when first read: a request nobody logs or exports (the webhook ingest with its log
   * line off and no span exporter) costs no ids. */
  private ids: { traceId: string; spanId: string } | undefined;

  constructor(
    private readonly inbound: TraceParent | undefined,
    private readonly startedWall: number,
    private readonly started: number,
    private readonly clock: Clock,
    private readonly metrics: TelemetryMetrics | undefined,
    private readonly spans: SpanExporter | undefined,
  ) {}

  get trace(): { traceId: string; spanId: string } {
    return (this.ids ??= { traceId: this.inbound?.traceId ?? newTraceId(), spanId: newSpanId() });
  }

  end(method: string, route: string, path: string, status: number, requestId?: string): void {
    const { inbound, startedWall, spans } = this;
    const durationMs = this.clock.now() - this.started;
    this.metrics?.recordRequest({ method, route, status, durationSeconds: durationMs / 1000 });
    if (!spans) return;
    const { traceId, spanId } = this.trace;
    spans.export({
      traceId,
      spanId,
      ...(inbound && { parentSpanId: inbound.parentId }),
      name: `${method} ${route}`,
      kind: 'server',
      startMs: startedWall,
      endMs: startedWall + durationMs,
      attributes: {
        'http.request.method': method,
        'http.route': route,
        'url.path': path,
        'http.response.status_code': status,
        ...(requestId && { 'switchboard.request_id': requestId }),
      },
      // Server spans: only 5xx are errors (a 4xx is the caller's, per the HTTP semantic conventions).
      status: status >= 500 ? { code: 'error', message: `HTTP ${status}` } : { code: 'unset' },
    });
  }
}
