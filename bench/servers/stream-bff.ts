// Child process: the real BFF (sandbox off) whose own per-second `integrations.sample` carries the
// benchmark's ~1 KB update. Signs in once and prints the session cookie and Origin that every
// benchmark client reuses.
//
// Why the update rides on the product's sample instead of a timer of its own: a deployment with
// integrations sends one `integrations.sample` a second, which *is* this update (a row per
// integration); a second timer would make the BFF broadcast twice a second where the floor and a
// real deployment broadcast once (decision 023). The product's tick still runs as it does in
// production (sampler flush, queue figures, the per-integration topics of its own integrations:
// none here); only the set's rows and `at` (the send time, for latency) are the benchmark's.
// Commands on stdin: {"cmd":"mem"} -> RSS after GC; {"cmd":"stats"} -> hub subscribers and seq.
import { mkdirSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';
import { loadConfig } from '@switchboard/bff/config/config';
import { signIn, testAdminPassword } from '@switchboard/bff/auth/test-session';
import { silentLogger } from '@switchboard/bff/http/logger';
import { startServer } from '@switchboard/bff/runtime/node/server';
import { cpuProfile } from '../lib/cpu-profile';
import { memoryAfterGc, serveCommands } from '../lib/interactive';
import { benchUpdate } from './stream-payload';

const [port = '0', dataDir = ':memory:'] = process.argv.slice(2);
if (dataDir !== ':memory:') mkdirSync(dataDir, { recursive: true });
const server = await startServer(
  loadConfig({
    PORT: port,
    SWITCHBOARD_SANDBOX: 'off',
    SWITCHBOARD_LOG_LEVEL: 'silent',
    SWITCHBOARD_DATA_DIR: dataDir,
    SWITCHBOARD_ADMIN_PASSWORD: testAdminPassword,
    // One session opens every benchmark connection.
    SWITCHBOARD_RATE_LIMIT_PER_MINUTE: '1000000',
    SWITCHBOARD_SESSION_RATE_LIMIT_PER_MINUTE: '1000000',
  }),
  silentLogger,
);
const baseUrl = `http://127.0.0.1:${server.port}`;
const client = await signIn(baseUrl);
const { cookie = '', origin = '' } = client.headers();
const { hub } = server.switchboard;
const publish = hub.publish.bind(hub);
hub.publish = (message) =>
  publish(message.type === 'integrations.sample' ? benchUpdate() : message);
process.stdout.write(`${JSON.stringify({ url: baseUrl, headers: { cookie, origin } })}\n`);
serveCommands(async (command) => {
  const { cmd } = command;
  if (cmd === 'mem') return memoryAfterGc();
  // Profiling: where the per-connection memory goes (`node heap-summary.ts <file>`).
  // Server CPU time (µs, user + system): what the broadcast costs, less disturbed by load.
  if (cmd === 'cpu') return process.cpuUsage();
  if (cmd === 'heap') return { file: writeHeapSnapshot() };
  // Profiling: where the server's CPU goes (`bench/profile/stream-cpu.ts`).
  if (cmd === 'profile') return cpuProfile(Number(command.ms ?? 8000));
  if (cmd === 'stats') return { subscribers: hub.size, seq: hub.seq };
  if (cmd === 'stop') {
    await server.close();
    return {};
  }
  throw new Error(`unknown command ${String(cmd)}`);
});
