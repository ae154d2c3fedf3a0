// Live streams over real sockets: SSE and WebSocket deliver the same numbered messages, resume, and end at shutdown.
import { ErrorBodySchema } from '@switchboard/shared/errors';
import { ReadinessSchema } from '@switchboard/shared/health';
import {
  formatResumePoint,
  StreamMessageSchema,
  type HelloMessage,
  type SampleMessage,
  type StreamMessage,
} from '@switchboard/shared/stream';
import { Agent, get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { loadConfig } from '../config/config';
import { signIn, testEnv, type TestClient } from '../auth/test-session';
import { silentLogger, type Logger } from '../http/logger';
import { startServer, type RunningServer } from '../runtime/node/server';

/** Cookie and Origin of a signed-in operator, per server port: streams need a session. */
const sessionHeaders = new Map<string, Record<string, string>>();
const authHeaders = (port: number | string) => sessionHeaders.get(String(port)) ?? {};
async function signInTo(running: RunningServer): Promise<RunningServer> {
  const client: TestClient = await signIn(`http://127.0.0.1:${running.port}`, 'viewer');
  const { cookie = '', origin = '' } = client.headers();
  sessionHeaders.set(String(running.port), { cookie, origin });
  return running;
}

/** The app publishes one sample a second; waiting for one takes at most this long. */
const sampleWaitMs = 3_000;

// --- small helpers: a bounded wait and a queue that hands items to whoever waits for them ---

function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  onTimeout?: () => void,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface Queue<T> {
  push(item: T): void;
  next(ms: number, what: string): Promise<T>;
}

function createQueue<T>(): Queue<T> {
  // Boxed, so an item that is itself undefined is not mistaken for an empty queue.
  const items: { item: T }[] = [];
  const waiters: ((item: T) => void)[] = [];
  return {
    push(item) {
      const waiter = waiters.shift();
      if (waiter) waiter(item);
      else items.push({ item });
    },
    next(ms, what) {
      const head = items.shift();
      if (head) return Promise.resolve(head.item);
      let resolveItem: (item: T) => void = () => {};
      const arrived = new Promise<T>((resolve) => {
        resolveItem = resolve;
        waiters.push(resolve);
      });
      return withTimeout(arrived, ms, what, () => {
        const index = waiters.indexOf(resolveItem);
        if (index >= 0) waiters.splice(index, 1);
      });
    },
  };
}

// --- stream clients ---

interface Received {
  /** The SSE event id; undefined over WebSocket, which has none. */
  id: string | undefined;
  raw: string;
  message: StreamMessage;
}

type StreamItem =
  { kind: 'message'; received: Received } | { kind: 'invalid'; error: unknown } | { kind: 'end' };

interface StreamClient {
  next(ms?: number): Promise<StreamItem>;
  /** The next message, failing if the stream ends first or the message breaks the contract. */
  nextMessage(ms?: number): Promise<Received>;
  close(): Promise<void>;
}

interface SseClient extends StreamClient {
  response: Response;
  /** The reconnection delay the server asked for, once its `retry:` field has arrived. */
  retry(): number | undefined;
}

interface WsClient extends StreamClient {
  socket: WebSocket;
  closed: Promise<{ code: number; reason: string }>;
}

function nextMessageOf(next: StreamClient['next']): StreamClient['nextMessage'] {
  return async (ms) => {
    const item = await next(ms);
    if (item.kind === 'end') throw new Error('the stream ended while a message was expected');
    if (item.kind === 'invalid') throw item.error;
    return item.received;
  };
}

/** Parses one message against the shared contract; a bad message becomes an item, never a throw in a listener. */
function toItem(id: string | undefined, raw: string): StreamItem {
  try {
    return {
      kind: 'message',
      received: { id, raw, message: StreamMessageSchema.parse(JSON.parse(raw)) },
    };
  } catch (error) {
    return { kind: 'invalid', error };
  }
}

/** Parses an SSE body as it arrives: blocks separated by a blank line, `id:` and `data:` fields. */
async function openSse(
  baseUrl: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<SseClient> {
  const response = await fetch(`${baseUrl}${path}`, {
    headers: { accept: 'text/event-stream', ...authHeaders(new URL(baseUrl).port), ...headers },
  });
  const queue = createQueue<StreamItem>();
  const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
  if (!reader) throw new Error('the SSE response has no body');
  let retry: number | undefined;
  const decoder = new TextDecoder();
  let pending = '';

  const handleBlock = (block: string) => {
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':') || line === '') continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
      else if (field === 'retry') retry = Number(value);
    }
    if (data.length > 0) queue.push(toItem(id, data.join('\n')));
  };

  const pump = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      let boundary = pending.indexOf('\n\n');
      while (boundary !== -1) {
        handleBlock(pending.slice(0, boundary));
        pending = pending.slice(boundary + 2);
        boundary = pending.indexOf('\n\n');
      }
    }
    queue.push({ kind: 'end' });
  })().catch(() => queue.push({ kind: 'end' }));

  const next = (ms = sampleWaitMs) => queue.next(ms, 'the next SSE event');
  return {
    response,
    retry: () => retry,
    next,
    nextMessage: nextMessageOf(next),
    async close() {
      await reader.cancel().catch(() => undefined);
      await pump;
    },
  };
}

