// One structured log line per request, with its request id, trace id and duration; and the
// request-scoped child logger (`c.get('log')`) every later line of the request goes through.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env';
import type { Logger } from './logger';

/**
 * Runs after the telemetry middleware (which sets `trace`), so the child logger carries both ids.
 * @example app.use('*', requestId()); app.use('*', telemetry.middleware); app.use('*', requestLog(logger, now));
 */
export function requestLog(logger: Logger, now: () => number): MiddlewareHandler<AppEnv> {
  return async function logRequest(c, next) {
    const start = now();
    const trace = c.get('trace');
    const log = logger.child({
      requestId: c.get('requestId'),
      ...(trace && { traceId: trace.traceId, spanId: trace.spanId }),
    });
    c.set('log', log);
    await next();
    log.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round((now() - start) * 10) / 10,
      },
      'request',
    );
  };
}
