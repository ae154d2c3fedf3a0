// Serves each sandbox provider on its own loopback port (ephemeral by default: parallel runs never collide).
import { getRequestListener } from '@hono/node-server';
import { createServer, IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { generateSandboxSecrets, type SandboxSecrets } from '../../sandbox/provider-auth';
import type { Hono } from 'hono';
import type { PlainRead, ProviderApp } from '../../sandbox/providers';
import { createSandbox, type Sandbox } from '../../sandbox/sandbox';
import { createDeadlineTimer, monotonicMs, type DeadlineTimer } from './deadline-timer';

export interface RunningSandbox {
  sandbox: Sandbox;
  baseUrls: ReadonlyMap<string, string>;
  /**
   * The credentials the providers accept, by the env-var-like names the catalog's auth blocks
   * reference (`sandboxCatalogConfig`). The only way out of the sandbox: never log or serve them.
   */
  sandboxSecrets(): SandboxSecrets;
  /** Names of providers whose server is not listening (empty when all are up). */
  down(): string[];
  close(): Promise<void>;
}

export interface SandboxServerOptions {
  random?: () => number;
  /** Wall-clock milliseconds: token expiry, HMAC timestamps, rate-limit windows. */
  now?: () => number;
  /** Make providers demand credentials (see `SandboxOptions.enforceAuth`); off by default. */
  enforceAuth?: boolean;
  /** The providers' credentials; generated when absent. */
  secrets?: SandboxSecrets;
}

const sleep = (ms: number, signal: AbortSignal) =>
  delay(ms, undefined, { signal }).then(
    () => undefined,
    () => undefined,
  );

/** The Node way to drop a connection mid-request: destroy the request's socket. */
function destroySocket(env: unknown): void {
  if (
    typeof env === 'object' &&
    env !== null &&
    'incoming' in env &&
    env.incoming instanceof IncomingMessage
  ) {
    env.incoming.socket.destroy();
  }
}

/**
 * A provider's server. Its plain reads (the summary while only latency is injected:
 * `ProviderApp.plainRead`) are answered here from node:http, `delayMs` after the request's headers
 * arrived on the monotonic clock (`DeadlineTimer`), so a fixed 20 ms is 20 ms and not 20 to 21
 * depending on the loop's millisecond clock, and without building a web Request, running Hono
 * and its middleware and writing a web Response for them (~0.1 ms each on this kind of VM, which a
 * fan-out over five providers in one process pays five times in a row). Everything else goes to
 * the provider's app.
 */
function providerServer(
  app: Hono,
  plainRead: ProviderApp['plainRead'] | undefined,
  deadlines: DeadlineTimer,
): Server {
  const listener = getRequestListener(app.fetch);
  return createServer((req, res) => {
    const arrived = monotonicMs();
    const host = req.headers.host;
    const read = host === undefined ? undefined : plainRead?.(req.method, req.url);
    if (!read) {
      void listener(req, res);
      return;
    }
    const answer = () => answerPlainRead(req, res, read, `http://${host}`);
    if (read.delayMs > 0) deadlines.at(arrived + read.delayMs, answer);
    else answer();
  });
}

/** What the app would answer: 200, the JSON body, and the traceparent it received echoed. */
function answerPlainRead(
  req: IncomingMessage,
  res: ServerResponse,
  read: PlainRead,
  origin: string,
): void {
  // The caller gave up (a deadline of its own): nobody to answer, as the app's sleep would see.
  if (res.destroyed) return;
  const body = read.body(origin);
  const traceparent = req.headers.traceparent;
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(typeof traceparent === 'string' && { traceparent }),
  });
  res.end(body);
}

/** Starts every sandbox provider on 127.0.0.1 and resolves once all are listening. */
export async function startSandboxServers(
  options: SandboxServerOptions = {},
): Promise<RunningSandbox> {
  const baseUrls = new Map<string, string>();
  const secrets = options.secrets ?? generateSandboxSecrets();
  const sandbox = createSandbox(
    {
      random: options.random ?? Math.random,
      now: options.now ?? Date.now,
      sleep,
      resetConnection: destroySocket,
    },
    () => baseUrls,
    { enforceAuth: options.enforceAuth ?? false, secrets },
  );
  const deadlines = createDeadlineTimer();
  const servers: Array<[string, Server]> = [];
  await Promise.all(
    [...sandbox.apps].map(
      ([name, app]) =>
        new Promise<void>((resolve) => {
          const server = providerServer(app, sandbox.plainReads.get(name), deadlines);
          server.listen(0, '127.0.0.1', () => {
            const { port } = server.address() as AddressInfo;
            baseUrls.set(name, `http://127.0.0.1:${port}/`);
            resolve();
          });
          servers.push([name, server]);
        }),
    ),
  );
  return {
    sandbox,
    baseUrls,
    sandboxSecrets: () => secrets,
    down: () => servers.filter(([, server]) => !server.listening).map(([name]) => name),
    close: () =>
      Promise.all(
        servers.map(
          ([, server]) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              // Hanging and trickling requests end here: their sockets close, their signals abort.
              server.closeAllConnections();
            }),
        ),
      ).then(() => deadlines.close()),
  };
}
