// Child process: the sandbox upstreams (fixed latency, no jitter) and the real BFF with its overview view.
// Prints one JSON line with the URLs, then serves until killed.
import { loadConfig } from '@switchboard/bff/config/config';
import { silentLogger } from '@switchboard/bff/http/logger';
import { startServer } from '@switchboard/bff/runtime/node/server';

const latencyMs = Number(process.argv[2] ?? '20');
const server = await startServer(
  loadConfig({ PORT: '0', SWITCHBOARD_SANDBOX_TRAFFIC_RPS: '0', SWITCHBOARD_LOG_LEVEL: 'silent' }),
  silentLogger,
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
