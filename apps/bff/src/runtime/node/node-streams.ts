// The live streams' Node transport: WebSocket upgrades on the raw `upgrade` event with `ws`
// (noServer + handleUpgrade) and event streams written straight to the ServerResponse.
//
// Why not @hono/node-server's `upgradeWebSocket`: its per-socket closures keep the whole Hono
// context of the handshake (Request, response headers, HonoRequest, the IncomingMessage) alive for
// the socket's lifetime, ~15 KB per connection (bench/RESULTS.md, decision 018). Here the handshake
// still runs through the app (session, Origin, rate limits, query validation, logs, telemetry) and
// only the route's event handlers outlive it; each socket carries one small context object and
// shares its listeners with every other socket.
//
// Why not a ReadableStream body for SSE: @hono/node-server pipes it chunk by chunk (a promise per
// chunk per connection); a broadcast to thousands of streams is cheaper as one `write` of the
// shared bytes to each ServerResponse, as a bare node:http server does.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Http2SecureServer, Http2Server } from 'node:http2';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import type { Context } from 'hono';
import { defineWebSocketHelper, WSContext, type WSEvents, type WSReadyState } from 'hono/ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { EventStreamSink, OpenEventStream } from '../../realtime/realtime.routes';

const pendingUpgrade = Symbol('pending WebSocket upgrade');
const pendingEventStream = Symbol('pending event stream');
/** @hono/node-server writes nothing for a response carrying this header: the route wrote it. */
const alreadySentHeader = 'x-hono-already-sent';
// @hono/node-server swaps the global Response for a lighter class when a server starts, and
// writes that class's responses straight from their cached parts, never looking for the
// already-sent marker. The takeover response must be a native one, whose marker it honours:
// captured here, when the module loads, before any server has started.
const NativeResponse = globalThis.Response;

/** What the fetch callback's `env` carries on this runtime. */
interface NodeBindings {
  incoming: IncomingMessage;
  outgoing: ServerResponse | undefined;
  [pendingUpgrade]?: { events?: WSEvents<WebSocket> };
  [pendingEventStream]?: (response: Response, closeListenersBefore: number) => void;
}

type Fetch = (request: Request, env: object) => Response | Promise<Response>;

/** The WSContext's back end: methods on a prototype, so a socket costs one object, not closures. */
class SocketLink {
  constructor(readonly raw: WebSocket) {}
  send(data: string | ArrayBuffer | Uint8Array) {
    this.raw.send(data, { compress: false });
  }
  close(code?: number, reason?: string) {
    this.raw.close(code, reason);
  }
  get readyState(): WSReadyState {
    return this.raw.readyState;
  }
}

interface Linked {
  context: WSContext<WebSocket>;
  events: WSEvents<WebSocket>;
}
const linkOf = new WeakMap<WebSocket, Linked>();

// Shared listeners: `this` is the socket.
function onMessage(this: WebSocket, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) {
  const linked = linkOf.get(this);
  if (!linked?.events.onMessage) return;
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  const payload = isBinary
    ? bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
    : bytes.toString('utf8');
  linked.events.onMessage(new MessageEvent('message', { data: payload }), linked.context);
}
function onClose(this: WebSocket, code: number, reason: Buffer) {
  const linked = linkOf.get(this);
  linkOf.delete(this);
  // Node 20 has no global CloseEvent; the handlers read code and reason.
  const event = Object.assign(new Event('close'), {
    code,
    reason: reason.toString(),
    wasClean: true,
  });
  linked?.events.onClose?.(event, linked.context);
}
function onError(this: WebSocket) {
  const linked = linkOf.get(this);
  linked?.events.onError?.(new Event('error'), linked.context);
}

function destroyOnError(this: Duplex) {
  this.destroy();
}

/** A refusal on the raw socket, with the app's status, headers and (JSON error) body. */
async function refuse(socket: Duplex, response: Response | undefined, status = 500) {
  if (socket.destroyed) return;
  const code = response?.status ?? status;
  const body = response ? Buffer.from(await response.arrayBuffer()) : Buffer.alloc(0);
  const lines = [`HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ''}`, 'Connection: close'];
  response?.headers.forEach((value, name) => {
    if (!['connection', 'content-length', 'transfer-encoding'].includes(name))
      lines.push(`${name}: ${value}`);
  });
  lines.push(`Content-Length: ${body.length}`);
  socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body]));
}

/** The upgrade request as the app sees it: URL and headers, no body. */
function requestOf(incoming: IncomingMessage): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value === undefined) continue;
    headers.append(name, Array.isArray(value) ? (value[0] ?? '') : value);
  }
  const host = incoming.headers.host ?? 'localhost';
  return new Request(`http://${host}${incoming.url ?? '/'}`, { headers });
}

/**
 * @example
 * const streams = createNodeStreams(new WebSocketServer({ noServer: true, maxPayload }));
 * const app = createApp({ upgradeWebSocket: streams.upgradeWebSocket, openEventStream: streams.openEventStream, ... });
 * const server = serve({ fetch: streams.wrapFetch(app.fetch) }); streams.attach(server, app.fetch);
 */