async function openWs(port: number, path: string): Promise<WsClient> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: authHeaders(port) });
  const queue = createQueue<StreamItem>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => {
      queue.push({ kind: 'end' });
      resolve({ code, reason: reason.toString() });
    });
  });
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    // A refused handshake arrives here as "Unexpected server response: <status>".
    socket.once('error', reject);
  });
  // Later socket errors surface as 'close'; without a listener they would crash the worker.
  socket.on('error', () => undefined);
  socket.on('message', (data, isBinary) => {
    if (isBinary)
      return queue.push({ kind: 'invalid', error: new Error('a binary frame arrived') });
    const bytes = Array.isArray(data)
      ? Buffer.concat(data)
      : data instanceof ArrayBuffer
        ? Buffer.from(data)
        : data;
    return queue.push(toItem(undefined, bytes.toString('utf8')));
  });
  await withTimeout(opened, 2_000, 'the WebSocket to open');
  const next = (ms = sampleWaitMs) => queue.next(ms, 'the next WebSocket message');
  return {
    socket,
    closed,
    next,
    nextMessage: nextMessageOf(next),
    async close() {
      if (socket.readyState !== WebSocket.CLOSED) socket.close(1000);
      await withTimeout(closed, 2_000, 'the WebSocket to close');
    },
  };
}

function asHello(received: Received): HelloMessage {
  if (received.message.type !== 'hello')
    throw new Error(`expected a hello first, got ${received.message.type}`);
  return received.message;
}

function asSample(received: Received): SampleMessage {
  if (received.message.type !== 'integrations.sample')
    throw new Error(`expected a sample, got ${received.message.type}`);
  return received.message;
}

/** Reads messages until `count` samples have arrived (replayed or live). */
async function readSamples(client: StreamClient, count: number): Promise<Received[]> {
  const samples: Received[] = [];
  while (samples.length < count) {
    const received = await client.nextMessage();
    asSample(received);
    samples.push(received);
  }
  return samples;
}

const seqOf = (received: Received) => asSample(received).seq;

/** What the server logs when it has to cut connections off at the end of the shutdown grace period. */
const graceWarning = 'in-flight requests outlived the shutdown grace period';

function createRecordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger = {
    ...silentLogger,
    warn: (_obj, msg) => warnings.push(msg ?? ''),
    child: () => logger,
  };
  return { logger, warnings };
}

/**
 * A stream request through node:http, so the test controls connection reuse. Resolves once the
 * response head arrives, or with 'refused' when the server no longer takes the request at all.
 */
function openNodeSse(agent: Agent, port: number): Promise<{ ended: Promise<void> } | 'refused'> {
  return new Promise((resolve) => {
    const headers = authHeaders(port);
    const request = get(
      { host: '127.0.0.1', port, path: '/api/stream', agent, headers },
      (response) => {
        const ended = new Promise<void>((resolveEnd) => response.once('close', () => resolveEnd()));
        response.resume();
        resolve({ ended });
      },
    );
    request.once('error', () => resolve('refused'));
  });
}

// --- the shared server for the streaming tests ---

let server: RunningServer | undefined;

function running(): RunningServer {
  if (!server) throw new Error('the BFF is not running: beforeAll did not complete');
  return server;
}

const baseUrl = () => `http://127.0.0.1:${running().port}`;

beforeAll(async () => {
  server = await signInTo(await startServer(loadConfig(testEnv()), silentLogger));
});

