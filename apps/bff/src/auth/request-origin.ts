// CSRF defence for a JSON API: a custom header plus a same-origin Origin on every state change.
import { csrfHeader } from '@switchboard/shared/auth';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/app-env';
import { errorResponse } from '../http/errors';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface OriginPolicy {
  /** Origins allowed besides the BFF's own (e.g. the Vite dev server), like `https://ops.example`. */
  allowedOrigins: readonly string[];
  /** Whether the request reached us over TLS (directly or via a trusted proxy). */
  isTls: (c: Context<AppEnv>) => boolean;
}

/** The BFF's own origin as the browser sees it: scheme plus the Host it addressed. */
export function ownOrigin(c: Context<AppEnv>, policy: OriginPolicy): string | undefined {
  const host = c.req.header('host');
  return host ? `${policy.isTls(c) ? 'https' : 'http'}://${host.toLowerCase()}` : undefined;
}

export function isAllowedOrigin(
  c: Context<AppEnv>,
  origin: string | undefined,
  policy: OriginPolicy,
) {
  if (!origin) return false;
  const o = origin.toLowerCase();
  return o === ownOrigin(c, policy) || policy.allowedOrigins.includes(o);
}

/**
 * Refuses state-changing requests (403) that lack `X-CSRF: 1` or come from another origin.
 * A cross-site form cannot set a custom header, and a cross-origin fetch that sets one needs a
 * CORS preflight we never grant; the Origin check covers browsers and proxies that strip it.
 * Hono's csrf() checks only form content types, so it would let a JSON request through.
 */
export function requireSameOrigin(policy: OriginPolicy): MiddlewareHandler<AppEnv> {
  return async function checkCsrf(c, next) {
    if (safeMethods.has(c.req.method)) return next();
    if (c.req.header(csrfHeader) !== '1')
      return errorResponse(
        c,
        403,
        'forbidden',
        `State-changing requests need the header "${csrfHeader}: 1".`,
      );
    const origin = c.req.header('origin');
    if (!isAllowedOrigin(c, origin, policy))
      return errorResponse(
        c,
        403,
        'forbidden',
        origin
          ? `Requests from origin ${origin} are not allowed; add it to SWITCHBOARD_ALLOWED_ORIGINS if it is yours.`
          : 'State-changing requests need an Origin header from an allowed origin.',
      );
    return next();
  };
}
