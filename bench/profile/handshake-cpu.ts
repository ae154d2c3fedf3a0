// Profiling aid: CPU time per WebSocket handshake in the BFF (server and client in this process;
// run with --cpu-prof to see where it goes). `npx tsx profile/handshake-cpu.ts 1000`
import { WebSocket } from 'ws';
import { loadConfig } from '@switchboard/bff/config/config';
import { signIn, testAdminPassword } from '@switchboard/bff/auth/test-session';
import { silentLogger } from '@switchboard/bff/http/logger';
import { startServer } from '@switchboard/bff/runtime/node/server';

const n = Number(process.argv[2] ?? '1000');
const server = await startServer(
  loadConfig({
    PORT: '0',
    SWITCHBOARD_SANDBOX: 'off',
    SWITCHBOARD_LOG_LEVEL: 'silent',
    SWITCHBOARD_DATA_DIR: ':memory:',
    SWITCHBOARD_ADMIN_PASSWORD: testAdminPassword,
    SWITCHBOARD_RATE_LIMIT_PER_MINUTE: '1000000',
    SWITCHBOARD_SESSION_RATE_LIMIT_PER_MINUTE: '1000000',
  }),
  silentLogger,
);
const baseUrl = `http://127.0.0.1:${server.port}`;
const headers = (await signIn(baseUrl)).headers();
const sockets: WebSocket[] = [];
const start = process.cpuUsage();
const wall = performance.now();
for (let i = 0; i < n; i += 50) {
  await Promise.all(
    Array.from({ length: 50 }, () => {
      const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/api/ws`, {
        headers: { cookie: headers.cookie ?? '', origin: headers.origin ?? '' },
      });
      sockets.push(ws);
      return new Promise((resolve) => ws.once('message', resolve));
    }),
  );
}
const used = process.cpuUsage(start);
console.log(
  `${n} handshakes: ${((used.user + used.system) / n / 1000).toFixed(2)} ms CPU each (server + client), wall ${(performance.now() - wall).toFixed(0)} ms`,
);
for (const ws of sockets) ws.terminate();
await server.close();
