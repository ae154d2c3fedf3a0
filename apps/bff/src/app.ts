// createApp(deps): the whole BFF as one Hono app plus its lifecycle. No runtime-specific imports here.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { requestId } from 'hono/request-id';
import type { UpgradeWebSocket } from 'hono/ws';
import { createEventBus, type EventBus } from './events/event-bus';
import { createHealthRoutes, type ReadinessCheck } from './health/health.routes';
import type { AppEnv } from './http/app-env';
import { createErrorHandler, handleNotFound } from './http/errors';
import type { Logger } from './http/logger';
import { requestLog } from './http/request-log';
import { requireJson } from './http/require-json';
import { createSampler } from './metrics/sampler';
import { createRealtimeRoutes } from './realtime/realtime.routes';
import { createStreamHub, type StreamHub } from './realtime/stream-hub';
import type { Sandbox } from './sandbox/sandbox';
import { createSandboxRoutes } from './sandbox/sandbox.routes';
import { createTrafficGenerator } from './sandbox/traffic';
import type { HttpTransport } from './upstreams/http-transport';
import type { Catalog } from './upstreams/integrations';
import { createUpstreamClient } from './upstreams/upstream-client';
import { runView } from './views/run-view';
import { createViewRoutes } from './views/views.routes';

export interface AppDeps {
  catalog: Catalog;
  transport: HttpTransport;
  upgradeWebSocket: UpgradeWebSocket;
  logger: Logger;
  /** Monotonic milliseconds, for durations. */
  now: () => number;
  /** Present when the sandbox runs: mounts its control API and drives demo traffic. */
  sandbox?: { controls: Sandbox; trafficPerSecond: number };
  /** The built console: static assets, and index.html for client-side routes. */
  web?: { assets: MiddlewareHandler; index: () => Promise<Response | undefined> };
  readiness?: Record<string, ReadinessCheck>;
  sampleIntervalMs?: number;
}

export interface SwitchboardApp {
  app: OpenAPIHono<AppEnv>;
  bus: EventBus;
  hub: StreamHub;
  /** Starts timers: per-second samples and sandbox traffic. */
  start(): void;
  /** Readiness turns 503 so load balancers stop sending new work. */
  beginShutdown(): void;
  /** Stops timers and ends every live stream with 1001 (going away). */
  stop(): void;
}

/**
 * @example
 * const sb = createApp({ catalog, transport, upgradeWebSocket, logger, now: () => performance.now() });
 * sb.start(); serve({ fetch: sb.app.fetch });
 */
export function createApp(deps: AppDeps): SwitchboardApp {
  const { catalog, logger, now } = deps;
  const bus = createEventBus(logger);
  const hub = createStreamHub({ bufferSize: 120 });
  const client = createUpstreamClient({
    integrations: catalog.integrations,
    transport: deps.transport,
    bus,
    now,
  });
  const sampler = createSampler(
    catalog.integrations.map((i) => i.name),
    () => Date.now(),
  );
  bus.subscribe(sampler.record);
  let shuttingDown = false;

  const app = new OpenAPIHono<AppEnv>();
  app.use('*', requestId());
  app.use('*', async function closeConnectionsWhileDraining(c, next) {
    await next();
    // Kept-alive connections would otherwise hold shutdown open until the grace period ends.
    if (shuttingDown) c.header('connection', 'close');
  });
  app.use('*', requestLog(logger, now));
  app.use('/api/*', requireJson());
  app.onError(createErrorHandler(logger));

  app.route(
    '/',
    createHealthRoutes({
      ...deps.readiness,
      accepting: () => (shuttingDown ? 'shutting down' : undefined),
    }),
  );
  app.route('/', createViewRoutes({ client, now, views: catalog.views }));
  app.route(
    '/',
    createRealtimeRoutes({
      hub,
      upgradeWebSocket: deps.upgradeWebSocket,
      sseHeartbeatMs: 15_000,
      sseMaxQueued: 256,
    }),
  );
  if (deps.sandbox) app.route('/', createSandboxRoutes(deps.sandbox.controls));

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

  const overview = catalog.views.find((v) => v.name === 'overview');
  const traffic =
    deps.sandbox && overview
      ? createTrafficGenerator(deps.sandbox.trafficPerSecond, () =>
          runView({ client, now }, overview, AbortSignal.timeout(overview.deadlineMs)),
        )
      : undefined;
  let sampleTimer: ReturnType<typeof setInterval> | undefined;

  return {
    app,
    bus,
    hub,
    start() {
      sampleTimer ??= setInterval(
        () => hub.publish(sampler.flush()),
        deps.sampleIntervalMs ?? 1000,
      );
      traffic?.start();
    },
    beginShutdown() {
      shuttingDown = true;
    },
    stop() {
      clearInterval(sampleTimer);
      sampleTimer = undefined;
      traffic?.stop();
      hub.closeAll(1001, 'server shutting down');
    },
  };
}
