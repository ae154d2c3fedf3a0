// Composes the BFF for Node: picks the port implementations, listens, and knows how to shut down cleanly.
import { getRequestListener, type HttpBindings, type ServerType } from '@hono/node-server';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import type { Catalog, CatalogInput } from '@switchboard/shared/catalog';
import { readFileSync } from 'node:fs';
import { createApp, type SwitchboardApp } from '../../app';
import { loadCatalogFile } from '../../config/catalog-file';
import { parseCatalog } from '../../config/catalog-parse';
import { ConfigError, type Config } from '../../config/config';
import { createProviderTokenRefresher } from '../../auth/oidc.routes';
import { createOidcClient, type OidcClient } from '../../auth/oidc/oidc-client';
import type { RealtimeTuning } from '../../realtime/realtime.routes';
import { collectSecretRefs, createSecretStore, type SecretStore } from '../../config/secrets';
import type { Logger } from '../../http/logger';
import type { PasswordHasher } from '../../auth/passwords';
import { systemClock, type Clock } from '../../resilience/clock';
import { sandboxCatalogConfig } from '../../sandbox/providers';
import { sandboxSecretNames, type SandboxSecrets } from '../../sandbox/provider-auth';
import { createAuthenticator } from '../../upstreams/auth';
import { startSandboxServers, type RunningSandbox } from './sandbox-servers';
import { createSqliteControlStore } from './sqlite-control-store';
import { createNodeStreams } from './node-streams';
import { createStaticAssets } from './static-assets';
import { createUndiciTransport } from './undici-transport';
import type { CallerWatch } from '../../views/run-view';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { createAuthServices } from '../../auth/auth-services';
import { createScryptHasher } from './scrypt-passwords';
import { lockDataDir } from './data-dir-lock';
import { openDatabase } from './sqlite';
import { createSqliteAuthStore } from './sqlite-auth-store';
import { createSqliteIncidentStore } from './sqlite-incident-store';
import { createSqliteMetricsStore } from './sqlite-metrics-store';
import {
  createClientAddress,
  createClientIp,
  createIsTls,
  createTlsCheck,
} from '../../security/client-ip';
import { createLoginThrottle } from '../../security/login-throttle';
import { createOtlpExporter } from '../../telemetry/otlp-exporter';
import { createPrometheusRegistry } from './prometheus';
import { createJobQueue } from '../../queue/job-queue';
import { importWebhookKeys } from '../../webhooks/verify-webhook';
import type { WebhookSource } from '../../webhooks/webhooks.routes';
import { createSqliteIdempotencyStore } from './sqlite-idempotency-store';
import { createSqliteJobStore, openQueueDatabase } from './sqlite-queue';
import { closeWithCheckpointer, startWalCheckpointer } from './sqlite-wal-checkpointer';
import { createSqliteWebhookLog } from './sqlite-webhook-log';
import { createSqliteFlowStore } from './sqlite-flow-store';
import { createRetention } from '../../queue/retention';
import { nodeWebhookKey } from './node-hmac-key';
import { createWebhookListener } from './webhook-listener';
import { createViewListener, responseCloseWatch } from './view-listener';

export interface RunningServer {
  switchboard: SwitchboardApp;
  sandbox: RunningSandbox | undefined;
  /** Set on the first start when no admin password was configured: print it once, keep it nowhere. */
  generatedAdminPassword: string | undefined;
  /** e.g. `http://127.0.0.1:8080` */
  url: string;
  port: number;
  /** Graceful: stop accepting, end streams with 1001, let in-flight requests finish (bounded). */
  close(): Promise<void>;
}

/** Where `npm run build` in apps/web puts the console. */
export const defaultWebDir = join(dirname(fileURLToPath(import.meta.url)), '../../../../web/dist');

