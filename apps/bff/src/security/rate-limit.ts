// Inbound rate limits: one named policy per middleware, refusals as 429 in the shared error shape with IETF RateLimit headers.
import type { Context, MiddlewareHandler } from 'hono';
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env';
import { errorResponse } from '../http/errors';
import type { Logger } from '../http/logger';

export interface RateLimitOptions {
  /**
   * The policy's name in `RateLimit` / `RateLimit-Policy` (`"ip";q=100;w=60`): letters, digits,
   * `_`, `-`, `.`. Several policies can be stacked; each adds itself to those list headers.
   */
  name: string;
  /** Requests allowed per window. */
  points: number;
  /** The window, in whole seconds. */
  durationSec: number;
  /**
   * Who is counted: e.g. the client address, or a session id. `undefined` means this policy does
   * not apply to the request (no session yet), which passes untouched and without headers.
   */
  key: (c: Context<AppEnv>) => string | undefined;
  /**
   * The counter store; `RateLimiterMemory` by default (one process). Pass a `RateLimiterRedis`
   * (or any `RateLimiterAbstract`) to share counts between instances; its `points` and `duration`
   * must equal `points` and `durationSec`, since the headers advertise them.
   */
  limiter?: RateLimiterAbstract;
  /** Where store failures are reported. */
  logger: Logger;
  /**
   * What to do when the store fails (not a refusal: an error, e.g. Redis unreachable).
   * `'fail-closed'` (default) answers 503: a limit that silently stops applying is how an outage
   * of the store becomes an outage of everything behind it. `'fail-open'` lets the request
   * through, for limits that protect nothing critical. Both log the failure.
   */
  onStoreError?: 'fail-closed' | 'fail-open';
  /** Completes "Too many requests …" in the refusal message, e.g. `'from this address'`. */
  subject?: string;
}

const OptionsSchema = z.object({
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
      'use letters, digits, "_", "-" or "." (it is quoted in headers)',
    ),
  points: z.int().positive(),
  durationSec: z.int().positive(),
});

/** What a refusal told us: the store's answer when no points are left. */
interface Refusal {
  msBeforeNext: number;
}

/**
 * A middleware allowing `points` requests per `durationSec` for each `key`. Every counted response
 * carries `RateLimit-Policy: "<name>";q=<points>;w=<durationSec>` and
 * `RateLimit: "<name>";r=<remaining>;t=<seconds to reset>` (draft-ietf-httpapi-ratelimit-headers-09);
 * a refused request gets 429 `rate_limited` with `Retry-After` and never reaches the handler.
 *
 * @example
 * const clientIp = createClientIp({ trustedProxies, remoteAddress });
 * app.use('/api/*', rateLimit({ name: 'ip', points: 100, durationSec: 60, key: clientIp,
 *   logger, subject: 'from this address' }));
 * app.use('/api/*', rateLimit({ name: 'session', points: 300, durationSec: 60,
 *   key: (c) => c.get('session')?.id, logger, subject: 'for this session' }));
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new TypeError(
      `rateLimit(${JSON.stringify(options.name)}): ${parsed.error.issues
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
  }
  const { name, points, durationSec } = parsed.data;
  const limiter =
    options.limiter ??
    new RateLimiterMemory({ keyPrefix: `rl:${name}`, points, duration: durationSec });
  if (limiter.points !== points || limiter.duration !== durationSec) {
    throw new TypeError(
      `rateLimit("${name}"): the limiter allows ${limiter.points} per ${limiter.duration} s but the policy says ${points} per ${durationSec} s.`,
    );
  }
  const { key, logger, onStoreError = 'fail-closed' } = options;
  const refusalPolicy = { name, points, durationSec, subject: options.subject };
  const policy = rateLimitPolicyHeader(name, points, durationSec);

  const advertise = (c: Context<AppEnv>, remaining: number, resetSec: number) => {
    // Append: each stacked policy is one member of these structured-field lists.
    c.header('RateLimit-Policy', policy, { append: true });
    c.header('RateLimit', rateLimitHeader(name, remaining, resetSec), { append: true });
  };

  return async function rateLimitByKey(c, next) {
    const id = key(c);
    if (id === undefined) return next();

    let remaining: number;
    let resetSec: number;
    try {
      const res = await limiter.consume(id);
      remaining = res.remainingPoints;
      resetSec = secondsUntil(res.msBeforeNext, 0);
    } catch (rejection) {
      if (isRefusal(rejection)) {
        const refusal = rateLimitRefusal(refusalPolicy, rejection.msBeforeNext);
        advertise(c, 0, refusal.retryAfterSec);
        c.header('Retry-After', String(refusal.retryAfterSec));
        return errorResponse(c, 429, 'rate_limited', refusal.message, refusal.details);
      }
      logger.error(
        { requestId: c.get('requestId'), policy: name, onStoreError, err: errorSummary(rejection) },
        rateLimitStoreFailed.log,
      );
      if (onStoreError === 'fail-open') return next();
      return errorResponse(c, 503, 'not_ready', rateLimitStoreFailed.message);
    }

    await next();
    // After the handler, so the headers survive a handler that returns its own Response. Set on
    // the response in place: `c.header()` on a finished response rebuilds it around a stream
    // (on Node that turns a string body into a web stream), a large share of a small route's cost.
    const headers = c.res.headers;
    try {
      headers.append('RateLimit-Policy', policy);
      headers.append('RateLimit', rateLimitHeader(name, remaining, resetSec));
    } catch {
      // Headers of a Response passed through from fetch() are immutable: let Hono copy it.
      advertise(c, remaining, resetSec);
    }
  };
}

/**
 * What a policy's 429 says: the seconds to wait (`Retry-After`, and `t` in `RateLimit`, beside
 * `r=0`), the message and the details of the shared error shape. The middleware's refusal, also
 * built without a Hono context by views/view-get.ts, which must answer as the middleware does.
 * @example const { retryAfterSec, message, details } = rateLimitRefusal(policy, res.msBeforeNext);
 */
