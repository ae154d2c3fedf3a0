// `GET /api/views/:name` served straight from node:http: the request's headers as Node parsed
// them, handed to the runtime-neutral views/view-get.ts, its answer written back (compressed as the
// app's compress() would, with the same CompressionStream) — no web Request
// or Response, no Hono context, no middleware chain per view. Whatever view-get leaves to the app
// (another path, a request it would not answer exactly as the app does) goes on to the app.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallerWatch } from '../../views/run-view';
import { compressedStream, type ViewEncoding } from '../../views/view-compression';
import type { ViewGet, ViewGetAnswer } from '../../views/view-get';
import { headerOf } from './webhook-listener';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The caller leaving, told by the response's `close` (as @hono/node-server aborts a request's
 * signal: the socket closed before the response was written, or the request errored), without
 * building that signal.
 */
export function responseCloseWatch(req: IncomingMessage, res: ServerResponse): CallerWatch {
  return {
    watch(onGone) {
      if (res.destroyed || req.socket?.destroyed) {
        onGone(goneReason(req));
        return noop;
      }
      const onClose = closeListener(req, res, onGone);
      res.once('close', onClose);
      return unwatcher(res, onClose);
    },
  };
}

// Factories, not named closures: tsx's keepNames renames each named closure when it is created.
const noop = () => undefined;
const goneReason = (req: IncomingMessage) =>
  req.errored ?? new DOMException('the client closed the connection', 'AbortError');
function closeListener(
  req: IncomingMessage,
  res: ServerResponse,
  onGone: (reason: unknown) => void,
): () => void {
  return () => {
    if (req.errored || !res.writableFinished) onGone(goneReason(req));
  };
}
function unwatcher(res: ServerResponse, onClose: () => void): () => void {
  return () => res.off('close', onClose);
}

/**
 * The compressed body as @hono/node-server writes compress()'s stream: headers without a length
 * (so chunked), each chunk as CompressionStream gives it, waiting for `drain`; stops when the
 * caller leaves.
 */
async function writeCompressed(
  res: ServerResponse,
  answer: ViewGetAnswer,
  body: string,
  encoding: ViewEncoding,
): Promise<void> {
  const reader = compressedStream(body, encoding).getReader();
  res.writeHead(answer.status, answer.headers);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (res.destroyed) break;
      if (done) {
        res.end();
        return;
      }
      if (!res.write(value))
        await new Promise<void>((resolve) => {
          const go = () => {
            res.off('drain', go);
            res.off('close', go);
            resolve();
          };
          res.on('drain', go);
          res.on('close', go);
        });
    }
  } catch {
    res.destroy();
  }
  reader.cancel().catch(() => undefined);
}

function write(res: ServerResponse, answer: ViewGetAnswer): void {
  if (res.destroyed) return;
  const { headers, body, encoding } = answer;
  if (body !== null && encoding !== undefined) {
    void writeCompressed(res, answer, body, encoding);
    return;
  }
  // A declared length, as @hono/node-server sends for a string body.
  if (body !== null) headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(answer.status, headers);
  if (body === null) res.end();
  else res.end(body);
}

function tlsOf(
  isTls: (peerAddress: string | undefined, header: (name: string) => string | undefined) => boolean,
  req: IncomingMessage,
  header: (name: string) => string | undefined,
): () => boolean {
  return () => isTls(req.socket.remoteAddress, header);
}

/**
 * Returns a request listener part: true when it took the request (it then answers it, or hands it
 * to `next` itself once view-get leaves it to the app), false to pass it on at once.
 * @example createServer((req, res) => serveView(req, res, honoListener) || honoListener(req, res));
 */
export function createViewListener(
  viewGet: ViewGet,
  isTls: (peerAddress: string | undefined, header: (name: string) => string | undefined) => boolean,
): (req: IncomingMessage, res: ServerResponse, next: Listener) => boolean {
  return function serveView(req, res, next) {
    const header = headerOf(req);
    const plan = viewGet.claim(req.method ?? '', req.url ?? '', header);
    if (plan === undefined) return false;
    viewGet
      .answer(plan, {
        header,
        isTls: tlsOf(isTls, req, header),
        watch: responseCloseWatch(req, res),
      })
      .then(
        (answer) => (answer === undefined ? next(req, res) : write(res, answer)),
        // view-get answers or passes on its own failures; this is only a last guard.
        () => res.destroy(),
      );
    return true;
  };
}
