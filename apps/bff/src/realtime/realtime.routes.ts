// The live streams: the same numbered messages over SSE (GET /api/stream) and WebSocket (/api/ws).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ErrorBodySchema } from '@switchboard/shared/errors';
import type { UpgradeWebSocket } from 'hono/ws';
import type { AppEnv } from '../http/app-env';
import { validationHook } from '../http/errors';
import { parseResumePoint } from '@switchboard/shared/stream';
import type { StreamHub } from './stream-hub';

export interface RealtimeDeps {
  hub: StreamHub;
  upgradeWebSocket: UpgradeWebSocket;
  /** How often an idle SSE stream gets a comment line, so proxies and clients see it is alive. */
  sseHeartbeatMs: number;
  /** Messages an SSE client may fall behind before it is dropped (it reconnects and resumes). */
  sseMaxQueued: number;
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

  app.openapi(streamRoute, (c) => {
    const resume = parseResumePoint(c.req.valid('query').resume ?? c.req.header('last-event-id'));
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
        unsubscribe = deps.hub.subscribe({ send: (frame) => write(frame.sse), close: end }, resume);
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
      let unsubscribe = () => {};
      return {
        onOpen(_event, ws) {
          unsubscribe = deps.hub.subscribe(
            {
              send: (frame) => ws.send(frame.json),
              close: (code, reason) => ws.close(code, reason),
            },
            resume,
          );
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
