// Requests that carry a body must send JSON: anything else is refused with 415 before a handler runs.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env';
import { errorResponse } from './errors';

const bodyMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const jsonType = /^application\/(?:[a-z0-9.+-]+\+)?json\s*(?:;|$)/i;

export function requireJson(): MiddlewareHandler<AppEnv> {
  return async function requireJsonBody(c, next) {
    if (!bodyMethods.has(c.req.method)) return next();
    const hasBody =
      c.req.header('content-length') !== undefined
        ? c.req.header('content-length') !== '0'
        : c.req.header('transfer-encoding') !== undefined;
    const type = c.req.header('content-type') ?? '';
    if (hasBody && !jsonType.test(type)) {
      return errorResponse(
        c,
        415,
        'unsupported_media_type',
        `Send the body as JSON with "Content-Type: application/json" (got "${type || 'none'}").`,
      );
    }
    return next();
  };
}
