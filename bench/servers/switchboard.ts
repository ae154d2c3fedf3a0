// Child process: the sandbox upstreams (fixed latency, no jitter, no credentials asked) and the real
// BFF with a fan-out view over them. No cache (every request reaches the upstreams), limits set high
// enough never to bind. Prints one JSON line with the URLs, then serves until killed.
import type { CatalogInput } from '@switchboard/shared/catalog';
import { loadConfig } from '@switchboard/bff/config/config';
import { silentLogger } from '@switchboard/bff/http/logger';
import { startServer } from '@switchboard/bff/runtime/node/server';
import { sandboxProviders } from '@switchboard/bff/sandbox/providers';
import { fanOutProviders } from './fan-out-providers';

const latencyMs = Number(process.argv[2] ?? '20');

function benchCatalog(baseUrls: ReadonlyMap<string, string>): CatalogInput {
  const integrations: CatalogInput['integrations'] = {};
  for (const name of fanOutProviders) {
    const provider = sandboxProviders.find((p) => p.name === name);
    const baseUrl = baseUrls.get(name);
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
  return {
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
}

const server = await startServer(
  loadConfig({ PORT: '0', SWITCHBOARD_SANDBOX_TRAFFIC_RPS: '0', SWITCHBOARD_LOG_LEVEL: 'silent' }),
  silentLogger,
  { catalog: benchCatalog, sandboxAuth: false },
);
const sandbox = server.sandbox;
if (!sandbox) throw new Error('the benchmark needs the sandbox');
for (const provider of sandbox.sandbox.list()) {
  sandbox.sandbox.update(provider.name, { latencyMs, jitterMs: 0, failureRate: 0 });
}
process.stdout.write(
  `${JSON.stringify({ bff: `http://127.0.0.1:${server.port}`, upstreams: Object.fromEntries(sandbox.baseUrls) })}\n`,
);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
