// `GET /api/views/:name` as one runtime-neutral function, for runtimes that can answer a request
// before building a web Request, a Hono context and the app's middleware chain (the Node server:
// runtime/node/view-listener.ts). It takes only the requests it answers exactly as the app does
// (a declared view, a valid session; compressed as the app's compress() would, see
// view-compression.ts) and passes the others on to the app while nothing has happened yet that the
// app would do a second time (no session: the app's 401). Once it has counted a request against the
// session's limit it answers it, whatever the outcome: 200/304, the limit's 429 (or 503), or 500.
import type { ErrorCode } from '@switchboard/shared/errors';
import { NameSchema } from '@switchboard/shared/upstreams';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Principal, SessionService } from '../auth/sessions';
import { errorBody, unexpectedErrorMessage } from '../http/errors';
import { requestIdFrom } from '../http/request-id';
import { startRequestLine } from '../http/request-log';
import type { Logger } from '../http/logger';
import {
  errorSummary,
  isRefusal,
  rateLimitHeader,
  rateLimitRefusal,
  rateLimitStoreFailed,
  secondsUntil,
} from '../security/rate-limit';
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
  /** The view (200, 304), the session's limit (429, or 503 when its store fails) or an error (500). */
  status: 200 | 304 | 429 | 500 | 503;
  headers: Record<string, string>;
  /** The JSON text (the view, or the shared error shape); `null` for 304. */
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
  /**
   * The app's per-session limit (which fails closed): the same counter, so both ways in share one
   * budget; its name, `RateLimit-Policy` value and refusal subject as the app's middleware has them.
   */
  sessionLimit: { limiter: RateLimiterAbstract; name: string; policy: string; subject: string };
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
  /**
   * The app's answer to a claimed request, or `undefined` when the app must answer it after all
   * (only ever before the request is counted: the app then records and answers it alone).
   */
  answer: (plan: ViewPlan, request: ViewGetRequest) => Promise<ViewGetAnswer | undefined>;
}

const viewTarget = /^\/api\/views\/([a-z0-9-]+)$/;

/**
 * What this path leaves to the app, and why the answer is the same either way:
 * - other methods, query strings, names that are not declared views (400/404 from the app);
 * - no access cookie, or one that names no live session, or a session check that throws (the app
 *   answers 401 and counts the address instead, or its error handler answers): nothing is counted,
 *   called or recorded here before that, so the app does it all once.
 * What it answers itself once the session's limit has been asked, as the app would, so that no
 * request is counted twice or has its view run twice: the view (200/304) with the app's headers —
 * security headers, request id, rate-limit headers, ETag, Cache-Control, Vary, `Connection: close`
 * while draining, and compress()'s answer to the request's Accept-Encoding (`compressionOf`); the
 * limit's 429 (`rateLimitRefusal`, with Retry-After) or 503 when its store fails (logged as the
 * middleware logs it); and 500 in the shared error shape for anything that throws after the count
 * (logged as the app's error handler logs it: name and message). The same server span, HTTP
 * metrics and request log line, ended once on each of these. Tested against the app's own route,
 * byte for byte.
 *
 * @example const viewGet = createViewGet(deps); const plan = viewGet.claim(method, url, header);
 */
