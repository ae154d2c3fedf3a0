// Serves each sandbox provider on its own loopback port (ephemeral by default: parallel runs never collide).
import { serve, type ServerType } from '@hono/node-server';
import { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { generateSandboxSecrets, type SandboxSecrets } from '../../sandbox/provider-auth';
import { createSandbox, type Sandbox } from '../../sandbox/sandbox';

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
  const servers: Array<[string, ServerType]> = [];
  await Promise.all(
    [...sandbox.apps].map(
      ([name, app]) =>
        new Promise<void>((resolve) => {
          const server = serve(
            { fetch: app.fetch, hostname: '127.0.0.1', port: 0 },
            (info: AddressInfo) => {
              baseUrls.set(name, `http://127.0.0.1:${info.port}/`);
              resolve();
            },
          );
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
              if ('closeAllConnections' in server) server.closeAllConnections();
            }),
        ),
      ).then(() => undefined),
  };
}
