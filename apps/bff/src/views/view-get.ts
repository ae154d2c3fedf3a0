// `GET /api/views/:name` as one runtime-neutral function, for runtimes that can answer a request
// before building a web Request, a Hono context and the app's middleware chain (the Node server:
// runtime/node/view-listener.ts). It takes only the requests it answers exactly as the app does
// (a declared view, a valid session, under the session's limit; compressed as the app's compress()
// would, see view-compression.ts) and passes every other one on to the app, which remains the one
// place for the rest (errors, 401, 429).
import { NameSchema } from '@switchboard/shared/upstreams';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { SessionService } from '../auth/sessions';
import { requestIdFrom } from '../http/request-id';
import { startRequestLine } from '../http/request-log';
import type { Logger } from '../http/logger';
import { rateLimitHeader, secondsUntil } from '../security/rate-limit';
import type { ServerSpan } from '../telemetry/telemetry';
import { runView, type CallerWatch, type RunViewDeps } from './run-view';
import { etagMatches, viewBody } from './view-body';
import { compressionOf, type ViewEncoding } from './view-compression';
import type { ViewPlan } from './view-plan';

/** The route's pattern, as the app's telemetry labels it. */
export const viewRoute = '/api/views/:name';

export interface ViewGetRequest {
  /** Header lookup by lower-case name. */
  header: (name: string) => string | undefined;
  /** Whether the request reached us over TLS (directly or via a trusted proxy): HSTS then. */
  isTls: () => boolean;
  /** Learns that the caller left (the view then cancels its calls). */
  watch: CallerWatch;
}

export interface ViewGetAnswer {
  status: 200 | 304;
  headers: Record<string, string>;
  /** The JSON text; `null` for 304. */
  body: string | null;
  /**
   * Send `body` compressed with this (`compressedStream`) as the app's compress() would: the
   * headers already say so (Content-Encoding, no Content-Length); `undefined` sends it as it is.
   */
  encoding: ViewEncoding | undefined;
}

export interface ViewGetDeps extends RunViewDeps {
  /** The declared views. */
  plans: ReadonlyMap<string, ViewPlan>;
  sessions: Pick<SessionService, 'authenticate'>;
  /** The access token in a Cookie header, as the app's session guard reads it. */
  accessToken: (cookieHeader: string | undefined) => string | undefined;
  /** The app's per-session limit: the same counter, so both ways in share one budget. */
  sessionLimit: { limiter: RateLimiterAbstract; name: string; policy: string };
  /** The app's security headers: names in lower case, values as the app sets them. */
  securityHeaders: (tls: boolean) => ReadonlyArray<readonly [string, string]>;
  startServerSpan: (traceparent: string | undefined) => ServerSpan;
  logger: Logger;
  shuttingDown: () => boolean;
}

/** The request's view when this path may answer it, else undefined (the app answers it). */
export type ViewGetClaim = (
  method: string,
  target: string,
  header: (name: string) => string | undefined,
) => ViewPlan | undefined;

export interface ViewGet {
  claim: ViewGetClaim;
  /** The app's answer to a claimed request, or `undefined` when the app must answer it after all. */
  answer: (plan: ViewPlan, request: ViewGetRequest) => Promise<ViewGetAnswer | undefined>;
}

const viewTarget = /^\/api\/views\/([a-z0-9-]+)$/;

/**
 * What this path leaves to the app, and why the answer is the same either way:
 * - other methods, query strings, names that are not declared views (400/404 from the app);
 * - no access cookie, or one that names no live session (the app answers 401 and counts the
 *   address instead);
 * - a request over the session's limit, or a limiter store that fails (the app's 429 / 503; the
 *   refused request is counted once more there, which changes neither answer);
 * - anything that throws (the app's error handler answers, and logs it).
 * The answers it gives carry the app's headers: security headers, request id, rate-limit headers,
 * ETag, Cache-Control, Vary, `Connection: close` while draining, and compress()'s answer to the
 * request's Accept-Encoding (`compressionOf`); the same server span, HTTP metrics and request log
 * line. Tested against the app's own route, byte for byte.
 *
 * @example const viewGet = createViewGet(deps); const plan = viewGet.claim(method, url, header);
 */
export function createViewGet(deps: ViewGetDeps): ViewGet {
  const { sessions, sessionLimit, logger } = deps;
  // As the route's `known`: a declared name that is not a valid view name is the app's to refuse.
  const plans = new Map([...deps.plans].filter(([name]) => NameSchema.safeParse(name).success));
  const { limiter } = sessionLimit;
  return {
    claim(method, target, header) {
      if (method !== 'GET') return undefined;
      const name = viewTarget.exec(target)?.[1];
      if (name === undefined) return undefined;
      const plan = plans.get(name);
      if (plan === undefined) return undefined;
      if (deps.accessToken(header('cookie')) === undefined) return undefined;
      return plan;
    },

    async answer(plan, request) {
      const { header } = request;
      // The same order as the app's frame: request id, span, log line, then the session guard.
      const requestId = requestIdFrom(header('x-request-id'));
      const span = deps.startServerSpan(header('traceparent'));
      const line = startRequestLine(logger, deps.now, requestId, span.trace);
      try {
        const token = deps.accessToken(header('cookie'));
        const principal = token === undefined ? undefined : await sessions.authenticate(token);
        if (principal === undefined) return undefined;
        let remaining: number;
        let resetSec: number;
        try {
          const counted = await limiter.consume(principal.sessionId);
          remaining = counted.remainingPoints;
          resetSec = secondsUntil(counted.msBeforeNext, 0);
        } catch {
          return undefined;
        }
        const result = await runView(deps, plan, request.watch, {
          traceId: span.trace.traceId,
          parentSpanId: span.trace.spanId,
        });
        const { json, etag } = viewBody(result);
        const headers: Record<string, string> = {};
        for (const [name, value] of deps.securityHeaders(request.isTls())) headers[name] = value;
        headers['x-request-id'] = requestId;
        headers['ratelimit-policy'] = sessionLimit.policy;
        headers.ratelimit = rateLimitHeader(sessionLimit.name, remaining, resetSec);
        headers.etag = etag;
        headers['cache-control'] = 'no-cache';
        if (deps.shuttingDown()) headers.connection = 'close';
        const fresh = !etagMatches(header('if-none-match'), etag);
        if (fresh) {
          headers.vary = 'Accept-Encoding';
          headers['content-type'] = 'application/json';
        }
        const status = fresh ? 200 : 304;
        const body = fresh ? json : null;
        // What app.ts's compress() on /api/views/* does to the route's response (no Content-Length
        // yet, as Hono's string response has none: compress()'s threshold does not apply).
        const encoding = compressionOf('GET', status, headers, header('accept-encoding'), fresh);
        span.end('GET', viewRoute, `/api/views/${plan.name}`, status, requestId);
        line.end('GET', `/api/views/${plan.name}`, status);
        return { status, headers, body, encoding };
      } catch {
        return undefined;
      }
    },
  };
}