afterAll(async () => {
  await server?.close();
});

describe('GET /api/stream (SSE)', () => {
  it('greets with a hello, then delivers samples with consecutive sequence numbers as event ids', async () => {
    const sse = await openSse(baseUrl(), '/api/stream');
    try {
      expect(sse.response.status).toBe(200);
      expect(sse.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(sse.response.headers.get('cache-control')).toBe('no-store');

      const hello = asHello(await sse.nextMessage());
      expect(sse.retry()).toBeGreaterThan(0);

      const samples = await readSamples(sse, 2);
      const seqs = samples.map(seqOf);
      expect(seqs[1]).toBe((seqs[0] ?? Number.NaN) + 1);
      for (const received of samples) {
        const sample = asSample(received);
        expect(received.id).toBe(formatResumePoint(hello.epoch, sample.seq));
        expect(sample.samples.map((s) => s.integration).toSorted()).toEqual([
          'analytics',
          'email',
          'email-backup',
          'identity',
          'payments',
          'users',
        ]);
      }
    } finally {
      await sse.close();
    }
  });

  it('resumes after the Last-Event-ID it is sent, while that message is still buffered', async () => {
    const first = await openSse(baseUrl(), '/api/stream');
    const hello = asHello(await first.nextMessage());
    const [older] = await readSamples(first, 2);
    await first.close();
    if (!older) throw new Error('no sample received');

    const resumed = await openSse(baseUrl(), '/api/stream', {
      'last-event-id': formatResumePoint(hello.epoch, seqOf(older)),
    });
    try {
      expect(asHello(await resumed.nextMessage()).epoch).toBe(hello.epoch);
      expect(seqOf(await resumed.nextMessage())).toBe(seqOf(older) + 1);
    } finally {
      await resumed.close();
    }
  });

  it('accepts the resume point as ?resume= too, and replays the whole buffer for another epoch', async () => {
    const first = await openSse(baseUrl(), '/api/stream');
    const hello = asHello(await first.nextMessage());
    const [oldest] = await readSamples(first, 2);
    await first.close();
    if (!oldest) throw new Error('no sample received');

    const byQuery = await openSse(
      baseUrl(),
      `/api/stream?resume=${formatResumePoint(hello.epoch, seqOf(oldest))}`,
    );
    try {
      asHello(await byQuery.nextMessage());
      expect(seqOf(await byQuery.nextMessage())).toBe(seqOf(oldest) + 1);
    } finally {
      await byQuery.close();
    }

    // A resume point from an earlier run of the server: the client gets a fresh snapshot.
    const otherEpoch = hello.epoch === '0000000000000000' ? '1111111111111111' : '0000000000000000';
    const stale = await openSse(baseUrl(), '/api/stream', {
      'last-event-id': formatResumePoint(otherEpoch, 1_000),
    });
    try {
      asHello(await stale.nextMessage());
      expect(seqOf(await stale.nextMessage())).toBe(seqOf(oldest));
    } finally {
      await stale.close();
    }
  });

  it('refuses a malformed ?resume= with 400 validation_failed', async () => {
    const response = await fetch(`${baseUrl()}/api/stream?resume=12`, {
      headers: authHeaders(running().port),
    });
    expect(response.status).toBe(400);
    const body = ErrorBodySchema.parse(await response.json());
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details).toMatchObject({ target: 'query', issues: [{ path: 'resume' }] });
  });
});

