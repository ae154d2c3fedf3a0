// createApp(deps): the whole BFF as one Hono app plus its lifecycle. No runtime-specific imports here.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { createAdminRoutes } from './auth/admin.routes';
import type { AuthServices } from './auth/auth-services';
import { createAuthRoutes } from './auth/auth.routes';
import { createOidcRoutes, revokeProviderTokens } from './auth/oidc.routes';
import type { OidcClient } from './auth/oidc/oidc-client';
import { identify, principalOf, requireRole } from './auth/guards';
import { isAllowedOrigin, requireSameOrigin, type OriginPolicy } from './auth/request-origin';
import type { LoginThrottle } from './security/login-throttle';
import { bodyLimit } from './security/body-limit';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { accessTokenOf } from './auth/cookies';
import { rateLimit, rateLimitPolicyHeader } from './security/rate-limit';
import { securityHeaderSets, securityHeadersHook } from './security/security-headers';
import type { UpgradeWebSocket } from 'hono/ws';
import { createEventBus, type EventBus } from './events/event-bus';
import { createHealthRoutes, type ReadinessCheck } from './health/health.routes';
import type { AppEnv } from './http/app-env';
import { createCachedRouter } from './http/cached-router';
import { createErrorHandler, handleNotFound } from './http/errors';
import type { Logger } from './http/logger';
import { requestFrame } from './http/request-frame';
import { assignRequestId } from './http/request-id';
import { requestLogHook } from './http/request-log';
import { requireJson } from './http/require-json';
import { createSampler } from './metrics/sampler';
import { createQueueSamplePublisher, publishSamples } from './realtime/publish-samples';
import {
  createRealtimeRoutes,
  defaultRealtimeTuning,
  type OpenEventStream,
  type RealtimeTuning,
} from './realtime/realtime.routes';
import { createStreamHub, type StreamHub } from './realtime/stream-hub';
import type { Sandbox } from './sandbox/sandbox';
import { createSandboxRoutes } from './sandbox/sandbox.routes';
import { createTrafficGenerator } from './sandbox/traffic';
import { compress } from 'hono/compress';
import type { Catalog } from '@switchboard/shared/catalog';
import {
  createMemoryControlStore,
  restoreControls,
  type ControlStore,
  type SavedControls,
} from './integrations/control-store';
import { createIntegrationRoutes } from './integrations/integrations.routes';
import { sampleStateOf } from './integrations/live-state';
import { createRecentCalls } from './metrics/recent-calls';
import {
  createObservability,
  type Observability,
  type ObservabilityDeps,
} from './metrics/observability';
import type { Clock } from './resilience/clock';
import type { Authenticator } from './upstreams/auth';
import type { HttpTransport } from './upstreams/http-transport';
import { createUpstreamEngine, type UpstreamEngine } from './upstreams/upstream-engine';
import { runView, type CallerWatch } from './views/run-view';
import { planView, type ViewPlan } from './views/view-plan';
import { createViewRoutes } from './views/views.routes';
import { createViewGet, type ViewGet } from './views/view-get';
import { createTelemetry, type Telemetry, type TelemetryOptions } from './telemetry/telemetry';
import { idempotency } from './idempotency/idempotency';
import type { IdempotencyStore } from './idempotency/idempotency-store';
import type { Queue } from './queue/queue';
import { createQueueRoutes } from './queue/queue.routes';
import type { WebhookLog } from './webhooks/webhook-log';
import { createWebhookProcessor } from './webhooks/webhook-processor';
import {
  createWebhookIngest,
  webhookIngestHandler,
  webhookRoute,
  type WebhookIngest,
} from './webhooks/webhook-ingest';
import { createFlowEngine, type FlowEngine } from './flows/flow-engine';
import type { FlowStore } from './flows/flow-store';
import { createFlowRoutes } from './flows/flows.routes';
import { createQueueMetrics } from './queue/queue-metrics';
import {
  createWebhookRoutes,
  webhookJobType,
  type WebhookSource,
} from './webhooks/webhooks.routes';

/** The queue and what rides on it: idempotency keys, dead letters, inbound webhooks. */
export interface JobsDeps {
  queue: Queue;
  idempotency: IdempotencyStore;
  /** How long an Idempotency-Key is remembered. */
  idempotencyTtlMs: number;
  webhookLog: WebhookLog;
  /** Webhook sources from the catalog, with their active secrets imported as keys. */
  webhookSources: ReadonlyMap<string, WebhookSource>;
  /** How long `stop()` waits for jobs in flight before leaving them to their leases. */
  drainMs: number;
  /** Flow runs and their step states; without it flows are off. */
  flowStore?: FlowStore;
}

