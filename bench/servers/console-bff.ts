// Child process for the console benchmark: the real BFF serving a built console, with the sandbox's
// five upstream providers behind 50 integrations (10 per provider, round robin) and an `overview`
// view over all 50. The sandbox traffic generator runs that view once a second, so every
// integration sees live calls and the stream's per-second sample carries 50 entries.
// `node console-bff.ts <webDir> [integrations]`; prints {bff, adminPassword} once ready (a random
// password for this run, so the browser signs in as a user would), serves until killed.
import type { CatalogInput } from '@switchboard/shared/catalog';
import { loadConfig } from '@switchboard/bff/config/config';
import { silentLogger } from '@switchboard/bff/http/logger';
import { startServer } from '@switchboard/bff/runtime/node/server';
import { sandboxProviders } from '@switchboard/bff/sandbox/providers';
import { benchAuthEnv } from '../lib/session';

const [webDir, count = '50'] = process.argv.slice(2);
if (!webDir) throw new Error('usage: console-bff.ts <webDir> [integrations]');
const adminPassword = crypto.randomUUID();
const upstreams = sandboxProviders.filter((p) => p.role === 'upstream');

/** `users-01` … `analytics-10`: each provider behind `count / 5` integrations. */
function consoleCatalog(baseUrls: ReadonlyMap<string, string>, total: number): CatalogInput {
  const integrations: CatalogInput['integrations'] = {};
  for (let i = 0; i < total; i++) {
    const provider = upstreams[i % upstreams.length];
    const baseUrl = provider && baseUrls.get(provider.name);
    if (!provider || !baseUrl) throw new Error('the sandbox has no upstream providers');
    const name = `${provider.name}-${String(Math.floor(i / upstreams.length) + 1).padStart(2, '0')}`;
    integrations[name] = {
      baseUrl,
      allowPrivateNetwork: true,
      // No cache: every run of the view reaches the provider, so every integration has live calls.
      operations: { summary: { method: 'GET', path: provider.summary.path } },
    };
  }
  return {
    integrations,
    views: {
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
    SWITCHBOARD_LOG_LEVEL: 'silent',
    SWITCHBOARD_WEB_DIR: webDir,
    // The page polls and streams from one address for minutes: limits must not bind.
    SWITCHBOARD_RATE_LIMIT_PER_MINUTE: '1000000',
    ...benchAuthEnv(adminPassword),
  }),
  silentLogger,
  // The providers ask for no credentials: the benchmark is about the console, not upstream auth.
  { sandboxAuth: false, catalog: (baseUrls) => consoleCatalog(baseUrls, Number(count)) },
);
const bff = `http://127.0.0.1:${server.port}`;
process.stdout.write(`${JSON.stringify({ bff, adminPassword })}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