/** Discovers the identity provider; start-up fails with a readable message when it cannot. */
async function createSsoClient(oidc: NonNullable<Config['oidc']>): Promise<OidcClient> {
  const loopback = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(oidc.issuer);
  try {
    return await createOidcClient({
      issuer: oidc.issuer,
      clientId: oidc.clientId,
      clientSecret: oidc.clientSecret,
      redirectUri: oidc.redirectUri,
      ...(oidc.postLogoutRedirectUri && { postLogoutRedirectUri: oidc.postLogoutRedirectUri }),
      // Per process: a sign-in started before a restart has to start again, which is fine.
      transactionKey: crypto.getRandomValues(new Uint8Array(32)),
      roleClaim: oidc.roleClaim,
      roleMapping: oidc.roleMapping,
      defaultRole: oidc.defaultRole,
      ...(oidc.name && { displayName: oidc.name }),
      // Plain HTTP only for a provider on this machine (development and tests).
      ...(loopback && { allowInsecureRequests: true }),
    });
  } catch (err) {
    throw new ConfigError(
      [
        `SWITCHBOARD_OIDC_ISSUER=${oidc.issuer}: ${err instanceof Error ? err.message : String(err)}`,
      ],
      'Single sign-on could not be set up',
    );
  }
}

/**
 * The sandbox's credentials when the environment sets every one of them (e.g. a test that must
 * know them to prove they never leak); otherwise the sandbox generates its own.
 */
function pinnedSandboxSecrets(env: Record<string, string | undefined>): {
  secrets?: SandboxSecrets;
} {
  const entries = sandboxSecretNames.map((name) => [name, env[name]] as const);
  return entries.every(([, v]) => v !== undefined && v.length >= 16)
    ? { secrets: Object.fromEntries(entries) as SandboxSecrets }
    : {};
}

/** An address this process can reach its own listener on. */
const loopbackHost = (host: string) =>
  host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

/**
 * A request's caller leaving, from its response's `close` (runtime/node/view-listener.ts): an
 * EventEmitter listener costs far less than the request's AbortController and an EventTarget
 * listener on every view.
 */
function watchClient(c: Context): CallerWatch | undefined {
  const { incoming, outgoing } = c.env as Partial<HttpBindings>;
  if (!incoming || !outgoing) return undefined;
  return responseCloseWatch(incoming, outgoing);
}

/** Pending connections the kernel may queue before the server accepts them. */
const listenBacklog = 4096;

/** Frames larger than this close the socket with 1009 (message too big). */
const maxWebSocketFrameBytes = 64 * 1024;

/**
 * @example const server = await startServer(loadConfig(process.env), logger); await server.close();
 */