/** Inbound defences; the runtime knows the socket address and whether TLS is in front. */
export interface SecurityDeps extends OriginPolicy {
  /** The caller's address (the socket's, or a trusted proxy's X-Forwarded-For). */
  clientIp: (c: Context<AppEnv>) => string;
  loginGuard: LoginThrottle;
  /**
   * Requests per minute: per address for callers without a session, per session for signed-in
   * ones (so operators behind one NAT do not share a budget, and a flood without a session is cut
   * off by address).
   */
  limits: {
    perIpPerMinute: number;
    perSessionPerMinute: number;
    /** Inbound webhook deliveries per sending address (6,000 a minute when unset). */
    webhookPerIpPerMinute?: number;
  };
}

export interface AppDeps {
  catalog: Catalog;
  auth: AuthServices;
  /** Single sign-on, when configured. */
  oidc?: OidcClient;
  security: SecurityDeps;
  transport: HttpTransport;
  /** Builds each integration's authenticator; the secrets it needs stay behind this function. */
  authenticator: (integration: string, config: Catalog['integrations'][string]) => Authenticator;
  upgradeWebSocket: UpgradeWebSocket;
  /** Event streams written straight to the runtime's response (Node); a ReadableStream otherwise. */
  openEventStream?: OpenEventStream;
  /** Learns that a request's caller left without building its AbortSignal (Node); views use it. */
  watchClient?: (c: Context<AppEnv>) => CallerWatch | undefined;
  logger: Logger;
  /** Monotonic time and waits, for durations and policies. */
  clock: Clock;
  random?: () => number;
  /** Present when the sandbox runs: mounts its control API and drives demo traffic. */
  sandbox?: { controls: Sandbox; trafficPerSecond: number };
  /** The built console: static assets, and index.html for client-side routes. */
  web?: { assets: MiddlewareHandler; index: () => Promise<Response | undefined> };
  readiness?: Record<string, ReadinessCheck>;
  sampleIntervalMs?: number;
  /** Prometheus registry, metrics token and span exporter, as the runtime configured them. */
  telemetry?: TelemetryOptions;
  /** Metrics history, synthetic health checks and alert rules; off when absent. */
  observability?: ObservabilityDeps;
  /** Live stream heartbeats and slow-client limits; tests shorten them. */
  realtime?: Partial<RealtimeTuning>;
  /** The durable queue; without it the queue, dead-letter, webhook and idempotency features are off. */
  jobs?: JobsDeps;
  /** Operator controls kept across restarts, and those saved before this start; memory when absent. */
  controls?: { store: ControlStore; saved: ReadonlyMap<string, SavedControls> };
}

export interface SwitchboardApp {
  app: OpenAPIHono<AppEnv>;
  bus: EventBus;
  hub: StreamHub;
  engine: UpstreamEngine;
  /** Metrics and spans; `flush()` on shutdown sends the spans still queued. */
  telemetry: Telemetry;
  /** Present when `deps.observability` was given. */
  observability: Observability | undefined;
  /** The durable queue, when `jobs` was given. */
  queue: Queue | undefined;
  /**
   * `POST /webhooks/:source` without Hono, when `jobs` was given: the Node adapter serves deliveries
   * with it straight from node:http (the app's route answers the same way everywhere else).
   */
  webhookIngest: WebhookIngest | undefined;
  /** The flow engine, when `jobs.flowStore` was given. */
  flows: FlowEngine | undefined;
  /**
   * `GET /api/views/:name` without Hono: the Node adapter answers the views it can answer exactly
   * as the app would straight from node:http, and hands every other request to the app.
   */
  viewGet: ViewGet;
  /** Starts timers: per-second samples and sandbox traffic. */
  start(): void;
  /** Readiness turns 503 so load balancers stop sending new work. */
  beginShutdown(): void;
  /**
   * Stops timers, ends every live stream with 1001 (going away), stops claiming jobs and waits
   * (bounded) for jobs in flight.
   */
  stop(): Promise<void>;
}

const closeConnection = (c: Context<AppEnv>) => c.header('connection', 'close');

/**
 * @example
 * const sb = createApp({ catalog, transport, upgradeWebSocket, logger, now: () => performance.now() });
 * sb.start(); serve({ fetch: sb.app.fetch });
 */
