// `POST /webhooks/:source` as one runtime-neutral function: request in (a source, a header lookup,
// a body reader), answer out (status, headers, JSON text). Webhooks are machine-to-machine — no
// browser, no cookie, no session — so a delivery skips the app-wide chain and gets only what it
// needs: a request id, the server span and HTTP metrics, a request log line, connection-close while
// draining, a body limit, a rate limit per sending address, then verify, dedupe, enqueue and log.
// Hono serves it through `webhookIngestHandler` (edge build, tests); the Node adapter serves it
// straight from node:http's request (runtime/node/webhook-listener.ts), without a web Request, a
// Response or a Hono context per delivery (bench/RESULTS.md, ingest7). Both write what this returns,
// so their answers are the same bytes.
import type { ErrorBody, ErrorCode } from '@switchboard/shared/errors';
import type { WebhookRejection } from '@switchboard/shared/queue';
import type { Handler } from 'hono';
import type { AppEnv } from '../http/app-env';
import { requestIdFrom } from '../http/request-id';
import { JsonText } from '../queue/queue';
import { formatBytes } from '../security/body-limit';
import { rateLimitHeader, rateLimitPolicyHeader, secondsUntil } from '../security/rate-limit';
import { createWindowCounter } from '../security/window-counter';
import type { ServerSpan } from '../telemetry/telemetry';
import { verifyWebhook } from './verify-webhook';
import { webhookJobType, type WebhookRoutesDeps } from './webhooks.routes';

/** Deliveries larger than this are refused with 413 (providers send a few kilobytes). */
export const defaultWebhookMaxBodyBytes = 256 * 1024;

/** The route's pattern, as metrics and spans name it. */
export const webhookRoute = '/webhooks/:source';

export interface WebhookIngestRequest {
  /** The `:source` path segment, decoded. */
  source: string;
  /** The request's path (no query), for the log line and the span. */
  path: string;
  /** Header lookup by lower-case name (a plain function: it is passed around on its own). */
  header: (name: string) => string | undefined;
  /** The sender's address, as the runtime's client-address rule gives it (the rate limit's key). */
  clientIp: string;
  /** Reads the whole body; `undefined` as soon as more than `maxBytes` arrived (reading stops). */
  readBody(maxBytes: number): Promise<Uint8Array | undefined>;
}

export interface WebhookIngestResponse {
  status: number;
  /** Lower-case names, written in this order. */
  headers: Record<string, string>;
  /** JSON text: the outcome, or the shared error shape. */
  body: string;
}

export type WebhookIngest = (request: WebhookIngestRequest) => Promise<WebhookIngestResponse>;

export interface WebhookIngestDeps extends WebhookRoutesDeps {
  /** Starts the request's server span and HTTP metrics (telemetry.startServerSpan). */
  startServerSpan?: (traceparent: string | undefined) => ServerSpan;
  /** Monotonic milliseconds, for the request log's duration. */
  monotonicNow: () => number;
  /** Deliveries allowed per sending address per window, ahead of the signature check. */
  rateLimit: { points: number; durationSec: number };
  /** True once shutdown began: answers then close their connection so draining is not held open. */
  shuttingDown: () => boolean;
  maxBodyBytes?: number;
}

const rejectionStatus: Record<WebhookRejection, 400 | 401 | 404> = {
  unknown_source: 404,
  missing_signature: 401,
  malformed_signature: 401,
  bad_signature: 401,
  timestamp_out_of_tolerance: 401,
  invalid_body: 400,
};

const rejectionCode = (reason: WebhookRejection): ErrorCode =>
  reason === 'unknown_source'
    ? 'not_found'
    : reason === 'invalid_body'
      ? 'bad_request'
      : 'unauthorized';

/** The shared JSON error shape (packages/shared/src/errors.ts), as `errorResponse` writes it. */
function errorJson(code: ErrorCode, message: string, requestId: string, details?: unknown): string {
  const body: ErrorBody = {
    error: { code, message, ...(details === undefined ? {} : { details }), requestId },
  };
  return JSON.stringify(body);
}

