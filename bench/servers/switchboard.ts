// Child process: the real BFF, sandbox off, with a catalog file declaring a fan-out view over the
// upstreams whose base URLs it is given. No cache (every request reaches the upstreams) and limits
// set high enough never to bind. Prints its URL, then serves until killed.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CatalogInput } from '@switchboard/shared/catalog';
import { loadConfig } from '@switchboard/bff/config/config';
import { silentLogger } from '@switchboard/bff/http/logger';
import { startServer } from '@switchboard/bff/runtime/node/server';
import { benchAuthEnv, signIn } from '../lib/session';

const adminPassword = crypto.randomUUID();
import { sandboxProviders } from '@switchboard/bff/sandbox/providers';
import { fanOutProviders } from './fan-out-providers';

const upstreams = JSON.parse(process.argv[2] ?? '{}') as Record<string, string>;
const integrations: CatalogInput['integrations'] = {};
for (const name of fanOutProviders) {
  const provider = sandboxProviders.find((p) => p.name === name);
  const baseUrl = upstreams[name];
  if (!provider || !baseUrl) throw new Error(`no sandbox provider ${name}`);
  integrations[name] = {
    baseUrl,
    allowPrivateNetwork: true,
    policies: {
      rateLimit: { perSecond: 100_000, burst: 100_000 },
      bulkhead: { maxConcurrent: 1_000, maxQueue: 1_000 },
    },
    operations: { summary: { method: 'GET', path: provider.summary.path } },
  };
}
const catalog: CatalogInput = {
  integrations,
  views: {
    overview: {
      deadlineMs: 2_000,
      sources: Object.fromEntries(
        fanOutProviders.map((name) => [name, { integration: name, operation: 'summary' }]),
      ),
    },
  },
};
const file = join(mkdtempSync(join(tmpdir(), 'switchboard-bench-')), 'catalog.json');
writeFileSync(file, JSON.stringify(catalog, null, 2));

const server = await startServer(
  loadConfig({
    PORT: '0',
    SWITCHBOARD_SANDBOX: 'off',
    SWITCHBOARD_CONFIG: file,
    SWITCHBOARD_LOG_LEVEL: 'silent',
    ...benchAuthEnv(adminPassword),
  }),
  silentLogger,
);
const bff = `http://127.0.0.1:${server.port}`;
process.stdout.write(`${JSON.stringify({ bff, cookie: await signIn(bff, adminPassword) })}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