export function rateLimitRefusal(
  policy: { name: string; points: number; durationSec: number; subject?: string | undefined },
  msBeforeNext: number,
): {
  retryAfterSec: number;
  message: string;
  details: { policy: string; limit: number; windowSec: number; retryAfterSec: number };
} {
  const retryAfterSec = secondsUntil(msBeforeNext, 1);
  const subject = policy.subject ? ` ${policy.subject}` : '';
  return {
    retryAfterSec,
    message: `Too many requests${subject}; try again in ${retryAfterSec} s.`,
    details: {
      policy: policy.name,
      limit: policy.points,
      windowSec: policy.durationSec,
      retryAfterSec,
    },
  };
}

/** A failing store's 503 message and log line (the middleware's, and views/view-get.ts's). */
export const rateLimitStoreFailed = {
  message: 'Request limits cannot be checked right now; try again in a few seconds.',
  log: 'rate limit store failed',
} as const;

/** rate-limiter-flexible rejects with its result (not an Error) when no points are left. */
export function isRefusal(rejection: unknown): rejection is Refusal {
  return (
    typeof rejection === 'object' &&
    rejection !== null &&
    !(rejection instanceof Error) &&
    'msBeforeNext' in rejection &&
    typeof rejection.msBeforeNext === 'number'
  );
}

/** Whole seconds, rounded up so a client that waits that long is not refused again. */
/** `RateLimit-Policy` for one policy (draft-ietf-httpapi-ratelimit-headers-09). */
export const rateLimitPolicyHeader = (name: string, points: number, durationSec: number) =>
  `"${name}";q=${points};w=${durationSec}`;

/** `RateLimit` for one policy: requests left and seconds until the window resets. */
export const rateLimitHeader = (name: string, remaining: number, resetSec: number) =>
  `"${name}";r=${remaining};t=${resetSec}`;

/** Whole seconds until `ms` from now, rounded up, at least `atLeast`. */
export function secondsUntil(ms: number, atLeast: number): number {
  return Math.max(atLeast, Math.ceil(ms / 1000));
}

/** An error's name and message for a log line: no stack, no data it may carry. */
export function errorSummary(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: typeof error, message: String(error) };
}