const declaredLength = /^\d{1,15}$/;
const rateLimitName = 'webhook';

/**
 * @example
 * const ingest = createWebhookIngest({ sources, queue, log, now: Date.now, logger, monotonicNow,
 *   rateLimit: { points: 6000, durationSec: 60 }, shuttingDown: () => false });
 * const answer = await ingest({ source, path, header, clientIp, readBody });
 */
export function createWebhookIngest(deps: WebhookIngestDeps): WebhookIngest {
  const { sources, queue, log, logger, monotonicNow } = deps;
  const maxBytes = deps.maxBodyBytes ?? defaultWebhookMaxBodyBytes;
  const { points, durationSec } = deps.rateLimit;
  const counter = createWindowCounter(points, durationSec * 1000, deps.now);
  const policy = rateLimitPolicyHeader(rateLimitName, points, durationSec);
  const tooLarge = `The request body is larger than the ${formatBytes(maxBytes)} this endpoint accepts; send a smaller one.`;

  /** Verify, dedupe, enqueue, log: the delivery's own work, once the request passed the limits. */
  async function receive(
    source: string,
    request: WebhookIngestRequest,
    body: Uint8Array,
    requestId: string,
  ): Promise<[number, string]> {
    const at = deps.now();
    const found = sources.get(source);
    let rejection: WebhookRejection;
    let deliveryId: string | null = null;
    if (!found) rejection = 'unknown_source';
    else {
      const checking = verifyWebhook(
        found.config,
        found.keys,
        { header: request.header, body },
        at,
      );
      // Node's keys answer synchronously: no await (and microtask turn) for them.
      const verdict = checking instanceof Promise ? await checking : checking;
      if (verdict.ok) {
        const id = verdict.deliveryId;
        const { eventType } = verdict;
        // The job and its log line are made durable together (one row for the embedded store).
        const job = await log.appendEnqueued(
          { at, source, deliveryId: id, eventType, bodyBytes: body.length },
          (origin) =>
            queue.enqueue({
              type: webhookJobType,
              // `{ source, deliveryId, eventType, event }` as text around the verified body: the
              // event is stored as it arrived, not serialised again from its parsed form.
              payload: new JsonText(
                `{"source":${JSON.stringify(source)},"deliveryId":${JSON.stringify(id)},"eventType":${JSON.stringify(eventType)},"event":${verdict.text}}`,
              ),
              // The delivery id makes a redelivery the same job: processed once, acknowledged again.
              ...(id !== null && { idempotencyKey: `${source}:${id}` }),
              integration: `webhook-${source}`,
              operation: eventType ?? 'event',
              origin,
            }),
        );
        const status = job.created ? 'accepted' : 'duplicate';
        return [job.created ? 202 : 200, JSON.stringify({ status, jobId: job.id })];
      }
      rejection = verdict.reason;
      deliveryId = verdict.deliveryId;
    }
    // The reason and the sizes only: never the secret, the signature or the body.
    logger.warn(
      { source, reason: rejection, deliveryId, bodyBytes: body.length },
      'webhook rejected',
    );
    await log.append({
      at,
      source,
      bodyBytes: body.length,
      eventType: null,
      jobId: null,
      deliveryId,
      outcome: 'rejected',
      reason: rejection,
    });
    return [
      rejectionStatus[rejection],
      errorJson(
        rejectionCode(rejection),
        `Webhook refused: ${rejection.replaceAll('_', ' ')}.`,
        requestId,
      ),
    ];
  }

  /** The limits, in the order the route always had them: body size, rate, then the delivery. */
  async function answer(
    request: WebhookIngestRequest,
    requestId: string,
    headers: Record<string, string>,
  ): Promise<[number, string]> {
    const declared = request.header('content-length');
    // Node's parser reads exactly Content-Length bytes as the body, so a declared length over the
    // limit is refused before a byte of it is read; a chunked body is counted as it arrives.
    if (
      declared !== undefined &&
      request.header('transfer-encoding') === undefined &&
      !(declaredLength.test(declared) && Number(declared) <= maxBytes)
    ) {
      headers.connection = 'close';
      return [413, errorJson('payload_too_large', tooLarge, requestId, { maxBytes })];
    }
    const count = counter.consume(request.clientIp);
    if (!count.allowed) {
      const retryAfterSec = secondsUntil(count.msBeforeNext, 1);
      headers['ratelimit-policy'] = policy;
      headers.ratelimit = rateLimitHeader(rateLimitName, 0, retryAfterSec);
      headers['retry-after'] = String(retryAfterSec);
      return [
        429,
        errorJson(
          'rate_limited',
          `Too many requests from this address; try again in ${retryAfterSec} s.`,
          requestId,
          { policy: rateLimitName, limit: points, windowSec: durationSec, retryAfterSec },
        ),
      ];
    }
    headers['ratelimit-policy'] = policy;
    headers.ratelimit = rateLimitHeader(
      rateLimitName,
      count.remaining,
      secondsUntil(count.msBeforeNext, 0),
    );
    const body = await request.readBody(maxBytes);
    if (body === undefined) {
      // The rest of the body is still on the wire: the connection cannot carry another request.
      headers.connection = 'close';
      return [413, errorJson('payload_too_large', tooLarge, requestId, { maxBytes })];
    }
    return receive(request.source, request, body, requestId);
  }

  return async function ingestWebhook(request) {
    const started = monotonicNow();
    const requestId = requestIdFrom(request.header('x-request-id'));
    const span = deps.startServerSpan?.(request.header('traceparent'));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-request-id': requestId,
    };
    let status: number;
    let body: string;
    try {
      [status, body] = await answer(request, requestId, headers);
    } catch (err) {
      // Unexpected (e.g. the queue's storage failed): name and message only, no stack, no data.
      const e = err instanceof Error ? err : new Error(String(err));
      logger.error(
        { requestId, traceId: span?.trace.traceId, err: { name: e.name, message: e.message } },
        'unhandled error',
      );
      status = 500;
      body = errorJson(
        'internal',
        'Something went wrong on our side; quote the request id when reporting it.',
        requestId,
      );
    }
    // Kept-alive connections would otherwise hold shutdown open until the grace period ends.
    if (deps.shuttingDown()) headers.connection = 'close';
    span?.end('POST', webhookRoute, request.path, status, requestId);
    // Not built when nobody reads it (its trace ids are drawn only for it, or for an exporter).
    if (logger.isLevelEnabled?.('info') !== false)
      logger.info(
        {
          requestId,
          ...(span && { traceId: span.trace.traceId, spanId: span.trace.spanId }),
          method: 'POST',
          path: request.path,
          status,
          durationMs: Math.round((monotonicNow() - started) * 10) / 10,
        },
        'request',
      );
    return { status, headers, body };
  };
}

