// Child process: the sandbox providers alone (fixed latency, no jitter, no credentials asked), so the
// upstreams have their own event loop and core, as remote providers would. Prints their base URLs.
import { startSandboxServers } from '@switchboard/bff/runtime/node/sandbox-servers';

const latencyMs = Number(process.argv[2] ?? '20');
const running = await startSandboxServers({ enforceAuth: false });
for (const provider of running.sandbox.list()) {
  running.sandbox.update(provider.name, { latencyMs, jitterMs: 0, failureRate: 0 });
}
process.stdout.write(`${JSON.stringify({ upstreams: Object.fromEntries(running.baseUrls) })}\n`);
process.on('SIGTERM', () => void running.close().then(() => process.exit(0)));