describe('/api/ws (WebSocket)', () => {
  it('delivers the same messages as SSE, byte for byte', async () => {
    const ws = await openWs(running().port, '/api/ws');
    const sse = await openSse(baseUrl(), '/api/stream');
    try {
      const wsHello = asHello(await ws.nextMessage());
      const sseHello = asHello(await sse.nextMessage());
      expect(wsHello.epoch).toBe(sseHello.epoch);

      const wsSamples = await readSamples(ws, 2);
      const wsSeqs = wsSamples.map(seqOf);
      expect(wsSeqs[1]).toBe((wsSeqs[0] ?? Number.NaN) + 1);
      const lastWsSeq = Math.max(...wsSeqs);
      const sseBySeq = new Map<number, string>();
      while (!sseBySeq.has(lastWsSeq)) {
        const received = await sse.nextMessage();
        sseBySeq.set(seqOf(received), received.raw);
      }
      for (const received of wsSamples) expect(received.raw).toBe(sseBySeq.get(seqOf(received)));
    } finally {
      await Promise.all([ws.close(), sse.close()]);
    }
  });

  it('resumes after ?resume=', async () => {
    const first = await openWs(running().port, '/api/ws');
    const hello = asHello(await first.nextMessage());
    const [older] = await readSamples(first, 2);
    await first.close();
    if (!older) throw new Error('no sample received');

    const resumed = await openWs(
      running().port,
      `/api/ws?resume=${formatResumePoint(hello.epoch, seqOf(older))}`,
    );
    try {
      asHello(await resumed.nextMessage());
      expect(seqOf(await resumed.nextMessage())).toBe(seqOf(older) + 1);
    } finally {
      await resumed.close();
    }
  });

  it('refuses the handshake for a malformed ?resume=', async () => {
    await expect(openWs(running().port, '/api/ws?resume=nope')).rejects.toThrow(
      /Unexpected server response: 400/,
    );
  });
});

describe('health and shutdown', () => {
  it('answers /healthz and /readyz with 200 while running', async () => {
    const health = await fetch(`${baseUrl()}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${baseUrl()}/readyz`);
    expect(ready.status).toBe(200);
    expect(ReadinessSchema.parse(await ready.json()).status).toBe('ready');
  });

  it('turns not ready on shutdown, closes WebSockets with 1001 and ends SSE streams', async () => {
    const { logger, warnings } = createRecordingLogger();
    const own = await startServer(
      loadConfig(testEnv({ SWITCHBOARD_SHUTDOWN_GRACE_MS: '8000' })),
      logger,
    );
    await signInTo(own);
    let closing: Promise<void> | undefined;
    try {
      const ws = await openWs(own.port, '/api/ws');
      // `connection: close`, so an idle kept-alive socket does not hold close() up (see the known bug below).
      const sse = await openSse(`http://127.0.0.1:${own.port}`, '/api/stream', {
        connection: 'close',
      });
      // The hello proves each stream is subscribed on the server side.
      asHello(await ws.nextMessage());
      asHello(await sse.nextMessage());

      own.switchboard.beginShutdown();
      const notReady = await fetch(`http://127.0.0.1:${own.port}/readyz`);
      expect(notReady.status).toBe(503);
      const readiness = ReadinessSchema.parse(await notReady.json());
      expect(readiness.status).toBe('not_ready');
      expect(readiness.checks['accepting']?.status).toBe('failing');

      const start = performance.now();
      closing = own.close();
      const { code } = await withTimeout(
        ws.closed,
        2_000,
        'the WebSocket to be closed by the server',
      );
      expect(code).toBe(1001);
      let item = await sse.next(2_000);
      while (item.kind !== 'end') item = await sse.next(2_000);
      await withTimeout(closing, 7_000, 'server.close() to finish');
      // Nothing was left in flight, so nothing had to wait for, or be cut off at, the grace period.
      expect(warnings).not.toContain(graceWarning);
      expect(performance.now() - start).toBeLessThan(1_000);
    } finally {
      await (closing ?? own.close());
    }
  });

  // An EventSource reconnecting on its kept-alive connection during shutdown must not hold close()
  // open until the grace period: the stream is ended at once and the connection closed.
  it('ends streams that reconnect during shutdown, so close() needs no grace period', async () => {
    const { logger, warnings } = createRecordingLogger();
    const own = await startServer(
      loadConfig(testEnv({ SWITCHBOARD_SHUTDOWN_GRACE_MS: '500' })),
      logger,
    );
    await signInTo(own);
    // One kept-alive socket, as a browser's EventSource reuses its connection when it reconnects.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await openNodeSse(agent, own.port);
      if (first === 'refused') throw new Error('the first stream request was refused');
      const closing = own.close();
      await withTimeout(first.ended, 2_000, 'the first stream to end');
      // Refused or served-and-ended are both fine; a stream left open is not.
      const reconnected = await openNodeSse(agent, own.port);
      await withTimeout(closing, 2_000, 'server.close() to finish');
      if (reconnected !== 'refused')
        await withTimeout(reconnected.ended, 2_000, 'the reconnected stream to end');
      expect(warnings).not.toContain(graceWarning);
    } finally {
      agent.destroy();
      await own.close();
    }
  });
});