/** Reads a web Request's body, stopping (`undefined`) once more than `maxBytes` arrived. */
async function readLimited(request: Request, maxBytes: number): Promise<Uint8Array | undefined> {
  if (!request.body) return new Uint8Array(0);
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * The Hono route for the ingest (`app.post(webhookRoute, …)`), registered ahead of the app-wide
 * middleware: it answers without calling `next`, so that chain never runs for a delivery. `ingest`
 * is read per request (the app builds it once its telemetry exists); without one, the route passes
 * on to the app's 404.
 */
export function webhookIngestHandler(
  ingest: () => WebhookIngest | undefined,
  clientIp: (c: Parameters<Handler<AppEnv>>[0]) => string,
): Handler<AppEnv> {
  return async function receiveWebhook(c, next) {
    const run = ingest();
    if (!run) return next();
    const declared =
      c.req.header('content-length') !== undefined &&
      c.req.header('transfer-encoding') === undefined;
    const answer = await run({
      source: c.req.param('source') ?? '',
      path: c.req.path,
      header: (name) => c.req.header(name),
      clientIp: clientIp(c),
      // A declared length was checked against the limit already: read it in one go (on Node,
      // without building a web body stream); otherwise count the chunks as they come.
      readBody: async (maxBytes) =>
        declared ? new Uint8Array(await c.req.arrayBuffer()) : readLimited(c.req.raw, maxBytes),
    });
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  };
}
