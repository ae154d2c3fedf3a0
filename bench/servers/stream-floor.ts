// Child process: the floor for the stream benchmarks — a bare `ws` WebSocketServer or a bare
// node:http SSE endpoint broadcasting the same bytes as the BFF, one update a second.
// `node stream-floor.ts ws|sse [shared|per-client]`: per-client serialises the message for every
// client (the naive broadcast), for contrast. Commands: {"cmd":"mem"}, {"cmd":"stats"}.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeHeapSnapshot } from 'node:v8';
import { WebSocketServer, type WebSocket } from 'ws';
import { cpuProfile } from '../lib/cpu-profile';
import { memoryAfterGc, serveCommands } from '../lib/interactive';
import { benchUpdate } from './stream-payload';

const [transport = 'ws', serialise = 'shared', port = '0'] = process.argv.slice(2);
const sockets = new Set<WebSocket>();
const streams = new Set<ServerResponse>();
const http = createServer((req, res) => {
  if (transport !== 'sse' || !req.url?.startsWith('/api/stream')) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
  res.write('retry: 2000\n\n');
  streams.add(res);
  res.on('close', () => streams.delete(res));
});
if (transport === 'ws') {
  const wss = new WebSocketServer({ server: http, maxPayload: 64 * 1024 });
  wss.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
}
let seq = 0;
const publisher = setInterval(() => {
  seq += 1;
  const message = { ...benchUpdate(), seq };
  if (transport === 'ws') {
    if (serialise === 'per-client') {
      for (const socket of sockets) socket.send(JSON.stringify(message));
    } else {
      const bytes = Buffer.from(JSON.stringify(message));
      for (const socket of sockets) socket.send(bytes, { binary: false });
    }
  } else {
    const bytes = Buffer.from(`id: 0000000000000000.${seq}\ndata: ${JSON.stringify(message)}\n\n`);
    for (const res of streams) res.write(bytes);
  }
}, 1000);
// The same accept queue as the BFF's, so a reconnect storm compares the servers, not the queues.
await new Promise<void>((resolve) =>
  http.listen({ port: Number(port), host: '127.0.0.1', backlog: 4096 }, resolve),
);
const { port: actual } = http.address() as AddressInfo;
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${actual}`, headers: {} })}\n`);
serveCommands(({ cmd, ms }) =>
  // Profiling: where the server's CPU goes (`bench/profile/stream-cpu.ts`).
  cmd === 'profile' ? cpuProfile(Number(ms ?? 8000)) : Promise.resolve(answer(cmd)),
);
function answer(cmd: unknown) {
  if (cmd === 'mem') return memoryAfterGc();
  // Server CPU time (µs, user + system): what the broadcast costs, less disturbed by load.
  if (cmd === 'cpu') return process.cpuUsage();
  if (cmd === 'heap') return { file: writeHeapSnapshot() };
  if (cmd === 'stats') return { subscribers: sockets.size + streams.size, seq };
  if (cmd === 'stop') {
    clearInterval(publisher);
    return {};
  }
  throw new Error(`unknown command ${String(cmd)}`);
}