export function createNodeStreams(wss: WebSocketServer) {
  const upgradeWebSocket = defineWebSocketHelper<WebSocket>((c: Context, events) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return undefined;
    const pending = (c.env as Partial<NodeBindings>)[pendingUpgrade];
    // Reached through a plain HTTP request (no upgrade event): nothing to upgrade.
    if (!pending) return new Response(null, { status: 426 });
    pending.events = events;
    return new Response(null, { status: 200 });
  });

  /**
   * Takes over the response of an event stream: the returned Response tells @hono/node-server to
   * write nothing; the head (with every header the middleware added) goes out once the app's
   * middleware has finished, then the route's bytes are written straight to the socket.
   */
  const openEventStream: OpenEventStream = (c, headers) => {
    const env = c.env as Partial<NodeBindings>;
    const out = env.outgoing;
    if (!out) return undefined;
    let queued: Uint8Array[] | undefined = [];
    let ownClose: (() => void) | undefined;
    env[pendingEventStream] = (final, closeListenersBefore) => {
      // @hono/node-server's close handler (added while the app ran) keeps the request it built
      // (Request, Headers, AbortController: ~10 KB) for the life of the response; it only aborts
      // that request's signal, which nothing reads once the stream is the route's.
      for (const listener of out.listeners('close').slice(closeListenersBefore))
        if (listener !== ownClose) out.off('close', listener as (...args: unknown[]) => void);
      const head: Record<string, string> = {};
      final.headers.forEach((value, name) => {
        if (name !== alreadySentHeader) head[name] = value;
      });
      const ours = final.headers.has(alreadySentHeader);
      if (!ours) {
        // Something after the route replaced its response (an error): that one is sent instead.
        queued = undefined;
        out.destroy();
        return;
      }
      out.writeHead(final.status, head);
      for (const bytes of queued ?? []) out.write(bytes);
      queued = undefined;
      if (!out.writableEnded) out.flushHeaders();
    };
    const sink: EventStreamSink = {
      write(bytes) {
        if (queued) queued.push(bytes);
        else if (!out.writableEnded && !out.destroyed) out.write(bytes);
      },
      pending: () => out.writableLength,
      end: () => {
        if (!out.writableEnded) out.end();
      },
      onClose: (listener) => {
        ownClose = listener;
        out.once('close', listener);
      },
    };
    const response = new NativeResponse(null, {
      headers: { ...headers, [alreadySentHeader]: 'true' },
    });
    return { sink, response };
  };

  /** The app's fetch, then the head of an event stream once every middleware has had its say. */
  const wrapFetch =
    (fetch: Fetch): Fetch =>
    async (request, env) => {
      const bindings = env as Partial<NodeBindings>;
      const closeListenersBefore = bindings.outgoing?.listenerCount('close') ?? 0;
      const response = await fetch(request, env);
      const take = bindings[pendingEventStream];
      if (take) {
        delete bindings[pendingEventStream];
        take(response, closeListenersBefore);
      }
      return response;
    };

  const handleUpgrade = async (
    fetch: Fetch,
    incoming: IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ) => {
    socket.on('error', destroyOnError);
    if (incoming.headers.upgrade?.toLowerCase() !== 'websocket')
      return refuse(socket, undefined, 400);
    const pending: { events?: WSEvents<WebSocket> } = {};
    let response: Response;
    try {
      const env: NodeBindings = { incoming, outgoing: undefined, [pendingUpgrade]: pending };
      response = await fetch(requestOf(incoming), env);
    } catch {
      return refuse(socket, undefined, 500);
    }
    const { events } = pending;
    if (!events || response.status !== 200) return refuse(socket, response);
    if (socket.destroyed) return undefined;
    // The app's response headers (security headers, request id) go on the 101 as well.
    const extra: string[] = [];
    response.headers.forEach((value, name) => {
      if (!['connection', 'upgrade', 'content-length', 'content-type'].includes(name))
        extra.push(`${name}: ${value}`);
    });
    const addHeaders = (headers: string[]) => void headers.push(...extra);
    wss.on('headers', addHeaders);
    try {
      wss.handleUpgrade(incoming, socket, head, (ws) => {
        const context = new WSContext<WebSocket>(new SocketLink(ws));
        linkOf.set(ws, { context, events });
        ws.on('message', onMessage);
        ws.on('close', onClose);
        ws.on('error', onError);
        events.onOpen?.(new Event('open'), context);
      });
    } finally {
      wss.off('headers', addHeaders);
    }
    return undefined;
  };

  /** Serves WebSocket upgrades of `server` through the app. */
  const attach = (server: Server | Http2Server | Http2SecureServer, fetch: Fetch) => {
    server.on('upgrade', (incoming: IncomingMessage, socket: Duplex, head: Buffer) => {
      void handleUpgrade(fetch, incoming, socket, head);
    });
    server.on('close', () => wss.close());
  };

  return { upgradeWebSocket, openEventStream, wrapFetch, attach };
}
