// The live streams: the same numbered messages over SSE (GET /api/stream) and WebSocket (/api/ws),
// per topic, with snapshot or replay on subscribe, heartbeats, and conflation for slow clients.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ErrorBodySchema } from '@switchboard/shared/errors';
import {
  ClientMessageSchema,
  parseResumePoint,
  ResumePointSchema,
  TopicsParamSchema,
  type ClientMessage,
} from '@switchboard/shared/stream';
import type { Context, MiddlewareHandler } from 'hono';
import type { UpgradeWebSocket, WSContext } from 'hono/ws';
import { principalOf } from '../auth/guards';
import type { AppEnv } from '../http/app-env';
import { errorResponse, validationHook } from '../http/errors';
import { createOutlet, type FlowLimits, type Outlet, type Transport } from './outlet';
import { rawSocketOf, socketOpen, type RawSocket } from './socket-controls';
import { createSweep } from './sweep';
import {
  controlFrame,
  type Frame,
  type StreamHub,
  type SubscribeOptions,
  type Subscriber,
  type Subscription,
} from './stream-hub';

/** A runtime's direct line to an event stream's HTTP response. */
export interface EventStreamSink {
  /** Queues or writes bytes; the same buffer is handed to every stream of a broadcast. */
  write(bytes: Uint8Array): void;
  /** Bytes written but not yet taken by the peer. */
  pending(): number;
  end(): void;
  /** Called once when the response ends or the peer goes away. */
  onClose(listener: () => void): void;
}

/**
 * Takes over the response of an event stream on runtimes that can write it directly (Node): the
 * route returns `response` and writes through `sink`. Undefined means: use a ReadableStream body.
 */
export type OpenEventStream = (
  c: Context,
  headers: Record<string, string>,
) => { sink: EventStreamSink; response: Response } | undefined;

export interface RealtimeDeps {
  hub: StreamHub;
  upgradeWebSocket: UpgradeWebSocket;
  /** Optional: direct event-stream responses (Node); a ReadableStream body otherwise. */
  openEventStream?: OpenEventStream | undefined;
  /** How often an idle SSE stream gets a comment line, so proxies and clients see it is alive. */
  sseHeartbeatMs: number;
  /**
   * How often the server pings each WebSocket (a `ping` message and a protocol ping frame). A peer
   * that sent nothing — no message, no pong — for a whole interval after a ping is terminated, so a
   * dead peer is found within two intervals.
   */
  wsHeartbeatMs: number;
  /** When a slow client is conflated, and when it is dropped (it reconnects and resumes). */
  flow: FlowLimits;
  /** Whether a stream may be opened from this page's origin (checked at upgrade: 403 otherwise). */
  allowOrigin: (c: Context<AppEnv>) => boolean;
  /** Registers for session revocations, so a revoked session's streams end (1008). */
  onSessionRevoked: (listener: (sessionId: string) => void) => void;
  /** Messages a WebSocket client may send per second before it is closed with 1008. */
  wsMessagesPerSecond: number;
  now?: () => number;
}

/** Topic and resume parameters, the same on both transports. */
const streamQuery = z.object({
  topics: z
    .string()
    .superRefine((value, ctx) => {
      const parsed = TopicsParamSchema.safeParse(value);
      if (!parsed.success)
        ctx.addIssue({
          code: 'custom',
          message: parsed.error.issues[0]?.message ?? 'invalid topics',
        });
    })
    .optional()
    .meta({
      description:
        'Comma-separated topics (`integrations`, `integration:<name>`); every topic when absent.',
    }),
  resume: ResumePointSchema.optional().meta({
    description:
      'Resume after this point (`<epoch>.<seq>`); missed messages still buffered are replayed, otherwise a snapshot is sent.',
  }),
});

const streamRoute = createRoute({
  method: 'get',
  path: '/api/stream',
  summary: 'Live messages as Server-Sent Events; honours Last-Event-ID for resume',
  request: { query: streamQuery },
  responses: {
    200: {
      description: 'An event stream of ServerMessage JSON',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    400: {
      description: 'Invalid topics or resume point',
      content: { 'application/json': { schema: ErrorBodySchema } },
    },
  },
});

const wsRoute = createRoute({
  method: 'get',
  path: '/api/ws',
  summary:
    'Live messages over WebSocket; the same ServerMessage JSON as /api/stream, one per frame. The client may send ClientMessage JSON (subscribe, resume, ping).',
  request: { query: streamQuery },
  responses: {
    101: { description: 'Switching to the WebSocket protocol' },
    400: {
      description: 'Invalid topics or resume point',
      content: { 'application/json': { schema: ErrorBodySchema } },
    },
  },
});

const encoder = new TextEncoder();
const heartbeatBytes = encoder.encode(': ping\n\n');
const retryBytes = encoder.encode('retry: 2000\n\n');

/** `ws` send options for every frame: text, never compressed; one object for all sends. */
const textFrame = { binary: false, compress: false } as const;

const sseHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  'x-accel-buffering': 'no',
};