export function createApp(deps: AppDeps): SwitchboardApp {
  const { catalog, logger, clock, auth, security } = deps;
  const now = () => clock.now();
  const bus = createEventBus(logger);
  // About two minutes of samples at 7 messages a second (the set, and one per sandbox integration).
  const hub = createStreamHub({ bufferSize: 1024 });
  const engine = createUpstreamEngine({
    catalog,
    transport: deps.transport,
    bus,
    clock,
    wallNow: Date.now,
    random: deps.random ?? Math.random,
    authenticator: deps.authenticator,
  });
  const controls = deps.controls ?? { store: createMemoryControlStore(), saved: new Map() };
  restoreControls(engine, controls.saved, logger);
  const plans = new Map<string, ViewPlan>(
    Object.entries(catalog.views).map(([name, view]) => [name, planView(name, view)]),
  );
  const sampler = createSampler(Object.keys(catalog.integrations), Date.now, (name) =>
    sampleStateOf(engine, name),
  );
  bus.subscribe(sampler.record);
  const calls = createRecentCalls(1000);
  bus.subscribe(calls.record);
  let shuttingDown = false;

  // Routes are fixed once the app serves: each path's match is remembered (http/cached-router).
  const app = new OpenAPIHono<AppEnv>({ router: createCachedRouter() });
  const onError = createErrorHandler(logger);
  // Inbound webhooks (issue 7) answer from their own lean path (webhooks/webhook-ingest.ts),
  // registered before the app-wide middleware, which a delivery then never runs. Built below.
  let webhookIngest: WebhookIngest | undefined;
  app.post(
    webhookRoute,
    webhookIngestHandler(() => webhookIngest, security.clientIp),
  );
  // --- Telemetry (issue 5): trace context + server span + HTTP metrics per request; bus readers
  // for upstream metrics and client spans. Before the request log, whose lines carry the trace id.
  const telemetry = createTelemetry({
    bus,
    clock,
    wallNow: Date.now,
    integrations: Object.keys(catalog.integrations),
    ...deps.telemetry,
  });
  // --- end telemetry
  // What every request gets, as one middleware (http/request-frame): the parts in the order they
  // would nest as middleware; their after-steps run in reverse on the final response.
  app.use(
    '*',
    requestFrame(
      [
        assignRequestId,
        securityHeadersHook({ isTls: security.isTls }),
        // Kept-alive connections would otherwise hold shutdown open until the grace period ends.
        () => (shuttingDown ? closeConnection : undefined),
        telemetry.hook,
        requestLogHook(logger, now),
        function resolveClientIp(c) {
          c.set('clientIp', security.clientIp(c));
          return undefined;
        },
      ],
      onError,
    ),
  );
  const limitAnonymous = rateLimit({
    name: 'ip',
    points: security.limits.perIpPerMinute,
    durationSec: 60,
    logger,
    subject: 'from this address',
    key: (c) => (c.get('principal') ? undefined : c.get('clientIp')),
  });
  // One counter per session for every way in: the app's chain and the lean view path (viewGet).
  const sessionLimiter = new RateLimiterMemory({
    keyPrefix: 'rl:session',
    points: security.limits.perSessionPerMinute,
    duration: 60,
  });
  const limitSession = rateLimit({
    name: 'session',
    points: security.limits.perSessionPerMinute,
    durationSec: 60,
    limiter: sessionLimiter,
    logger,
    subject: 'for this session',
    key: (c) => c.get('principal')?.sessionId,
  });
  for (const path of ['/api/*', '/auth/*']) {
    app.use(path, identify(auth.sessions), limitAnonymous, limitSession);
  }
  const checkCsrf = requireSameOrigin(security);
  const requireSameOriginExceptWebhooks: MiddlewareHandler<AppEnv> = async (c, next) =>
    // Webhooks are server-to-server: no browser, no cookie, so no CSRF to defend against; each
    // delivery is authenticated by its signature over the raw body instead (webhooks/).
    c.req.path.startsWith('/webhooks/') ? next() : checkCsrf(c, next);
  app.use('*', requireSameOriginExceptWebhooks);
  app.use('/webhooks/*', bodyLimit({ maxBytes: 256 * 1024 }));
  app.use('/api/*', requireJson(), bodyLimit());
  app.use('/auth/*', requireJson(), bodyLimit({ maxBytes: 16 * 1024 }));
  const requireSession: MiddlewareHandler<AppEnv> = async (c, next) => {
    // The API description is public: it documents, it does not disclose data.
    if (c.req.path !== '/api/openapi.json') principalOf(c);
    return next();
  };
  app.use('/api/*', requireSession);
  // Viewers read; every change needs an operator; the admin API needs an admin.
  app.on(['POST', 'PUT', 'PATCH', 'DELETE'], '/api/*', requireRole('operator'));
  app.use('/api/admin/*', requireRole('admin'));
  // --- Queue, idempotency, dead letters, webhooks (issue 7) -------------------------------------
  const jobs = deps.jobs;
  if (jobs) {
    app.on(
      ['POST', 'PUT', 'PATCH', 'DELETE'],
      '/api/*',
      idempotency({
        store: jobs.idempotency,
        ttlMs: jobs.idempotencyTtlMs,
        now: Date.now,
        // Per signed-in user: another user's key never replays someone else's response.
        scope: (c) => principalOf(c).userId,
      }),
    );
  }
  // Flows (issue 7): sync steps inline, async steps and compensations as jobs; runs streamed live.
  const flows =
    jobs?.flowStore &&
    createFlowEngine({
      flows: catalog.flows,
      caller: engine,
      queue: jobs.queue,
      store: jobs.flowStore,
      publish: (run) => hub.publish({ type: 'flow.run', topic: 'flows', at: Date.now(), run }),
      now: Date.now,
      logger,
    });
  if (jobs) {
    flows?.register();
    // Verified deliveries are acknowledged before processing; this is where processing happens:
    // an event type the source maps to a flow starts it, and the log records what it triggered.
    jobs.queue.handle(
      webhookJobType,
      flows
        ? createWebhookProcessor({ sources: jobs.webhookSources, flows, log: jobs.webhookLog })
        : (job) => ({ result: { processed: job.id } }),
      { concurrency: 4 },
    );
  }
  const queueMetrics = jobs && createQueueMetrics(jobs.queue, deps.telemetry?.metricsRegistry);
  // --- end of the queue block --------------------------------------------------------------------
  app.onError(onError);

  app.route(
    '/',
    createHealthRoutes({
      ...deps.readiness,
      accepting: () => (shuttingDown ? 'shutting down' : undefined),
    }),
  );
  app.route('/', telemetry.routes); // GET /metrics (telemetry, issue 5)
  const oidcClient = deps.oidc;
  app.route(
    '/',
    createAuthRoutes({
      accounts: auth.accounts,
      sessions: auth.sessions,
      audit: auth.audit,
      loginGuard: security.loginGuard,
      now: Date.now,
      ...(oidcClient && {
        oidc: {
          name: oidcClient.name,
          logoutUrl: () => oidcClient.logoutUrl(),
          revokeTokens: (tokens: string) => revokeProviderTokens(oidcClient, tokens),
        },
      }),
    }),
  );
  if (deps.oidc)
    app.route(
      '/',
      createOidcRoutes({
        oidc: deps.oidc,
        accounts: auth.accounts,
        sessions: auth.sessions,
        audit: auth.audit,
        now: Date.now,
      }),
    );
  app.route(
    '/',
    createAdminRoutes({
      accounts: auth.accounts,
      sessions: auth.sessions,
      store: auth.store,
      audit: auth.audit,
    }),
  );
  // ---- Metrics history, synthetic health checks, alert rules and incidents (metrics/, alerts/) ----
  const observability =
    deps.observability &&
    createObservability({
      ...deps.observability,
      catalog,
      engine,
      bus,
      logger,
      now: Date.now,
      ...(queueMetrics && { queueState: (name: string) => queueMetrics.integration(name) }),
    });
  if (observability) {
    app.use('/api/metrics', compress());
    for (const routes of observability.routes) app.route('/', routes);
  }
  // ---- end of metrics wiring ----
  app.use('/api/views/*', compress());
  app.use('/api/integrations', compress());
  app.use('/api/calls', compress());
  app.route('/', createViewRoutes({ client: engine, now, plans, watchClient: deps.watchClient }));
  // The same route without Hono, for runtimes that can serve it from their own request (Node).
  const headerSets = securityHeaderSets({});
  const lowerCased = (set: ReadonlyArray<readonly [string, string]>) =>
    set.map(([name, value]) => [name.toLowerCase(), value] as const);
  const securityHeaderLists = {
    plain: lowerCased(headerSets.plain),
    overTls: lowerCased(headerSets.overTls),
  };
  const viewGet = createViewGet({
    client: engine,
    now,
    plans,
    sessions: auth.sessions,
    accessToken: accessTokenOf,
    sessionLimit: {
      limiter: sessionLimiter,
      name: 'session',
      policy: rateLimitPolicyHeader('session', security.limits.perSessionPerMinute, 60),
      subject: 'for this session',
    },
    securityHeaders: (tls) => (tls ? securityHeaderLists.overTls : securityHeaderLists.plain),
    startServerSpan: telemetry.startServerSpan,
    logger,
    shuttingDown: () => shuttingDown,
  });
  app.route(
    '/',
    createIntegrationRoutes({
      engine,
      bus,
      wallNow: Date.now,
      calls,
      clock,
      audit: auth.audit,
      controls: controls.store,
    }),
  );
  app.route(
    '/',
    createRealtimeRoutes({
      hub,
      upgradeWebSocket: deps.upgradeWebSocket,
      openEventStream: deps.openEventStream,
      ...defaultRealtimeTuning,
      ...deps.realtime,
      allowOrigin: (c) => isAllowedOrigin(c, c.req.header('origin'), security),
      onSessionRevoked: (listener) => void auth.sessions.onRevoke(listener),
    }),
  );
  const overview = plans.get('overview');
  const traffic =
    deps.sandbox && overview
      ? createTrafficGenerator(deps.sandbox.trafficPerSecond, () =>
          runView({ client: engine, now }, overview, AbortSignal.timeout(overview.deadlineMs)),
        )
      : undefined;
  app.on(['POST', 'PUT', 'PATCH'], '/api/sandbox/*', async function auditSandboxChange(c, next) {
    await next();
    if (!c.res.ok) return;
    // Validated already (and cached by Hono), so this is the change as applied.
    const change: unknown = await c.req.json().catch(() => null);
    await auth.audit.record({
      action: 'sandbox.changed',
      actor: principalOf(c).username,
      ip: c.get('clientIp'),
      target: `${c.req.method} ${c.req.path}`,
      details: { change },
    });
  });
  if (jobs) {
    app.route('/', createQueueRoutes({ queue: jobs.queue, audit: auth.audit }));
    if (flows && jobs.flowStore)
      app.route('/', createFlowRoutes({ engine: flows, store: jobs.flowStore }));
    webhookIngest = createWebhookIngest({
      sources: jobs.webhookSources,
      queue: jobs.queue,
      log: jobs.webhookLog,
      now: Date.now,
      monotonicNow: now,
      logger,
      // The trace and HTTP metrics every other route gets (the request id and log line are the
      // ingest's own, written alike).
      startServerSpan: telemetry.startServerSpan,
      // Per sending address, ahead of the signature check: a flood of forged deliveries is cut off
      // before it costs an HMAC and a rejected line in the webhook log each.
      rateLimit: { points: security.limits.webhookPerIpPerMinute ?? 6_000, durationSec: 60 },
      shuttingDown: () => shuttingDown,
    });
    app.route('/', createWebhookRoutes({ log: jobs.webhookLog }));
  }
  if (deps.sandbox)
    app.route('/', createSandboxRoutes(deps.sandbox.controls, traffic ? { traffic } : {}));

  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Switchboard BFF',
      version: '0.1.0',
      description: 'Backend-for-frontend and live operator console API.',
    },
  });

  if (deps.web) {
    const { assets, index } = deps.web;
    app.use('*', assets);
    // Client-side routes: a browser navigating to /anything outside the API gets the console.
    app.get('*', async (c, next) => {
      const wantsPage =
        !c.req.path.startsWith('/api/') && (c.req.header('accept') ?? '').includes('text/html');
      const page = wantsPage ? await index() : undefined;
      return page ?? next();
    });
  }
  app.notFound(handleNotFound);

  let sampleTimer: ReturnType<typeof setInterval> | undefined;

  return {
    app,
    bus,
    hub,
    engine,
    telemetry,
    observability,
    queue: jobs?.queue,
    webhookIngest,
    viewGet,
    flows,
    start() {
      const publishQueue = createQueueSamplePublisher(hub);
      sampleTimer ??= setInterval(() => {
        publishSamples(hub, sampler.flush());
        queueMetrics
          ?.sample(Date.now())
          .then(publishQueue)
          .catch((err: unknown) => logger.warn({ err: String(err) }, 'sampling the queue failed'));
      }, deps.sampleIntervalMs ?? 1000);
      traffic?.start();
      observability?.start();
      const startedAt = Date.now();
      jobs?.queue.start();
      // Runs a previous process left under way: finish their sync steps, queue what is ready.
      flows
        ?.recover(startedAt)
        .then((n) => n > 0 && logger.info({ runs: n }, 'resumed unfinished flow runs'))
        .catch((err: unknown) => logger.error({ err: String(err) }, 'flow recovery failed'));
    },
    beginShutdown() {
      shuttingDown = true;
    },
    async stop() {
      clearInterval(sampleTimer);
      sampleTimer = undefined;
      traffic?.stop();
      observability?.stop();
      hub.closeAll(1001, 'server shutting down');
      queueMetrics?.stop();
      if (jobs) await jobs.queue.drain(jobs.drainMs);
    },
  };
}