export function createViewGet(deps: ViewGetDeps): ViewGet {
  const { sessions, sessionLimit, logger } = deps;
  // As the route's `known`: a declared name that is not a valid view name is the app's to refuse.
  const plans = new Map([...deps.plans].filter(([name]) => NameSchema.safeParse(name).success));
  const { limiter } = sessionLimit;
  const refusalPolicy = {
    name: sessionLimit.name,
    points: limiter.points,
    durationSec: limiter.duration,
    subject: sessionLimit.subject,
  };

  /** The headers every answer carries, as the app's request frame sets them. */
  const frameHeaders = (request: ViewGetRequest, requestId: string): Record<string, string> => {
    const headers: Record<string, string> = {};
    for (const [name, value] of deps.securityHeaders(request.isTls())) headers[name] = value;
    headers['x-request-id'] = requestId;
    return headers;
  };

  /** The shared error shape as the app sends it from `errorResponse` (`c.json`). */
  const errorAnswer = (
    status: 429 | 500 | 503,
    headers: Record<string, string>,
    code: ErrorCode,
    message: string,
    details: unknown,
    requestId: string,
  ): ViewGetAnswer => {
    headers['content-type'] = 'application/json';
    if (deps.shuttingDown()) headers.connection = 'close';
    const body = JSON.stringify(errorBody(code, message, details, requestId));
    return { status, headers, body, encoding: undefined };
  };

  /** The app's session limit middleware's answer when `consume` rejects (before compress()). */
  const limitAnswer = (
    request: ViewGetRequest,
    requestId: string,
    rejection: unknown,
  ): ViewGetAnswer => {
    const headers = frameHeaders(request, requestId);
    if (isRefusal(rejection)) {
      const refusal = rateLimitRefusal(refusalPolicy, rejection.msBeforeNext);
      headers['ratelimit-policy'] = sessionLimit.policy;
      headers.ratelimit = rateLimitHeader(sessionLimit.name, 0, refusal.retryAfterSec);
      headers['retry-after'] = String(refusal.retryAfterSec);
      return errorAnswer(429, headers, 'rate_limited', refusal.message, refusal.details, requestId);
    }
    logger.error(
      {
        requestId,
        policy: sessionLimit.name,
        onStoreError: 'fail-closed',
        err: errorSummary(rejection),
      },
      rateLimitStoreFailed.log,
    );
    return errorAnswer(
      503,
      headers,
      'not_ready',
      rateLimitStoreFailed.message,
      undefined,
      requestId,
    );
  };

  /**
   * The app's error handler's answer to something thrown after the count: its log line through
   * the request's logger, and its 500, which goes back out through compress() and the session
   * limit's after-step (the count's headers) as the view would have.
   */
  const failureAnswer = (
    request: ViewGetRequest,
    requestId: string,
    log: Logger,
    error: unknown,
    rateLimit: string,
  ): ViewGetAnswer => {
    log.error({ err: unexpected(error) }, 'unhandled error');
    const headers = frameHeaders(request, requestId);
    headers['ratelimit-policy'] = sessionLimit.policy;
    headers.ratelimit = rateLimit;
    const answer = errorAnswer(
      500,
      headers,
      'internal',
      unexpectedErrorMessage,
      undefined,
      requestId,
    );
    answer.encoding = compressionOf('GET', 500, headers, request.header('accept-encoding'), true);
    return answer;
  };

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
      // Until the request is counted, the span and the line are only started: nothing is recorded
      // unless they end, so a request handed on is recorded once, by the app's own.
      const requestId = requestIdFrom(header('x-request-id'));
      const span = deps.startServerSpan(header('traceparent'));
      const line = startRequestLine(logger, deps.now, requestId, span.trace);
      let principal: Principal | undefined;
      try {
        const token = deps.accessToken(header('cookie'));
        principal = token === undefined ? undefined : await sessions.authenticate(token);
      } catch {
        // Nothing done yet: the app checks the session again and answers as it always does.
        return undefined;
      }
      if (principal === undefined) return undefined;
      // From here on this path answers, whatever happens: the app would count the request again
      // and run its view again. The span and the line end once, with the status it answers (500
      // when even that fails: the listener then drops the connection).
      const path = `/api/views/${plan.name}`;
      let status = 500;
      try {
        let remaining: number;
        let resetSec: number;
        try {
          const taken = await limiter.consume(principal.sessionId);
          remaining = taken.remainingPoints;
          resetSec = secondsUntil(taken.msBeforeNext, 0);
        } catch (rejection) {
          const refused = limitAnswer(request, requestId, rejection);
          status = refused.status;
          return refused;
        }
        let answer: ViewGetAnswer;
        try {
          const result = await runView(deps, plan, request.watch, {
            traceId: span.trace.traceId,
            parentSpanId: span.trace.spanId,
          });
          const { json, etag } = viewBody(result);
          const headers = frameHeaders(request, requestId);
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
          const viewStatus = fresh ? 200 : 304;
          // What app.ts's compress() on /api/views/* does to the route's response (no
          // Content-Length yet, as Hono's string response has none: no threshold applies).
          const encoding = compressionOf(
            'GET',
            viewStatus,
            headers,
            header('accept-encoding'),
            fresh,
          );
          answer = { status: viewStatus, headers, body: fresh ? json : null, encoding };
        } catch (error) {
          const rateLimit = rateLimitHeader(sessionLimit.name, remaining, resetSec);
          answer = failureAnswer(request, requestId, line.log, error, rateLimit);
        }
        status = answer.status;
        return answer;
      } finally {
        span.end('GET', viewRoute, path, status, requestId);
        line.end('GET', path, status);
      }
    },
  };
}

/** An error's name and message as the app's error handler logs them (no stack, no data). */
function unexpected(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: typeof error, message: 'a value that is not an Error was thrown' };
}