const topicsOf = (param: string | undefined) =>
  param === undefined ? undefined : TopicsParamSchema.parse(param);

/** One WebSocket connection, as the heartbeat sees it. */
interface LiveSocket {
  alive: boolean;
  /** Whether anything was written to it since the heartbeat's last visit. */
  sent: boolean;
  outlet: Outlet | undefined;
  ws: WSContext | undefined;
  raw: RawSocket | undefined;
}

/** The connection behind a raw socket, for the one `pong` listener every socket shares. */
const liveOf = new WeakMap<RawSocket, LiveSocket>();
function markAlive(this: RawSocket) {
  const live = liveOf.get(this);
  if (live) live.alive = true;
}

export function createRealtimeRoutes(deps: RealtimeDeps) {
  const now = deps.now ?? Date.now;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  // Live streams by session, so a revocation reaches every tab and transport of that session.
  const bySession = new Map<string, Set<Subscriber>>();
  deps.onSessionRevoked((sessionId) => {
    const subscribers = bySession.get(sessionId);
    bySession.delete(sessionId);
    for (const s of subscribers ?? []) s.close(1008, 'session revoked');
  });
  /** Counts a stream under its session, so a revocation can end it. */
  const track = (sessionId: string, subscriber: Subscriber) => {
    const own = bySession.get(sessionId) ?? new Set();
    bySession.set(sessionId, own.add(subscriber));
  };
  const untrack = (sessionId: string, subscriber: Subscriber) => {
    const own = bySession.get(sessionId);
    own?.delete(subscriber);
    if (own?.size === 0) bySession.delete(sessionId);
  };

  // Every WebSocket is pinged once per interval, a slice of them at a time (sweep.ts); a peer that
  // stayed silent since its last ping is terminated.
  let ping: Frame | undefined;
  const heartbeat = createSweep<LiveSocket>({
    intervalMs: deps.wsHeartbeatMs,
    // One serialisation per slice, shared by the sockets it visits.
    beforeSlice: () => {
      ping = controlFrame({ type: 'ping', serverTime: now() });
    },
    visit: (socket) => {
      if (!socket.alive) {
        heartbeat.delete(socket);
        if (socket.raw) socket.raw.terminate();
        else socket.ws?.close(1001, 'no answer to ping');
        return;
      }
      socket.alive = false;
      socket.raw?.ping();
      // The `ping` message is how a browser, which never sees protocol pings, knows the server is
      // there; a socket that carried messages since the last visit knows already. Skipping it
      // saves a write per socket per interval at 10,000 sockets (decision 023).
      if (!socket.sent && ping) socket.outlet?.control(ping);
      socket.sent = false;
    },
  });
  const watch = (socket: LiveSocket) => heartbeat.add(socket);
  const unwatch = (socket: LiveSocket) => heartbeat.delete(socket);

  const checkStreamAccess: MiddlewareHandler<AppEnv> = async function checkStreamAccess(c, next) {
    principalOf(c);
    // Browsers always send Origin on a WebSocket upgrade; a page on another site must not ride
    // the operator's cookies into a live stream (cross-site WebSocket hijacking).
    const origin = c.req.header('origin');
    if ((origin !== undefined || c.req.path === '/api/ws') && !deps.allowOrigin(c))
      return errorResponse(
        c,
        403,
        'forbidden',
        `Live streams cannot be opened from origin ${origin ?? '(none)'}.`,
      );
    return next();
  };
  app.use('/api/stream', checkStreamAccess);
  app.use('/api/ws', checkStreamAccess);

  // An event stream that carried nothing since the last visit gets a comment line, so proxies and
  // clients see it is alive; a slice of the streams at a time (sweep.ts). One that carried
  // messages needs none: that saves a write per stream per interval (decision 023).
  const sseHeartbeat = createSweep<EventStream>({
    intervalMs: deps.sseHeartbeatMs,
    visit: (stream) => stream.beat(),
  });

  /**
   * One event stream: the outlet's transport over the runtime's sink (or a ReadableStream). A
   * class, like SocketSession, so thousands of streams share its methods instead of closures.
   */
  class EventStream implements Transport {
    private open = true;
    private sent = false;
    private subscription: Subscription | undefined;
    private readonly outlet: Outlet;

    constructor(
      private readonly sink: EventStreamSink,
      private readonly sessionId: string,
    ) {
      this.outlet = createOutlet(this, deps.flow, now);
    }

    subscribe(options: SubscribeOptions) {
      const { sink, outlet } = this;
      sink.onClose(() => this.cleanup());
      sink.write(retryBytes);
      sseHeartbeat.add(this);
      track(this.sessionId, outlet);
      // The hub may end the stream (and call cleanup) while subscribing.
      const subscription = deps.hub.subscribe(outlet, options);
      this.subscription = subscription;
      outlet.addDropped(subscription.dropped);
      // The stream may have ended during replay (a hub already closed).
      if (!this.open) subscription.unsubscribe();
    }

    // --- the outlet's transport
    write(frame: Frame) {
      if (!this.open) return;
      this.sent = true;
      this.sink.write(frame.sse);
    }
    pending() {
      return this.sink.pending();
    }
    close() {
      if (!this.open) return;
      this.cleanup();
      this.sink.end();
    }

    beat() {
      if (!this.sent) this.sink.write(heartbeatBytes);
      this.sent = false;
    }

    private cleanup() {
      if (!this.open) return;
      this.open = false;
      this.subscription?.unsubscribe();
      untrack(this.sessionId, this.outlet);
      sseHeartbeat.delete(this);
      this.outlet.dispose();
    }
  }

  /** Subscribes one event stream; `sink` is the runtime's response or a ReadableStream. */
  const serveEventStream = (sink: EventStreamSink, sessionId: string, options: SubscribeOptions) =>
    new EventStream(sink, sessionId).subscribe(options);

  app.openapi(streamRoute, (c) => {
    const query = c.req.valid('query');
    // The browser's own reconnect sends Last-Event-ID but repeats the URL it was opened with: the
    // header, when present, names a later point than a `?resume=` in that URL.
    const resume = parseResumePoint(c.req.header('last-event-id') ?? query.resume);
    const topics = topicsOf(query.topics);
    const { sessionId } = principalOf(c);
    // Straight to the runtime's response when it offers that: the shared bytes, one write each.
    const direct = deps.openEventStream?.(c, sseHeaders);
    if (direct) {
      serveEventStream(direct.sink, sessionId, { topics, resume });
      return direct.response;
    }
    let onCancel = () => {};
    const body = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          let ended = false;
          serveEventStream(
            {
              write: (bytes) => {
                if (!ended) controller.enqueue(bytes);
              },
              // Bytes queued in this stream: the response writer stops reading it when the socket is full.
              pending: () => Math.max(0, -(controller.desiredSize ?? 0)),
              end: () => {
                if (ended) return;
                ended = true;
                controller.close();
              },
              onClose: (listener) => {
                onCancel = () => {
                  ended = true;
                  listener();
                };
              },
            },
            sessionId,
            { topics, resume },
          );
        },
        cancel() {
          onCancel();
        },
      },
      // Counted in bytes with no allowance, so desiredSize is minus what the client has not taken.
      new ByteLengthQueuingStrategy({ highWaterMark: 0 }),
    );
    return new Response(body, { headers: sseHeaders });
  });

  // Documented through the registry; served by the runtime's WebSocket upgrade helper.
  app.openAPIRegistry.registerPath(wsRoute);
  app.get(
    '/api/ws',
    async function checkStreamQuery(c, next) {
      const parsed = streamQuery.safeParse(c.req.query());
      return parsed.success
        ? next()
        : validationHook({ success: false, error: parsed.error, target: 'query' }, c);
    },
    deps.upgradeWebSocket((c) => {
      // The upgrade helper types its context loosely; it is this app's, after the session check.
      const { sessionId } = principalOf(c as Context<AppEnv>);
      return new SocketSession(
        topicsOf(c.req.query('topics')),
        parseResumePoint(c.req.query('resume')),
        sessionId,
      );
    }),
  );

  /**
   * One WebSocket connection: its events, the outlet's transport, and what the heartbeat checks.
   * A class, so thousands of connections share its methods instead of each holding closures.
   */
  class SocketSession implements LiveSocket, Transport {
    alive = true;
    sent = false;
    outlet: Outlet | undefined;
    ws: WSContext | undefined;
    raw: RawSocket | undefined;
    private subscription: Subscription | undefined;
    private windowStart = 0;
    private received = 0;

    constructor(
      private topics: readonly string[] | undefined,
      private readonly initialResume: { epoch: string; seq: number } | undefined,
      private readonly sessionId: string,
    ) {}

    // --- the outlet's transport
    write(frame: Frame) {
      this.sent = true;
      const { raw } = this;
      // The frame's shared bytes, sent as text: no per-socket encoding.
      if (raw) {
        if (raw.readyState === socketOpen) raw.send(frame.bytes, textFrame);
      } else this.ws?.send(frame.json);
    }
    pending() {
      return this.raw ? this.raw.bufferedAmount : 0;
    }
    close(code: number, reason: string) {
      this.ws?.close(code, reason);
      // A client that stopped reading never answers the close handshake.
      const { raw } = this;
      if (raw && code !== 1000) setTimeout(() => raw.terminate(), 1_000).unref?.();
    }

    // --- the socket's events
    onOpen(_event: unknown, ws: WSContext) {
      this.ws = ws;
      const raw = rawSocketOf(ws.raw);
      this.raw = raw;
      this.outlet = createOutlet(this, deps.flow, now);
      if (raw) {
        liveOf.set(raw, this);
        raw.on('pong', markAlive);
      }
      watch(this);
      track(this.sessionId, this.outlet);
      this.subscribe(this.initialResume);
    }
    // Typed by shape: Hono's MessageEvent type does not resolve under the Node typings.
    onMessage(event: { data: unknown }, ws: WSContext) {
      this.alive = true;
      // A fixed one-second window: cheap, and enough to stop a client flooding the server.
      const at = now();
      if (at - this.windowStart >= 1000) {
        this.windowStart = at;
        this.received = 0;
      }
      this.received += 1;
      if (this.received > deps.wsMessagesPerSecond) return ws.close(1008, 'too many messages');
      const { data } = event;
      if (typeof data !== 'string') return ws.close(1008, 'expected JSON text messages');
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        return ws.close(1008, 'expected JSON text messages');
      }
      const parsed = ClientMessageSchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue?.path.join('.') ?? '';
        const code = where.startsWith('topics')
          ? 'invalid_topics'
          : where.startsWith('resume') || where.startsWith('from')
            ? 'invalid_resume'
            : 'invalid_message';
        return this.outlet?.control(
          controlFrame({
            type: 'error',
            code,
            message: `${where ? `${where}: ` : ''}${issue?.message ?? 'invalid message'}`,
          }),
        );
      }
      return this.answer(ws, parsed.data);
    }
    onClose() {
      this.release();
    }
    onError() {
      this.release();
    }

    private subscribe(resume: { epoch: string; seq: number } | undefined) {
      const { outlet } = this;
      if (!outlet) return;
      this.subscription?.unsubscribe();
      outlet.reset();
      this.subscription = deps.hub.subscribe(outlet, { topics: this.topics, resume });
      outlet.addDropped(this.subscription.dropped);
    }
    private answer(ws: WSContext, message: ClientMessage) {
      switch (message.type) {
        case 'subscribe':
          this.topics = message.topics;
          return this.subscribe(parseResumePoint(message.resume));
        case 'resume':
          return this.subscribe(parseResumePoint(message.from));
        case 'ping':
          return this.outlet?.control(controlFrame({ type: 'pong', serverTime: now() }));
        case 'pong':
          return undefined;
        default:
          return ws.close(1008, 'unknown message');
      }
    }
    private release() {
      this.subscription?.unsubscribe();
      this.subscription = undefined;
      if (this.outlet) {
        this.outlet.dispose();
        untrack(this.sessionId, this.outlet);
      }
      unwatch(this);
    }
  }
  return app;
}

/** The knobs of the live streams that tests and benchmarks turn. */
export type RealtimeTuning = Pick<
  RealtimeDeps,
  'sseHeartbeatMs' | 'wsHeartbeatMs' | 'flow' | 'wsMessagesPerSecond'
>;

export const defaultRealtimeTuning: RealtimeTuning = {
  sseHeartbeatMs: 15_000,
  wsHeartbeatMs: 15_000,
  // A second of samples is ~1 KB: the soft limit is minutes of backlog on a stuck connection,
  // far above what a replay of the whole buffer puts in a healthy one's socket at once.
  flow: {
    softBytes: 256 * 1024,
    hardBytes: 4 * 1024 * 1024,
    stallMs: 30_000,
    checkMs: 250,
    statusMs: 5_000,
  },
  wsMessagesPerSecond: 20,
};
