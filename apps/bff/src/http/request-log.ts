// One structured log line per request, with its request id, trace id and duration; and the
// request-scoped child logger (`c.get('log')`) every later line of the request goes through.
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env';
import type { Logger } from './logger';

/**
 * Runs after the telemetry middleware (which sets `trace`), so the child logger carries both ids.
 * @example app.use('*', requestId()); app.use('*', telemetry.middleware); app.use('*', requestLog(logger, now));
 */
export function requestLog(logger: Logger, now: () => number): MiddlewareHandler<AppEnv> {
  const hook = requestLogHook(logger, now);
  return async function logRequest(c, next) {
    const after = hook(c);
    await next();
    after(c);
  };
}

/** The same as a part of the request frame (`http/request-frame`). */
export function requestLogHook(
  logger: Logger,
  now: () => number,
): (c: Context<AppEnv>) => (c: Context<AppEnv>) => void {
  return function startRequestLog(c) {
    const start = now();
    const trace = c.get('trace');
    const bindings: Record<string, string> = { requestId: c.get('requestId') };
    if (trace) {
      bindings.traceId = trace.traceId;
      bindings.spanId = trace.spanId;
    }
    const log = logger.child(bindings);
    c.set('log', log);
    return function logRequestLine(c) {
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
  };
}
