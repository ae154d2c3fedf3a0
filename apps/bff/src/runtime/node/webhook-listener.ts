// `POST /webhooks/:source` served straight from node:http: the request's headers and body as Node
// parsed them, handed to the runtime-neutral ingest (webhooks/webhook-ingest.ts), its answer written
// back — no web Request or Response, no Hono context, no second routing per delivery. Everything
// else (and any webhook path this does not recognise) goes on to the Hono app, whose own route
// answers with the same ingest, so the two give the same bytes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  WebhookIngest,
  WebhookIngestRequest,
  WebhookIngestResponse,
} from '../../webhooks/webhook-ingest';

/** `/webhooks/<source>` with an optional query; sources are catalog names (NameSchema). */
const webhookPath = /^\/webhooks\/([a-z][a-z0-9-]{0,62})(?:\?|$)/;

/** The sender's address from the socket and, behind trusted proxies, X-Forwarded-For. */
export type NodeClientAddress = (
  peerAddress: string | undefined,
  header: (name: string) => string | undefined,
) => string;

/**
 * Reads the body, stopping once more than `maxBytes` arrived; rejects if the client went away.
 * Per-request callbacks are anonymous and inline on purpose: `tsx` (the server's loader) compiles
 * with esbuild's keepNames, which wraps every *named* closure in a `__name` call that redefines
 * the function's `name` — measurable per delivery (bench/RESULTS.md, ingest9).
 */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Not read further: the answer closes the connection (webhook-ingest.ts).
        req.removeAllListeners('data');
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    req.once('error', reject);
  });
}

function write(res: ServerResponse, answer: WebhookIngestResponse): void {
  if (res.destroyed) return;
  // A declared length: Node would otherwise pick chunked encoding when the head is written first.
  answer.headers['content-length'] = String(Buffer.byteLength(answer.body));
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
}

/**
 * A header of a node:http request as one string (`undefined` when absent or repeated), the lookup
 * the runtime-neutral handlers served from node:http take.
 * @example const header = headerOf(req); header('x-request-id');
 */
export function headerOf(req: IncomingMessage): (name: string) => string | undefined {
  const headers = req.headers;
  return (name) => {
    const value = headers[name];
    return typeof value === 'string' ? value : undefined;
  };
}

/**
 * Returns a request listener part: true when it took the request (a webhook delivery), false to
 * pass it on to the next listener.
 * @example createServer((req, res) => serveWebhook(req, res) || honoListener(req, res));
 */
export function createWebhookListener(
  ingest: WebhookIngest,
  clientAddress: NodeClientAddress,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return function serveWebhook(req, res) {
    if (req.method !== 'POST') return false;
    const url = req.url ?? '';
    if (!url.startsWith('/webhooks/')) return false;
    const match = webhookPath.exec(url);
    const source = match?.[1];
    if (source === undefined) return false;
    const header = headerOf(req);
    const request: WebhookIngestRequest = {
      source,
      path: `/webhooks/${source}`,
      header,
      clientIp: clientAddress(req.socket.remoteAddress, header),
      // A method, not an arrow property: no `__name` call per delivery (see readBody).
      readBody(maxBytes) {
        return readBody(req, maxBytes);
      },
    };
    ingest(request).then(
      (answer) => write(res, answer),
      // The ingest answers its own failures; this is only a last guard.
      () => res.destroy(),
    );
    return true;
  };
}
