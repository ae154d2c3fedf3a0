// The live streams: the same numbered messages over SSE (GET /api/stream) and WebSocket (/api/ws).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ErrorBodySchema } from '@switchboard/shared/errors';
import type { UpgradeWebSocket } from 'hono/ws';
import type { AppEnv } from '../http/app-env';
import { validationHook } from '../http/errors';
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
  since: z.coerce
    .number()
    .int()
    .nonnegative()
    .optional()
    .meta({ description: 'Resume after this sequence number (replayed while still buffered).' }),
});

const streamRoute = createRoute({
  method: 'get',
  path: '/api/stream',
  summary: 'Live messages as Server-Sent Events; honours Last-Event-ID for resume',
  request: { query: resumeQuery },
  responses: {
    200: { description: 'An event stream of StreamMessage JSON', content: { 'text/event-stream': { schema: z.string() } } },
    400: { description: 'Invalid resume point', content: { 'application/json': { schema: ErrorBodySchema } } },
  },
});

const wsRoute = createRoute({
  method: 'get',
  path: '/api/ws',
  summary: 'Live messages over WebSocket; the same StreamMessage JSON as /api/stream, one per frame',
  request: { query: resumeQuery },
  responses: {
    101: { description: 'Switching to the WebSocket protocol' },
    400: { description: 'Invalid resume point', content: { 'application/json': { schema: ErrorBodySchema } } },
  },
});

const encoder = new TextEncoder();
const heartbeatBytes = encoder.encode(': ping\n\n');

function parseLastEventId(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d{1,15}$/.test(header)) return undefined;
  return Number(header);
}

export function createRealtimeRoutes(deps: RealtimeDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(streamRoute, (c) => {
    const since = c.req.valid('query').since ?? parseLastEventId(c.req.header('last-event-id'));
    let cleanup = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        let open = true;
        const end = () => {
          if (!open) return;
          open = false;
          cleanup();
          controller.close();
        };
        const write = (bytes: Uint8Array) => {
          if (!open) return;
          if ((controller.desiredSize ?? 0) < -deps.sseMaxQueued) return end();
          controller.enqueue(bytes);
        };
        controller.enqueue(encoder.encode('retry: 2000\n\n'));
        const unsubscribe = deps.hub.subscribe({ send: (frame) => write(frame.sse), close: end }, since);
        const heartbeat = setInterval(() => write(heartbeatBytes), deps.sseHeartbeatMs);
        cleanup = () => {
          open = false;
          unsubscribe();
          clearInterval(heartbeat);
        };
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
    deps.upgradeWebSocket((c) => {
      const parsed = resumeQuery.safeParse(c.req.query());
      const since = parsed.success ? parsed.data.since : undefined;
      let unsubscribe = () => {};
      return {
        onOpen(_event, ws) {
          unsubscribe = deps.hub.subscribe({ send: (frame) => ws.send(frame.json), close: (code, reason) => ws.close(code, reason) }, since);
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
