// One structured log line per request, with its request id and duration.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env';
import type { Logger } from './logger';

export function requestLog(logger: Logger, now: () => number): MiddlewareHandler<AppEnv> {
  return async function logRequest(c, next) {
    const start = now();
    await next();
    logger.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round((now() - start) * 10) / 10,
      },
      'request',
    );
  };
}
