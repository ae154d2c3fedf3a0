// Live streams over real sockets: SSE and WebSocket deliver the same numbered messages, resume, and end at shutdown.
import { ErrorBodySchema } from '@switchboard/shared/errors';
import { ReadinessSchema } from '@switchboard/shared/health';
import {
  formatResumePoint,
  ServerMessageSchema,
  type FlowRunMessage,
  type HelloMessage,
  type SampleMessage,
  SequencedMessageSchema,
  type SequencedMessage,
  type ServerMessage,
  type StatusMessage,
} from '@switchboard/shared/stream';
import { Agent, get } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { loadConfig } from '../config/config';
import { fastHasher } from '../auth/test-auth';
import { signIn, testEnv, type TestClient } from '../auth/test-session';
import { silentLogger, type Logger } from '../http/logger';
import { startServer, type RunningServer } from '../runtime/node/server';
import type { Outlet } from './outlet';
import type { Subscriber } from './stream-hub';

/**
 * A server for these tests. Signing in hashes four passwords: at the production cost (32 MiB each)
 * that alone outlasts a 10 s hook on a loaded 2-core machine, so tests hash cheaply.
 */
function startTestServer(
  env: Record<string, string> = {},
  logger: Logger = silentLogger,
  options: Omit<NonNullable<Parameters<typeof startServer>[2]>, 'passwords'> = {},
): Promise<RunningServer> {
  return startServer(loadConfig(testEnv(env)), logger, { ...options, passwords: fastHasher() });
}

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
  message: ServerMessage;
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
  /** Comment lines (the server's heartbeat) received so far. */
  comments(): number;
}

interface WsClient extends StreamClient {
  socket: WebSocket;
  closed: Promise<{ code: number; reason: string }>;
}

/** The next message other than the server's periodic `ping` (tests that want pings read `next`). */
function nextMessageOf(next: StreamClient['next']): StreamClient['nextMessage'] {
  return async (ms) => {
    for (;;) {
      const item = await next(ms);
      if (item.kind === 'end') throw new Error('the stream ended while a message was expected');
      if (item.kind === 'invalid') throw item.error;
      if (item.received.message.type !== 'ping') return item.received;
    }
  };
}

