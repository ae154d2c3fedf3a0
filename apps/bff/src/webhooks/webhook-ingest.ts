// The inbound webhook route with its own lean middleware chain. Webhooks are machine-to-machine:
// no browser, no cookie, no session, so the app-wide chain's session lookup, CSRF check, security
// headers and compression buy a delivery nothing, and its body limit built a web Request with a
// body stream per delivery (bench/RESULTS.md, issue 7). What a delivery keeps: a request id, the
// trace and HTTP metrics, a log line, the connection-close while draining, a body limit, and a rate
// limit per source.
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/app-env';
import { errorResponse } from '../http/errors';
import { bodyLimit, formatBytes } from '../security/body-limit';
import { receiveWebhookHandler, type WebhookRoutesDeps } from './webhooks.routes';

/** Deliveries larger than this are refused with 413 (providers send a few kilobytes). */
export const defaultWebhookMaxBodyBytes = 256 * 1024;

export interface WebhookIngestDeps extends WebhookRoutesDeps {
  /**
   * The app-wide observability middleware a delivery keeps, in order (request id, then telemetry,
   * then the request log): the app passes its own so webhooks are traced, measured and logged alike.
   */
  middleware: MiddlewareHandler<AppEnv>[];
  /** Per-source limiter (rate-limit.ts), applied after the source is known to exist. */
  rateLimit?: MiddlewareHandler<AppEnv>;
  /** True once shutdown began: answers then close their connection so draining is not held open. */
  shuttingDown: () => boolean;
  maxBodyBytes?: number;
  onError: Parameters<Hono<AppEnv>['onError']>[0];
}

/**
 * A body limit that costs nothing when the body's length is declared: Node's HTTP parser reads
 * exactly Content-Length bytes as the body, so checking the header is enough and the body is then
 * read once, straight from the socket. Chunked bodies (no declared length) go through the shared
 * counting limiter (security/body-limit.ts), which stops at the first byte over the limit.
 */
export function declaredBodyLimit(maxBytes: number): MiddlewareHandler<AppEnv> {
  const counting = bodyLimit({ maxBytes });
  return async function limitWebhookBody(c, next) {
    const declared = c.req.header('content-length');
    if (declared === undefined || c.req.header('transfer-encoding') !== undefined)
      return counting(c, next);
    if (/^\d{1,15}$/.test(declared) && Number(declared) <= maxBytes) return next();
    c.header('connection', 'close');
    return errorResponse(
      c,
      413,
      'payload_too_large',
      `The request body is larger than the ${formatBytes(maxBytes)} this endpoint accepts; send a smaller one.`,
      { maxBytes },
    );
  };
}

/**
 * `POST /webhooks/:source` as its own small app. Mount it in the main app ahead of the app-wide
 * middleware and hand it the request (`mountWebhookIngest`): it answers without calling `next`, so
 * the app-wide chain never runs for a delivery.
 * @example const ingest = createWebhookIngest({ ...deps, middleware: [requestId(), trace, log] });
 */
export function createWebhookIngest(deps: WebhookIngestDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const closeWhileDraining: MiddlewareHandler<AppEnv> = async function closeWhileDraining(c, next) {
    await next();
    if (deps.shuttingDown()) c.header('connection', 'close');
  };
  const limitRate: MiddlewareHandler<AppEnv> = deps.rateLimit ?? ((_c, next) => next());
  app.onError(deps.onError);
  const chain = [
    ...deps.middleware,
    closeWhileDraining,
    declaredBodyLimit(deps.maxBodyBytes ?? defaultWebhookMaxBodyBytes),
    limitRate,
  ];
  for (const middleware of chain) app.use('/webhooks/:source', middleware);
  app.post('/webhooks/:source', receiveWebhookHandler(deps));
  return app;
}

/**
 * The main app's handler for `POST /webhooks/:source`: answers from the ingest app, or passes on
 * (to the app's 404) when webhooks are off. `ingest` is read per request, so the app can register
 * this first and build the ingest app later, once its telemetry exists.
 */
export function mountWebhookIngest(
  ingest: () => Hono<AppEnv> | undefined,
): MiddlewareHandler<AppEnv> {
  return async function webhookIngest(c: Context<AppEnv>, next) {
    const app = ingest();
    if (!app) return next();
    return app.fetch(c.req.raw, c.env);
  };
}
