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
    const line = startRequestLine(logger, now, c.get('requestId'), c.get('trace'));
    c.set('log', line.log);
    return function logRequestLine(c) {
      line.end(c.req.method, c.req.path, c.res.status);
    };
  };
}

/**
 * A request's log line without a Hono context (paths answered from the runtime's own request, such
 * as views/view-get.ts): the child logger with the request and trace ids, and the line it writes.
 * @example const line = startRequestLine(logger, now, requestId, trace); … line.end('GET', path, 200);
 */
export function startRequestLine(
  logger: Logger,
  now: () => number,
  requestId: string,
  trace: { traceId: string; spanId: string } | undefined,
): { log: Logger; end: (method: string, path: string, status: number) => void } {
  const start = now();
  const bindings: Record<string, string> = { requestId };
  if (trace) {
    bindings.traceId = trace.traceId;
    bindings.spanId = trace.spanId;
  }
  const log = logger.child(bindings);
  return {
    log,
    end(method, path, status) {
      log.info(
        { method, path, status, durationMs: Math.round((now() - start) * 10) / 10 },
        'request',
      );
    },
  };
}