/** Parses one message against the shared contract; a bad message becomes an item, never a throw in a listener. */
function toItem(id: string | undefined, raw: string): StreamItem {
  try {
    return {
      kind: 'message',
      received: { id, raw, message: ServerMessageSchema.parse(JSON.parse(raw)) },
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
  let comments = 0;
  const decoder = new TextDecoder();
  let pending = '';

  const handleBlock = (block: string) => {
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments += 1;
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
    comments: () => comments,
    next,
    nextMessage: nextMessageOf(next),
    async close() {
      await reader.cancel().catch(() => undefined);
      await pump;
    },
  };
}

async function openWs(
  port: number,
  path: string,
  options: { autoPong?: boolean } = {},
): Promise<WsClient> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, {
    headers: authHeaders(port),
    ...options,
  });
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

function asSequenced(received: Received): SequencedMessage {
  const { message } = received;
  // Every topic's messages are sequenced (integration samples, and flow runs and queue samples).
  const sequenced = SequencedMessageSchema.safeParse(message);
  if (!sequenced.success) throw new Error(`expected a sequenced message, got ${message.type}`);
  return sequenced.data;
}

function asStatus(received: Received): StatusMessage {
  if (received.message.type !== 'stream.status')
    throw new Error(`expected a stream.status, got ${received.message.type}`);
  return received.message;
}

/** Reads sequenced messages until `count` have arrived (replayed, snapshot or live). */
async function readSequenced(client: StreamClient, count: number): Promise<Received[]> {
  const messages: Received[] = [];
  while (messages.length < count) {
    const received = await client.nextMessage();
    asSequenced(received);
    messages.push(received);
  }
  return messages;
}

/** Reads until a live (not snapshot) `integrations.sample` arrives; returns everything read. */
async function readUntilLiveSample(client: StreamClient): Promise<Received[]> {
  const read: Received[] = [];
  for (;;) {
    const received = await client.nextMessage();
    read.push(received);
    const m = received.message;
    if (m.type === 'integrations.sample' && !m.snapshot) return read;
  }
}

/** Reads until the first live (not snapshot) sequenced message, and returns it. */
async function readUntilLive(client: StreamClient): Promise<Received> {
  for (;;) {
    const received = await client.nextMessage();
    if (!asSequenced(received).snapshot) return received;
  }
}

/** The raw messages by sequence number from `first` (already read) through `last`. */
async function readThrough(
  client: StreamClient,
  first: Received,
  last: number,
): Promise<Map<number, string>> {
  const bySeq = new Map([[seqOf(first), first.raw]]);
  let seq = seqOf(first);
  while (seq < last) {
    const received = await client.nextMessage();
    seq = seqOf(received);
    bySeq.set(seq, received.raw);
  }
  return bySeq;
}

function itemAt<T>(list: readonly T[], index: number): T {
  if (index >= list.length) throw new Error(`expected at least ${index + 1} items`);
  return list[index] as T;
}

const seqOf = (received: Received) => asSequenced(received).seq;

/** A sample on the `integrations` topic with `size` rows: about 60 bytes each. */
function bulkSample(at: number, size: number): Omit<SampleMessage, 'seq'> {
  return {
    type: 'integrations.sample',
    topic: 'integrations',
    at,
    samples: Array.from({ length: size }, (_, i) => ({
      integration: `bulk-${i}`,
      calls: i,
      errors: 0,
      latencyMs: { p50: 1, p95: 2, max: 3 },
    })),
  };
}

/** A hub subscriber that is a stream's outlet (flow control), whose status the test can read. */
const isOutlet = (subscriber: Subscriber): subscriber is Outlet =>
  'status' in subscriber && typeof subscriber.status === 'function';

/**
 * A flow run on the `flows` topic whose input is `bytes` characters: as many bytes as a sample of
 * hundreds of rows, for a fraction of the parsing and validating (a string, not objects). The
 * flow-control tests need megabytes on the wire to fill loopback's socket buffers; with samples
 * most of their time went to validating rows, which a loaded machine could not do in time.
 */
function bulkRun(at: number, bytes: number): Omit<FlowRunMessage, 'seq'> {
  return {
    type: 'flow.run',
    topic: 'flows',
    at,
    run: {
      id: `run-${at}`,
      flow: 'bulk',
      idempotencyKey: `run-${at}`,
      status: 'running',
      input: 'x'.repeat(bytes),
      steps: [],
      failedStep: null,
      createdAt: at,
      updatedAt: at,
    },
  };
}

/** Waits until `condition` holds, polling; fails after `ms`. */
async function eventually(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sandboxIntegrations = ['analytics', 'email', 'email-backup', 'identity', 'payments', 'users'];

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
  server = await signInTo(await startTestServer());
});

afterAll(async () => {
  await server?.close();
});

