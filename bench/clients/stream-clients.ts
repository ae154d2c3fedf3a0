// Child process: many stream clients (WebSocket or SSE) in one process, pinned apart from the server.
// Records, for each benchmark update, the delay between its `at` and its arrival here.
// Commands: connect {url, n, headers, transport}, reset, stats, reconnect, close.
import { request, type IncomingMessage } from 'node:http';
import { WebSocket, type RawData } from 'ws';
import { memoryAfterGc, serveCommands } from '../lib/interactive';
import { benchIntegration, preciseNow } from '../servers/stream-payload';

interface Client {
  /** Latest sequence number seen and the epoch, for resume. */
  epoch: string | undefined;
  seq: number;
  close(): void;
}

let latencies: number[] = [];
let clients: Client[] = [];
/** Set while a reconnect storm runs: called when a client is current again. */
let onCurrent: (() => void) | undefined;

interface Parsed {
  type?: string;
  seq?: number;
  epoch?: string;
  at?: number;
  snapshot?: boolean;
  samples?: { integration?: string }[];
}

/** Handles one message for one client; returns true once the client has caught up after a hello. */
function handle(client: Client & { helloSeq?: number }, text: string, received: number) {
  const message = JSON.parse(text) as Parsed;
  if (message.type === 'hello') {
    if (message.epoch !== client.epoch) client.seq = 0;
    client.epoch = message.epoch;
    client.helloSeq = message.seq ?? 0;
    if (client.helloSeq === 0) current(client);
    return;
  }
  if (typeof message.seq !== 'number') return;
  if (message.seq > client.seq) client.seq = message.seq;
  if (client.helloSeq !== undefined && message.seq >= client.helloSeq) current(client);
  if (message.snapshot || message.samples?.[0]?.integration !== benchIntegration) return;
  if (typeof message.at === 'number') latencies.push(received - message.at);
}

function current(client: Client & { helloSeq?: number }) {
  client.helloSeq = undefined;
  onCurrent?.();
}

const textOf = (data: RawData) =>
  Array.isArray(data)
    ? Buffer.concat(data).toString('utf8')
    : Buffer.isBuffer(data)
      ? data.toString('utf8')
      : Buffer.from(data).toString('utf8');

const resumeQuery = (client: Client | undefined) =>
  client?.epoch ? `?resume=${client.epoch}.${client.seq}` : '';

function openWs(
  url: string,
  headers: Record<string, string>,
  previous?: Client,
): Promise<Client | undefined> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/ws${resumeQuery(previous)}`, {
      headers,
      perMessageDeflate: false,
      ...(localAddress && { localAddress }),
    });
    const client: Client = {
      epoch: previous?.epoch,
      seq: previous?.seq ?? 0,
      close: () => socket.terminate(),
    };
    socket.on('message', (data) => handle(client, textOf(data), preciseNow()));
    socket.once('open', () => resolve(client));
    socket.on('error', () => resolve(undefined));
  });
}

function openSse(
  url: string,
  headers: Record<string, string>,
  previous?: Client,
): Promise<Client | undefined> {
  return new Promise((resolve) => {
    const target = new URL(`${url}/api/stream${resumeQuery(previous)}`);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        headers: { accept: 'text/event-stream', ...headers },
        agent: false,
        ...(localAddress && { localAddress }),
      },
      (res: IncomingMessage) => {
        if (res.statusCode !== 200) return resolve(undefined);
        const client: Client = {
          epoch: previous?.epoch,
          seq: previous?.seq ?? 0,
          close: () => res.destroy(),
        };
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const at = preciseNow();
          pending += chunk;
          let boundary = pending.indexOf('\n\n');
          while (boundary !== -1) {
            const block = pending.slice(0, boundary);
            pending = pending.slice(boundary + 2);
            for (const line of block.split('\n'))
              if (line.startsWith('data: ')) handle(client, line.slice(6), at);
            boundary = pending.indexOf('\n\n');
          }
        });
        res.on('error', () => undefined);
        resolve(client);
      },
    );
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** Opens `n` clients with at most `parallel` handshakes in flight. */
async function openMany(
  n: number,
  open: (i: number) => Promise<Client | undefined>,
  parallel: number,
): Promise<{ opened: Client[]; failed: number }> {
  const opened: Client[] = [];
  let failed = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, n) }, async () => {
      while (next < n) {
        const client = await open(next++);
        if (client) opened.push(client);
        else failed += 1;
      }
    }),
  );
  return { opened, failed };
}

let settings: { url: string; headers: Record<string, string>; transport: string } | undefined;
/**
 * This process's own loopback source address (127.0.0.x): each has its own ~28,000 ephemeral
 * ports, so 10,000 clients per round, rounds after rounds, never run out of them.
 */
let localAddress: string | undefined;
const opener = (previous?: Client) => {
  if (!settings) throw new Error('connect first');
  const { url, headers, transport } = settings;
  return transport === 'sse' ? openSse(url, headers, previous) : openWs(url, headers, previous);
};

process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
serveCommands(async (command) => {
  switch (command.cmd) {
    case 'connect': {
      settings = {
        url: String(command.url),
        headers: command.headers as Record<string, string>,
        transport: String(command.transport),
      };
      localAddress = typeof command.localAddress === 'string' ? command.localAddress : undefined;
      const start = performance.now();
      // 100 handshakes in flight, or all at once (a storm) when asked.
      const parallel = Number(command.parallel ?? 100);
      const { opened, failed } = await openMany(Number(command.n), () => opener(), parallel);
      clients = opened;
      return { connected: opened.length, failed, ms: performance.now() - start };
    }
    case 'reset':
      latencies = [];
      return {};
    case 'stats': {
      const sorted = latencies.toSorted((a, b) => a - b);
      const at = (p: number) =>
        sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
      return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) };
    }
    case 'latencies':
      return latencies;
    case 'drop':
      for (const client of clients) client.close();
      return {};
    case 'reconnect': {
      // All at once, each with its resume point; done when every one is current again.
      const previous = clients;
      let waiting = previous.length;
      const allCurrent = new Promise<void>((resolve) => {
        onCurrent = () => {
          waiting -= 1;
          if (waiting === 0) resolve();
        };
      });
      const start = performance.now();
      const { opened, failed } = await openMany(
        previous.length,
        (i) => opener(previous[i]),
        previous.length,
      );
      const openedMs = performance.now() - start;
      waiting -= failed;
      if (waiting > 0) await allCurrent;
      onCurrent = undefined;
      clients = opened;
      return { reconnected: opened.length, failed, openedMs, currentMs: performance.now() - start };
    }
    case 'close':
      for (const client of clients) client.close();
      clients = [];
      return memoryAfterGc();
    default:
      throw new Error(`unknown command ${String(command.cmd)}`);
  }
});