export async function startServer(
  config: Config,
  logger: Logger,
  options: {
    /** Where secrets named by the catalog are read (`NAME` or `NAME_FILE`); main passes process.env. */
    env?: Record<string, string | undefined>;
    /** Tests: a catalog of their own over the sandbox providers, instead of the file or the sandbox's. */
    catalog?: (sandboxBaseUrls: ReadonlyMap<string, string>) => CatalogInput;
    /** Receives every resolved secret value, e.g. so the logger can scrub them from its lines. */
    onSecrets?: (values: string[]) => void;
    /** Benchmarks: sandbox providers that ask for no credentials, to compare with bare HTTP. */
    sandboxAuth?: boolean;
    /** Tests: shorter heartbeats and smaller slow-client limits for the live streams. */
    realtime?: Partial<RealtimeTuning>;
    /**
     * Tests: a cheaper password hash (`fastHasher()` in auth/test-auth.ts). Each test server hashes
     * or verifies four passwords to sign in; at the production cost (32 MiB each) that alone takes
     * over 10 s on a loaded 2-core machine.
     */
    passwords?: PasswordHasher;
    /**
     * Tests: the app's clock (`createManualClock()`), so breaker waits and other policy time move
     * only when the test says, not with how fast a loaded machine runs.
     */
    clock?: Clock;
  } = {},
): Promise<RunningServer> {
  // Read and check the catalog before anything listens, so a bad file stops start-up cleanly.
  const fileCatalog =
    config.configFile === undefined ? undefined : loadCatalogFile(config.configFile);
  // Before anything else is started: a second process on these files stops here (decision 035).
  const releaseDataDir = lockDataDir(config.dataDir);
  const sandbox = config.sandbox.enabled
    ? await startSandboxServers({
        enforceAuth: options.sandboxAuth ?? true,
        ...pinnedSandboxSecrets(options.env ?? {}),
      })
    : undefined;
  let catalog: Catalog;
  let secrets: SecretStore;
  try {
    const declared = sandbox
      ? (options.catalog ?? sandboxCatalogConfig)(sandbox.baseUrls)
      : undefined;
    // Declared catalogs go through the same checks as a file (schema, references, egress rules).
    catalog =
      fileCatalog ??
      (declared
        ? parseCatalog(
            JSON.stringify(declared, null, 2),
            options.catalog ? 'test catalog' : 'sandbox catalog',
          )
        : { integrations: {}, views: {}, alerts: [], flows: {}, webhooks: {} });
    // The sandbox's generated credentials stand in for the environment's under the same names.
    const env = { ...options.env, ...sandbox?.sandboxSecrets() };
    secrets = createSecretStore(env, collectSecretRefs(catalog), {
      readFile: (path) => readFileSync(path, 'utf8'),
    });
  } catch (err) {
    await sandbox?.close();
    throw err;
  }
  options.onSecrets?.([...secrets.values(), ...Object.values(sandbox?.sandboxSecrets() ?? {})]);
  if (Object.keys(catalog.integrations).length === 0) {
    logger.warn(
      {},
      'no integrations: set SWITCHBOARD_CONFIG to a catalog file, or turn the sandbox on',
    );
  }

  const undici = createUndiciTransport({ integrations: catalog.integrations });
  const webDir = config.webDir ?? defaultWebDir;
  // The API works without the console, so this is a warning, not a readiness failure.
  if (!existsSync(join(webDir, 'index.html'))) {
    logger.warn({ webDir }, 'no built console found: run `pnpm --filter @switchboard/web build`');
  }
  const oidc = config.oidc && (await createSsoClient(config.oidc));
  const db = openDatabase(config.dataDir);
  // Its WAL is checkpointed from a worker, never inside a commit on the event loop (decision 030).
  startWalCheckpointer(db, { intervalMs: 1_000, boundPages: 8_000 });
  const auth = await createAuthServices({
    store: createSqliteAuthStore(db),
    passwords: options.passwords ?? createScryptHasher(),
    now: Date.now,
    policy: config.sessions,
    ...(oidc && { refreshProviderTokens: createProviderTokenRefresher(oidc, Date.now) }),
  });
  const { generatedPassword } = await auth.accounts.ensureAdmin(config.adminPassword);
  const controlStore = createSqliteControlStore(db);
  const savedControls = await controlStore.load();
  const peer = {
    trustedProxies: config.security.trustedProxies,
    remoteAddress: (c: Context) => getConnInfo(c).remote.address,
  };
  // --- Queue (issue 7): its own database file, workers started and drained with the app ---------
  const queueDb = openQueueDatabase(config.dataDir);
  const idempotencyStore = createSqliteIdempotencyStore(db);
  const webhookSources = new Map<string, WebhookSource>();
  for (const [source, webhook] of Object.entries(catalog.webhooks)) {
    const keys = await importWebhookKeys(
      webhook.scheme,
      webhook.secretsEnv.map((name) => secrets.get(name)),
      nodeWebhookKey,
    );
    webhookSources.set(source, { config: webhook, keys });
  }
  const jobStore = createSqliteJobStore(queueDb);
  const jobs = {
    queue: createJobQueue({
      store: jobStore,
      clock: { now: () => Date.now(), sleep: (ms, signal) => systemClock.sleep(ms, signal) },
      logger,
      leaseMs: config.queueLeaseMs,
    }),
    idempotency: idempotencyStore,
    idempotencyTtlMs: 24 * 3600_000,
    webhookLog: createSqliteWebhookLog(queueDb),
    webhookSources,
    drainMs: Math.max(0, config.shutdownGraceMs - 500),
    // Main database (synchronous=NORMAL): run states; the work itself is in queue.db (decision 013).
    flowStore: createSqliteFlowStore(db),
  };
  // Bounded storage: settled jobs, finished runs, old log lines and expired keys, in small batches.
  const retention = createRetention({
    targets: [
      {
        name: 'jobs',
        retentionMs: config.retention.jobsMs,
        prune: (before, limit) => jobStore.pruneSettled(before, limit),
      },
      {
        name: 'flowRuns',
        retentionMs: config.retention.flowRunsMs,
        prune: (before, limit) => jobs.flowStore.pruneFinished(before, limit),
      },
      {
        name: 'webhookLog',
        retentionMs: config.retention.webhookLogMs,
        prune: (before, limit) => jobs.webhookLog.prune(before, limit),
      },
      // Expired is the retention: `before` is now.
      {
        name: 'idempotencyKeys',
        retentionMs: 0,
        prune: (now, limit) => idempotencyStore.prune(now, limit),
      },
    ],
    intervalMs: config.retention.intervalMs,
    now: Date.now,
    logger,
  });
  retention.start();
  // --- end of the queue block ---------------------------------------------------------------------
  const pruneSessions = setInterval(() => {
    auth.sessions
      .prune()
      .catch((err: unknown) => logger.warn({ err: String(err) }, 'pruning ended sessions failed'));
  }, 10 * 60_000);
  pruneSessions.unref();
  // perMessageDeflate is off by default in `ws`: a compressor per socket is memory the
  // broadcast cannot afford, and the frames are shared bytes.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxWebSocketFrameBytes,
    perMessageDeflate: false,
    clientTracking: true,
  });
  const streams = createNodeStreams(wss);
  const switchboard = createApp({
    catalog,
    auth,
    ...(oidc && { oidc }),
    security: {
      allowedOrigins: config.security.allowedOrigins,
      clientIp: createClientIp(peer),
      // Plain HTTP here; TLS terminates at a trusted proxy, which says so in X-Forwarded-Proto.
      isTls: createIsTls(peer),
      loginGuard: createLoginThrottle(),
      limits: {
        perIpPerMinute: config.security.ratePerMinute,
        perSessionPerMinute: config.security.sessionRatePerMinute,
        webhookPerIpPerMinute: config.security.webhookRatePerMinute,
      },
    },
    transport: undici.transport,
    authenticator: (name, integration) =>
      createAuthenticator(name, integration.auth, {
        secrets,
        clock: systemClock,
        transport: undici.transport,
      }),
    upgradeWebSocket: streams.upgradeWebSocket,
    openEventStream: streams.openEventStream,
    watchClient,
    ...(options.realtime && { realtime: options.realtime }),
    logger,
    clock: options.clock ?? systemClock,
    ...(sandbox
      ? {
          sandbox: { controls: sandbox.sandbox, trafficPerSecond: config.sandbox.trafficPerSecond },
        }
      : {}),
    jobs,
    controls: { store: controlStore, saved: savedControls },
    web: createStaticAssets(webDir),
    telemetry: {
      metricsRegistry: createPrometheusRegistry(),
      ...(config.telemetry.metricsToken !== undefined && {
        metricsToken: config.telemetry.metricsToken,
      }),
      ...(config.telemetry.otlpEndpoint !== undefined && {
        spans: createOtlpExporter({
          endpoint: config.telemetry.otlpEndpoint,
          serviceName: 'switchboard-bff',
          logger,
        }),
      }),
    },
    // Metrics roll-ups and the incident timeline, in the same database (retention: defaultRetention).
    observability: {
      metricsStore: createSqliteMetricsStore(db),
      incidents: createSqliteIncidentStore(db),
      syntheticChecks: config.healthChecks,
    },
    readiness: {
      ...(sandbox && {
        sandbox: () => {
          const down = sandbox.down();
          return down.length > 0 ? `not listening: ${down.join(', ')}` : undefined;
        },
      }),
    },
  });

  const honoListener = getRequestListener(streams.wrapFetch(switchboard.app.fetch));
  // Webhook deliveries are answered from node:http's request itself, before @hono/node-server
  // builds a web Request for them (runtime/node/webhook-listener.ts); the rest goes to the app.
  const serveWebhook =
    switchboard.webhookIngest &&
    createWebhookListener(
      switchboard.webhookIngest,
      createClientAddress(config.security.trustedProxies),
    );
  // Views too: the GET of a view the lean path can answer as the app would skips @hono/node-server,
  // Hono and the middleware chain (views/view-get.ts); the rest goes on to the app.
  const serveView = createViewListener(
    switchboard.viewGet,
    createTlsCheck(config.security.trustedProxies),
  );
  const toApp = (req: IncomingMessage, res: ServerResponse) => void honoListener(req, res);
  const server: ServerType = createServer((req, res) => {
    if (serveView(req, res, toApp)) return;
    if (!serveWebhook?.(req, res)) toApp(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deeper accept queue than Node's 511: after a restart every console reconnects at once,
    // and a full queue costs each refused SYN a one-second retransmit (the kernel caps it at
    // net.core.somaxconn).
    server.listen({ port: config.port, host: config.host, backlog: listenBacklog }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  streams.attach(server, switchboard.app.fetch);
  const port = (server.address() as AddressInfo).port;
  // The sandbox CRM delivers its webhooks over loopback, as an outside provider would over the network.
  sandbox?.sandbox.setBffOrigin(`http://${loopbackHost(config.host)}:${port}`);
  switchboard.start();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      switchboard.beginShutdown();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Stops claiming jobs at once; waits for those in flight below, within the grace period.
      const stopped = switchboard.stop();
      for (const socket of wss.clients) socket.close(1001, 'server shutting down');
      // Streams that started before shutdown leave kept-alive sockets behind when they end; sweep
      // them as they go idle instead of waiting for the client's keep-alive timeout.
      const sweep = setInterval(
        () => 'closeIdleConnections' in server && server.closeIdleConnections(),
        25,
      );
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      void closed.finally(() => clearInterval(sweep));
      const grace = new Promise<'timeout'>((resolve) =>
        setTimeout(() => resolve('timeout'), config.shutdownGraceMs).unref(),
      );
      if ((await Promise.race([closed, grace])) === 'timeout') {
        logger.warn(
          { graceMs: config.shutdownGraceMs },
          'in-flight requests outlived the shutdown grace period',
        );
        if ('closeAllConnections' in server) server.closeAllConnections();
        for (const socket of wss.clients) socket.terminate();
      }
      // Spans of the last requests are still queued: send them before the process goes.
      await switchboard.telemetry.flush();
      await stopped;
      await Promise.all([sandbox?.close(), undici.close()]);
      clearInterval(pruneSessions);
      // A prune under way finishes its batch before the databases close.
      await retention.stop();
      // Each WAL checkpointer's connection first (sqlite-wal-checkpointer.ts).
      await closeWithCheckpointer(db);
      await closeWithCheckpointer(queueDb);
      releaseDataDir();
    })());

  const displayHost =
    config.host === '0.0.0.0' || config.host === '127.0.0.1' ? 'localhost' : config.host;
  return {
    switchboard,
    sandbox,
    generatedAdminPassword: generatedPassword,
    url: `http://${displayHost}:${port}`,
    port,
    close,
  };
}