describe('GET /api/stream (SSE)', () => {
  it('greets with a hello and a snapshot, then delivers every topic in sequence with resume points as event ids', async () => {
    const sse = await openSse(baseUrl(), '/api/stream');
    try {
      expect(sse.response.status).toBe(200);
      expect(sse.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(sse.response.headers.get('cache-control')).toBe('no-store');

      const hello = asHello(await sse.nextMessage());
      expect(hello.sync).toBe('snapshot');
      expect(hello.topics).toBeUndefined();
      expect(sse.retry()).toBeGreaterThan(0);

      const read = await readUntilLiveSample(sse);
      const live = await readSequenced(sse, sandboxIntegrations.length);
      const all = [...read, ...live].map((r) => ({ received: r, message: asSequenced(r) }));
      const seqs = all.map((m) => m.message.seq);
      expect(seqs).toEqual(seqs.toSorted((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
      for (const { received, message } of all)
        expect(received.id).toBe(formatResumePoint(hello.epoch, message.seq));
      // Live messages after a live set: consecutive, the set then one per integration.
      const lastSet = all.findLastIndex((m) => m.message.type === 'integrations.sample');
      const tail = all.slice(lastSet);
      expect(tail.map((m) => m.message.seq)).toEqual(
        tail.map((_, i) => (tail[0]?.message.seq ?? 0) + i),
      );
      const set = asSample(itemAt(tail, 0).received);
      expect(set.samples.map((s) => s.integration).toSorted()).toEqual(sandboxIntegrations);
      expect(
        tail.slice(1).map((m) => m.message.type === 'integration.sample' && m.message.topic),
      ).toEqual(set.samples.map((s) => `integration:${s.integration}`));
    } finally {
      await sse.close();
    }
  });

  it('delivers only the chosen topics, with a snapshot of their latest messages first', async () => {
    const { hub } = running().switchboard;
    // A quiet topic nobody else publishes on: only its latest message can be in the snapshot.
    hub.publish({
      type: 'integration.sample',
      topic: 'integration:quiet',
      at: 1,
      sample: { integration: 'quiet', calls: 1, errors: 0, latencyMs: null },
    });
    const quiet = hub.publish({
      type: 'integration.sample',
      topic: 'integration:quiet',
      at: 2,
      sample: { integration: 'quiet', calls: 2, errors: 0, latencyMs: null },
    });
    const sse = await openSse(baseUrl(), '/api/stream?topics=integration:quiet,integration:users');
    try {
      const hello = asHello(await sse.nextMessage());
      expect(hello.topics).toEqual(['integration:quiet', 'integration:users']);
      const snapshot = await readSequenced(sse, 2);
      expect(snapshot.map((r) => asSequenced(r).topic).toSorted()).toEqual([
        'integration:quiet',
        'integration:users',
      ]);
      for (const r of snapshot) expect(asSequenced(r).snapshot).toBe(true);
      expect(snapshot.find((r) => asSequenced(r).topic === 'integration:quiet')?.raw).toBe(
        `${quiet.json.slice(0, -1)},"snapshot":true}`,
      );
      const live = await readSequenced(sse, 3);
      for (const r of live) {
        expect(asSequenced(r)).toMatchObject({ topic: 'integration:users' });
        expect(asSequenced(r).snapshot).toBeUndefined();
      }
    } finally {
      await sse.close();
    }
  });

  it('after a dropped connection, resumes from Last-Event-ID and delivers every number exactly once', async () => {
    const { hub } = running().switchboard;
    const published: number[] = [];
    const publish = (n: number) => {
      for (let i = 0; i < n; i++) published.push(hub.publish(bulkSample(i, 1)).seq);
    };
    const first = await openSse(baseUrl(), '/api/stream');
    const hello = asHello(await first.nextMessage());
    const got: number[] = [];
    const snapshotEnd = hub.seq;
    // Skip the snapshot: from here every number is expected.
    let received = await first.nextMessage();
    while (seqOf(received) < snapshotEnd) received = await first.nextMessage();
    const from = seqOf(received);
    got.push(from);
    publish(20);
    while ((got.at(-1) ?? 0) < (published[9] ?? 0)) got.push(seqOf(await first.nextMessage()));
    await first.close();
    publish(20); // missed while disconnected
    const resumed = await openSse(baseUrl(), '/api/stream', {
      'last-event-id': formatResumePoint(hello.epoch, got.at(-1) ?? 0),
    });
    try {
      expect(asHello(await resumed.nextMessage())).toMatchObject({
        epoch: hello.epoch,
        sync: 'replay',
      });
      publish(5);
      const last = published.at(-1) ?? 0;
      while ((got.at(-1) ?? 0) < last) got.push(seqOf(await resumed.nextMessage()));
      // Every number from the first one seen to the last published, once each, in order.
      expect(got).toEqual(Array.from({ length: last - from + 1 }, (_, i) => from + i));
      for (const seq of published) expect(got).toContain(seq);
    } finally {
      await resumed.close();
    }
  });

  it('accepts the resume point as ?resume= too, and sends a snapshot for another epoch', async () => {
    const first = await openSse(baseUrl(), '/api/stream');
    const hello = asHello(await first.nextMessage());
    const [oldest] = await readSequenced(first, 1);
    await first.close();
    if (!oldest) throw new Error('no message received');

    const byQuery = await openSse(
      baseUrl(),
      `/api/stream?resume=${formatResumePoint(hello.epoch, seqOf(oldest))}`,
    );
    try {
      expect(asHello(await byQuery.nextMessage()).sync).toBe('replay');
      const next = asSequenced(await byQuery.nextMessage());
      expect(next.seq).toBe(seqOf(oldest) + 1);
      expect(next.snapshot).toBeUndefined();
    } finally {
      await byQuery.close();
    }

    // A resume point from an earlier run of the server: the client gets a fresh snapshot.
    const otherEpoch = hello.epoch === '0000000000000000' ? '1111111111111111' : '0000000000000000';
    const stale = await openSse(baseUrl(), '/api/stream', {
      'last-event-id': formatResumePoint(otherEpoch, 1_000),
    });
    try {
      expect(asHello(await stale.nextMessage()).sync).toBe('snapshot');
      expect(asSequenced(await stale.nextMessage()).snapshot).toBe(true);
    } finally {
      await stale.close();
    }
  });

  it('prefers Last-Event-ID to a ?resume= in the URL (the browser reconnects with its first URL)', async () => {
    const { hub } = running().switchboard;
    const first = await openSse(baseUrl(), '/api/stream');
    const hello = asHello(await first.nextMessage());
    await first.close();
    const older = hub.publish(bulkSample(0, 1)).seq;
    const newer = hub.publish(bulkSample(1, 1)).seq;
    const resumed = await openSse(
      baseUrl(),
      `/api/stream?resume=${formatResumePoint(hello.epoch, older - 1)}`,
      { 'last-event-id': formatResumePoint(hello.epoch, older) },
    );
    try {
      expect(asHello(await resumed.nextMessage()).sync).toBe('replay');
      // Only what followed the header's point: `older` itself is not sent again.
      expect(asSequenced(await resumed.nextMessage()).seq).toBe(newer);
    } finally {
      await resumed.close();
    }
  });

  it('refuses a malformed ?resume= or ?topics= with 400 validation_failed', async () => {
    for (const [query, path] of [
      ['resume=12', 'resume'],
      ['topics=integration:Bad Name', 'topics'],
      ['topics=', 'topics'],
      ['topics=alerts', 'topics'],
    ] as const) {
      const response = await fetch(`${baseUrl()}/api/stream?${query}`, {
        headers: authHeaders(running().port),
      });
      expect(response.status, query).toBe(400);
      const body = ErrorBodySchema.parse(await response.json());
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.details).toMatchObject({ target: 'query', issues: [{ path }] });
    }
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

      // A message published between the two subscriptions is live on one stream and part of the
      // other's snapshot (marked `snapshot: true`): not the same message. On a loaded machine that
      // happens, so three messages live on both are compared, from the later first live one.
      const firstWs = await readUntilLive(ws);
      const firstSse = await readUntilLive(sse);
      const from = Math.max(seqOf(firstWs), seqOf(firstSse));
      const compared = [from, from + 1, from + 2];
      const wsBySeq = await readThrough(ws, firstWs, from + 2);
      const sseBySeq = await readThrough(sse, firstSse, from + 2);
      for (const seq of compared) {
        expect(wsBySeq.get(seq), `seq ${seq}`).toEqual(expect.any(String));
        expect(wsBySeq.get(seq), `seq ${seq}`).toBe(sseBySeq.get(seq));
      }
    } finally {
      await Promise.all([ws.close(), sse.close()]);
    }
  });

  it('resumes after ?resume=', async () => {
    const first = await openWs(running().port, '/api/ws');
    const hello = asHello(await first.nextMessage());
    const [older] = await readSequenced(first, 1);
    await first.close();
    if (!older) throw new Error('no message received');

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

  it('subscribes to chosen topics by message, and resumes by message', async () => {
    const ws = await openWs(running().port, '/api/ws?topics=integrations');
    try {
      const hello = asHello(await ws.nextMessage());
      expect(hello.topics).toEqual(['integrations']);
      const [first] = await readSequenced(ws, 1);
      expect(first && asSequenced(first).topic).toBe('integrations');

      ws.socket.send(JSON.stringify({ type: 'subscribe', topics: ['integration:email'] }));
      let again = await ws.nextMessage();
      // An `integrations` message may have been on its way before the subscribe arrived.
      while (again.message.type !== 'hello') again = await ws.nextMessage();
      expect(asHello(again)).toMatchObject({ topics: ['integration:email'], sync: 'snapshot' });
      const emails = await readSequenced(ws, 3);
      for (const r of emails) expect(asSequenced(r).topic).toBe('integration:email');
      const lastEmail = seqOf(itemAt(emails, 1));

      ws.socket.send(
        JSON.stringify({ type: 'resume', from: formatResumePoint(hello.epoch, lastEmail) }),
      );
      let resumed = await ws.nextMessage();
      while (resumed.message.type !== 'hello') resumed = await ws.nextMessage();
      expect(asHello(resumed).sync).toBe('replay');
      const replayed = asSequenced(await ws.nextMessage());
      expect(replayed).toMatchObject({ topic: 'integration:email', seq: seqOf(itemAt(emails, 2)) });
    } finally {
      await ws.close();
    }
  });

  it('answers a bad client message with an error, and closes with 1008 on one that is not JSON', async () => {
    const ws = await openWs(running().port, '/api/ws?topics=integration:none');
    try {
      asHello(await ws.nextMessage());
      ws.socket.send(JSON.stringify({ type: 'subscribe', topics: ['nope'] }));
      const error = await ws.nextMessage();
      expect(error.message).toMatchObject({ type: 'error', code: 'invalid_topics' });
      ws.socket.send(JSON.stringify({ type: 'dance' }));
      expect((await ws.nextMessage()).message).toMatchObject({
        type: 'error',
        code: 'invalid_message',
      });
      ws.socket.send('not json');
      const { code, reason } = await withTimeout(ws.closed, 2_000, 'the 1008 close');
      expect(code).toBe(1008);
      expect(reason).toMatch(/JSON/);
    } finally {
      await ws.close();
    }
  });

  it('answers a ping message with a pong', async () => {
    const ws = await openWs(running().port, '/api/ws?topics=integration:none');
    try {
      asHello(await ws.nextMessage());
      ws.socket.send(JSON.stringify({ type: 'ping' }));
      const pong = await ws.nextMessage();
      expect(pong.message).toMatchObject({ type: 'pong' });
    } finally {
      await ws.close();
    }
  });

  it('refuses the handshake for a malformed ?resume= or ?topics=', async () => {
    await expect(openWs(running().port, '/api/ws?resume=nope')).rejects.toThrow(
      /Unexpected server response: 400/,
    );
    await expect(openWs(running().port, '/api/ws?topics=x,,y')).rejects.toThrow(
      /Unexpected server response: 400/,
    );
  });
});

describe('heartbeats (SSE)', () => {
  const heartbeatMs = 100;
  let own: RunningServer | undefined;

  beforeAll(async () => {
    own = await signInTo(
      await startTestServer({}, silentLogger, {
        realtime: { sseHeartbeatMs: heartbeatMs },
      }),
    );
  });
  afterAll(async () => {
    await own?.close();
  });

  it('writes a comment line to a quiet stream every interval, none to one that carries messages', async () => {
    if (!own) throw new Error('the heartbeat server is not running');
    const { hub } = own.switchboard;
    const base = `http://127.0.0.1:${own.port}`;
    const quiet = await openSse(base, '/api/stream?topics=integration:none');
    const busy = await openSse(base, '/api/stream?topics=integration:busy');
    try {
      asHello(await quiet.nextMessage());
      asHello(await busy.nextMessage());
      // A message every 25 ms on the busy stream, until the quiet one has had ten comments (ten
      // intervals). Not a fixed number of rounds: on a loaded machine the server's heartbeat timer
      // (an interval in fifteen slices) falls behind the test's, and ten intervals' worth of rounds
      // see fewer beats.
      for (let i = 0; i < 800 && quiet.comments() < 10; i++) {
        hub.publish({
          type: 'integration.sample',
          topic: 'integration:busy',
          at: i,
          sample: { integration: 'busy', calls: i, errors: 0, latencyMs: null },
        });
        await busy.nextMessage();
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(quiet.comments()).toBeGreaterThanOrEqual(10);
      expect(busy.comments()).toBe(0);
    } finally {
      await Promise.all([quiet.close(), busy.close()]);
    }
  });
});

describe('heartbeats and slow clients (WebSocket)', () => {
  const heartbeatMs = 150;
  let own: RunningServer | undefined;
  const ownServer = () => {
    if (!own) throw new Error('the heartbeat server is not running');
    return own;
  };

  beforeAll(async () => {
    own = await signInTo(
      await startTestServer({}, silentLogger, {
        realtime: { wsHeartbeatMs: heartbeatMs },
      }),
    );
  });
  afterAll(async () => {
    await own?.close();
  });

  it('pings every interval and keeps a peer that answers', async () => {
    const ws = await openWs(ownServer().port, '/api/ws?topics=integration:none');
    try {
      asHello(await ws.nextMessage());
      let pings = 0;
      while (pings < 4) {
        const item = await ws.next(heartbeatMs * 10);
        if (item.kind !== 'message') throw new Error(`expected a ping, got ${item.kind}`);
        if (item.received.message.type === 'ping') pings += 1;
      }
      expect(ws.socket.readyState).toBe(WebSocket.OPEN);
    } finally {
      await ws.close();
    }
  });

  it('sends no ping message to a socket that carried messages since the last ping, and keeps it', async () => {
    const { hub } = ownServer().switchboard;
    const ws = await openWs(ownServer().port, '/api/ws?topics=integration:busy');
    let pings = 0;
    let protocolPings = 0;
    ws.socket.on('ping', () => (protocolPings += 1));
    try {
      asHello(await ws.nextMessage());
      // A message every 30 ms until ten protocol pings arrived (ten heartbeat intervals, each visit
      // also looking for a quiet interval): never a quiet interval. Counted in pings, not rounds:
      // on a loaded machine the heartbeat timer falls behind the test's.
      for (let i = 0; i < 500 && protocolPings < 10; i++) {
        hub.publish({
          type: 'integration.sample',
          topic: 'integration:busy',
          at: i,
          sample: { integration: 'busy', calls: i, errors: 0, latencyMs: null },
        });
        for (;;) {
          const item = await ws.next(heartbeatMs * 10);
          if (item.kind !== 'message') throw new Error(`expected a message, got ${item.kind}`);
          if (item.received.message.type === 'ping') pings += 1;
          else break;
        }
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      // Protocol pings still find out whether the peer is there; it answered them, so it stays.
      expect(protocolPings).toBeGreaterThanOrEqual(10);
      expect(pings).toBe(0);
      expect(ws.socket.readyState).toBe(WebSocket.OPEN);
    } finally {
      await ws.close();
    }
  });

  it('terminates a peer that answers neither protocol pings nor sends anything', async () => {
    const ws = await openWs(ownServer().port, '/api/ws?topics=integration:none', {
      autoPong: false,
    });
    asHello(await ws.nextMessage());
    const { code } = await withTimeout(
      ws.closed,
      heartbeatMs * 10,
      'the silent peer to be cut off',
    );
    // Terminated, not closed: a dead peer would never answer a close handshake.
    expect(code).toBe(1006);
  });

  it('conflates a client that stops reading without slowing one that keeps up', async () => {
    const statusMs = 100;
    // The default heartbeat (15 s): a client that stops reading answers no pings either.
    const flowServer = await signInTo(
      await startTestServer({}, silentLogger, {
        realtime: {
          flow: {
            softBytes: 64 * 1024,
            hardBytes: 64 * 1024 * 1024,
            stallMs: 60_000,
            checkMs: 20,
            statusMs,
          },
        },
      }),
    );
    const { hub } = flowServer.switchboard;
    // The server's outlet of each stream, seen as the hub gets it. How much loopback's socket
    // buffers take before the server's own send buffer grows depends on the kernel (3 MB here,
    // more elsewhere), so the test publishes until the server says it holds messages back, instead
    // of a fixed 12 MB that a loaded machine does not get through in time.
    const outlets: Outlet[] = [];
    const subscribe = hub.subscribe.bind(hub);
    hub.subscribe = (subscriber, options) => {
      if (isOutlet(subscriber)) outlets.push(subscriber);
      return subscribe(subscriber, options);
    };
    // Merged at least once, and lagging for long enough that a periodic status is due too.
    const conflating = () =>
      outlets.some((o) => o.status().merged > 0 && o.status().lagMs >= 2 * statusMs);
    const fast = await openWs(flowServer.port, '/api/ws?topics=flows');
    const slow = await openWs(flowServer.port, '/api/ws?topics=flows');
    try {
      asHello(await fast.nextMessage());
      asHello(await slow.nextMessage());
      expect(outlets).toHaveLength(2);
      // Stop reading: the kernel buffers fill, then the server's send buffer for this socket grows.
      const slowSocket = (slow.socket as unknown as { _socket: Socket })._socket;
      slowSocket.pause();
      const fastSeqs: number[] = [];
      const published: number[] = [];
      // ~40 KB each. The fast client takes each one before the next is sent, as a client that
      // keeps up would.
      const publishOne = async () => {
        const seq = hub.publish(bulkRun(published.length, 40_000)).seq;
        published.push(seq);
        while ((fastSeqs.at(-1) ?? 0) < seq) {
          const received = await fast.nextMessage();
          if (received.message.type === 'stream.status')
            throw new Error('the fast client was reported lagging');
          fastSeqs.push(seqOf(received));
        }
      };
      while (!conflating()) {
        // 40 MB: far more than any socket buffers hold; a server that never conflates fails here.
        if (published.length >= 1_000) throw new Error('the slow client was never conflated');
        await publishOne();
      }
      // And one more: waiting for its copy lets the server's timers (the slow outlet's check, which
      // sends the due status) run once more too.
      await publishOne();
      const last = published.at(-1) ?? 0;
      // The fast client got every number published from its first one, in order.
      for (const seq of published) expect(fastSeqs).toContain(seq);
      expect(fastSeqs).toEqual(fastSeqs.toSorted((a, b) => a - b));

      slowSocket.resume();
      const slowSeqs: number[] = [];
      const statuses: StatusMessage[] = [];
      while ((slowSeqs.at(-1) ?? 0) < last) {
        const received = await slow.nextMessage(5_000);
        if (received.message.type === 'stream.status') statuses.push(asStatus(received));
        else slowSeqs.push(seqOf(received));
      }
      // In order, ending with the latest, but merged on the way: fewer messages than published.
      expect(slowSeqs).toEqual(slowSeqs.toSorted((a, b) => a - b));
      expect(new Set(slowSeqs).size).toBe(slowSeqs.length);
      expect(slowSeqs.filter((s) => published.includes(s)).length).toBeLessThan(published.length);
      const merged = Math.max(...statuses.map((s) => s.merged));
      expect(merged).toBeGreaterThan(0);
      expect(statuses.some((s) => s.queued > 0)).toBe(true);
      // Once it drained, the server said so: nothing queued any more.
      let final = statuses.at(-1);
      while (!final || final.queued > 0) {
        const received = await slow.nextMessage(5_000);
        if (received.message.type === 'stream.status') final = asStatus(received);
      }
      expect(final.merged).toBeGreaterThanOrEqual(merged);
      expect(slowSeqs.length + final.merged).toBeGreaterThanOrEqual(published.length);
    } finally {
      await Promise.all([fast.close(), slow.close()]);
      await flowServer.close();
    }
  });

  it('drops a client that stays stuck past the hard limit (it reconnects and resumes)', async () => {
    const own2 = await signInTo(
      await startTestServer({}, silentLogger, {
        realtime: {
          flow: {
            softBytes: 16 * 1024,
            hardBytes: 32 * 1024,
            stallMs: 200,
            checkMs: 20,
            statusMs: 100,
          },
        },
      }),
    );
    try {
      const { hub } = own2.switchboard;
      const slow = await openWs(own2.port, '/api/ws?topics=flows');
      asHello(await slow.nextMessage());
      const slowSocket = (slow.socket as unknown as { _socket: Socket })._socket;
      slowSocket.pause();
      const subscribers = hub.size;
      for (let i = 0; i < 300 && hub.size === subscribers; i++) {
        hub.publish(bulkRun(i, 40_000));
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await eventually(() => hub.size < subscribers, 5_000, 'the stuck client to be dropped');
      slowSocket.resume();
      const { code } = await withTimeout(slow.closed, 5_000, 'the dropped client to see the close');
      expect([1013, 1006]).toContain(code);
    } finally {
      await own2.close();
    }
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
    const own = await startTestServer({ SWITCHBOARD_SHUTDOWN_GRACE_MS: '8000' }, logger);
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
    const own = await startTestServer({ SWITCHBOARD_SHUTDOWN_GRACE_MS: '500' }, logger);
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
