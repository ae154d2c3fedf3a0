// The live streams: the same numbered messages over SSE (GET /api/stream) and WebSocket (/api/ws).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ErrorBodySchema } from '@switchboard/shared/errors';
import type { UpgradeWebSocket } from 'hono/ws';
import type { AppEnv } from '../http/app-env';
import { validationHook } from '../http/errors';
import { parseResumePoint } from '@switchboard/shared/stream';
import type { Context, MiddlewareHandler } from 'hono';
import { principalOf } from '../auth/guards';
import { errorResponse } from '../http/errors';
import type { StreamHub, Subscriber } from './stream-hub';

export interface RealtimeDeps {
  hub: StreamHub;
  upgradeWebSocket: UpgradeWebSocket;
  /** How often an idle SSE stream gets a comment line, so proxies and clients see it is alive. */
  sseHeartbeatMs: number;
  /** Messages an SSE client may fall behind before it is dropped (it reconnects and resumes). */
  sseMaxQueued: number;
  /** Whether a stream may be opened from this page's origin (checked at upgrade: 403 otherwise). */
  allowOrigin: (c: Context<AppEnv>) => boolean;
  /** Registers for session revocations, so a revoked session's streams end (1008). */
  onSessionRevoked: (listener: (sessionId: string) => void) => void;
  /** Messages a WebSocket client may send per second before it is closed with 1008. */
  wsMessagesPerSecond: number;
}

const resumeQuery = z.object({
  resume: z
    .string()
    .regex(/^[0-9a-f]{16}\.\d{1,15}$/, 'use the id of the last message received: <epoch>.<seq>')
    .optional()
    .meta({
      description:
        'Resume after this point (`<epoch>.<seq>`); missed messages still buffered are replayed.',
    }),
});

const streamRoute = createRoute({
  method: 'get',
  path: '/api/stream',
  summary: 'Live messages as Server-Sent Events; honours Last-Event-ID for resume',
  request: { query: resumeQuery },
  responses: {
    200: {
      description: 'An event stream of StreamMessage JSON',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    400: {
      description: 'Invalid resume point',
      content: { 'application/json': { schema: ErrorBodySchema } },
    },
  },
});

const wsRoute = createRoute({
  method: 'get',
  path: '/api/ws',
  summary:
    'Live messages over WebSocket; the same StreamMessage JSON as /api/stream, one per frame',
  request: { query: resumeQuery },
  responses: {
    101: { description: 'Switching to the WebSocket protocol' },
    400: {
      description: 'Invalid resume point',
      content: { 'application/json': { schema: ErrorBodySchema } },
    },
  },
});

const encoder = new TextEncoder();
const heartbeatBytes = encoder.encode(': ping\n\n');
const retryBytes = encoder.encode('retry: 2000\n\n');

export function createRealtimeRoutes(deps: RealtimeDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  // Live streams by session, so a revocation reaches every tab and transport of that session.
  const bySession = new Map<string, Set<Subscriber>>();
  deps.onSessionRevoked((sessionId) => {
    const subscribers = bySession.get(sessionId);
    bySession.delete(sessionId);
    for (const s of subscribers ?? []) s.close(1008, 'session revoked');
  });
  /** Subscribes on behalf of the signed-in session; the returned function undoes both. */
  const subscribe = (
    sessionId: string,
    subscriber: Subscriber,
    resume?: { epoch: string; seq: number },
  ) => {
    const own = bySession.get(sessionId) ?? new Set();
    bySession.set(sessionId, own.add(subscriber));
    const unsubscribe = deps.hub.subscribe(subscriber, resume);
    return () => {
      unsubscribe();
      own.delete(subscriber);
      if (own.size === 0 && bySession.get(sessionId) === own) bySession.delete(sessionId);
    };
  };
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

  app.openapi(streamRoute, (c) => {
    const resume = parseResumePoint(c.req.valid('query').resume ?? c.req.header('last-event-id'));
    const { sessionId } = principalOf(c);
    let cleanup = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        let open = true;
        let unsubscribe = () => {};
        const heartbeat = setInterval(() => write(heartbeatBytes), deps.sseHeartbeatMs);
        cleanup = () => {
          open = false;
          unsubscribe();
          clearInterval(heartbeat);
        };
        const end = () => {
          if (!open) return;
          cleanup();
          controller.close();
        };
        const write = (bytes: Uint8Array) => {
          if (!open) return;
          if ((controller.desiredSize ?? 0) < -deps.sseMaxQueued) return end();
          controller.enqueue(bytes);
        };
        controller.enqueue(retryBytes);
        unsubscribe = subscribe(
          sessionId,
          { send: (frame) => write(frame.sse), close: end },
          resume,
        );
        // The stream may have ended during replay (slow client, or a hub already closed).
        if (!open) unsubscribe();
      },
      cancel() {
        cleanup();
      },
    });
    return new Response(body, {
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      },
    });
  });

  // Documented through the registry; served by the runtime's WebSocket upgrade helper.
  app.openAPIRegistry.registerPath(wsRoute);
  app.get(
    '/api/ws',
    async function checkResumePoint(c, next) {
      const parsed = resumeQuery.safeParse(c.req.query());
      return parsed.success
        ? next()
        : validationHook({ success: false, error: parsed.error, target: 'query' }, c);
    },
    deps.upgradeWebSocket((c) => {
      const resume = parseResumePoint(c.req.query('resume'));
      // The upgrade helper types its context loosely; it is this app's, after the session check.
      const { sessionId } = principalOf(c as Context<AppEnv>);
      let unsubscribe = () => {};
      let windowStart = 0;
      let received = 0;
      return {
        onOpen(_event, ws) {
          unsubscribe = subscribe(
            sessionId,
            {
              send: (frame) => ws.send(frame.json),
              close: (code, reason) => ws.close(code, reason),
            },
            resume,
          );
        },
        onMessage(_event, ws) {
          // A fixed one-second window: cheap, and enough to stop a client flooding the server.
          const now = Date.now();
          if (now - windowStart >= 1000) {
            windowStart = now;
            received = 0;
          }
          received += 1;
          if (received > deps.wsMessagesPerSecond) ws.close(1008, 'too many messages');
        },
        onClose() {
          unsubscribe();
        },
        onError() {
          unsubscribe();
        },
      };
    }),
  );
  return app;
}
