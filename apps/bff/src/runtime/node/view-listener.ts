// `GET /api/views/:name` served straight from node:http: the request's headers as Node parsed
// them, handed to the runtime-neutral views/view-get.ts, its answer written back — no web Request
// or Response, no Hono context, no middleware chain per view. Whatever view-get leaves to the app
// (another path, a request it would not answer exactly as the app does) goes on to the app.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallerWatch } from '../../views/run-view';
import type { ViewGet, ViewGetAnswer } from '../../views/view-get';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The caller leaving, told by the response's `close` (as @hono/node-server aborts a request's
 * signal: the socket closed before the response was written, or the request errored), without
 * building that signal.
 */
export function responseCloseWatch(req: IncomingMessage, res: ServerResponse): CallerWatch {
  return {
    watch(onGone) {
      const gone = () =>
        onGone(req.errored ?? new DOMException('the client closed the connection', 'AbortError'));
      const onClose = () => {
        if (req.errored || !res.writableFinished) gone();
      };
      if (res.destroyed || req.socket?.destroyed) gone();
      else res.once('close', onClose);
      return () => res.off('close', onClose);
    },
  };
}

function write(res: ServerResponse, answer: ViewGetAnswer): void {
  if (res.destroyed) return;
  const { headers, body } = answer;
  // A declared length, as @hono/node-server sends for a string body.
  if (body !== null) headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(answer.status, headers);
  if (body === null) res.end();
  else res.end(body);
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
    const headers = req.headers;
    const header = (name: string): string | undefined => {
      const value = headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    const plan = viewGet.claim(req.method ?? '', req.url ?? '', header);
    if (plan === undefined) return false;
    viewGet
      .answer(plan, {
        header,
        isTls: () => isTls(req.socket.remoteAddress, header),
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
