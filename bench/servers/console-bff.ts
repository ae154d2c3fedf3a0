// Child process: the real BFF with its sandbox and the built console, declaring 50 integrations
// (the sandbox's six plus clones of `users`) and an overview view over all of them, so demo traffic
// at one view a second updates every integration once a second. Prints its URL, then serves.
import { fileURLToPath } from 'node:url';
import type { CatalogInput } from '@switchboard/shared/catalog';
import { loadConfig } from '@switchboard/bff/config/config';
import { silentLogger } from '@switchboard/bff/http/logger';
import { startServer } from '@switchboard/bff/runtime/node/server';
import { sandboxCatalogConfig } from '@switchboard/bff/sandbox/providers';
import { benchAuthEnv } from '../lib/session';

const adminPassword = process.argv[2] ?? crypto.randomUUID();
const total = Number(process.argv[3] ?? 50);

function catalogOf(urls: ReadonlyMap<string, string>): CatalogInput {
  const sandbox = sandboxCatalogConfig(urls);
  const users = sandbox.integrations.users;
  if (!users) throw new Error('the sandbox catalog has no users integration');
  const integrations: CatalogInput['integrations'] = { ...sandbox.integrations };
  for (let i = 1; Object.keys(integrations).length < total; i++)
    integrations[`users-${String(i).padStart(2, '0')}`] = {
      ...users,
      operations: { summary: { method: 'GET', path: '/v1/users/summary' } },
    };
  return {
    ...sandbox,
    integrations,
    views: {
      ...sandbox.views,
      overview: {
        deadlineMs: 2_000,
        sources: Object.fromEntries(
          Object.keys(integrations).map((name) => [
            name,
            { integration: name, operation: 'summary' },
          ]),
        ),
      },
    },
  };
}

const server = await startServer(
  loadConfig({
    PORT: '0',
    SWITCHBOARD_SANDBOX_TRAFFIC_RPS: '1',
    SWITCHBOARD_HEALTH_CHECKS: 'off',
    SWITCHBOARD_LOG_LEVEL: 'silent',
    SWITCHBOARD_WEB_DIR: fileURLToPath(new URL('../../apps/web/dist', import.meta.url)),
    ...benchAuthEnv(adminPassword),
  }),
  silentLogger,
  { catalog: catalogOf },
);
process.stdout.write(`${JSON.stringify({ bff: `http://127.0.0.1:${server.port}` })}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
