// Serves each sandbox provider on its own loopback port (ephemeral by default: parallel runs never collide).
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { createSandbox, type Sandbox } from '../../sandbox/sandbox';

export interface RunningSandbox {
  sandbox: Sandbox;
  baseUrls: ReadonlyMap<string, string>;
  /** Names of providers whose server is not listening (empty when all are up). */
  down(): string[];
  close(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  delay(ms, undefined, { signal }).catch(() => undefined);

/** Starts every sandbox provider on 127.0.0.1 and resolves once all are listening. */
export async function startSandboxServers(
  options: { random?: () => number } = {},
): Promise<RunningSandbox> {
  const baseUrls = new Map<string, string>();
  const sandbox = createSandbox({ random: options.random ?? Math.random, sleep }, () => baseUrls);
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
    down: () => servers.filter(([, server]) => !server.listening).map(([name]) => name),
    close: () =>
      Promise.all(
        servers.map(
          ([, server]) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              if ('closeAllConnections' in server) server.closeAllConnections();
            }),
        ),
      ).then(() => undefined),
  };
}
