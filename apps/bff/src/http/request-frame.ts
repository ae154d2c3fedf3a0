// Everything every request gets, as one middleware: each part runs before the handlers and may
// leave a step to run after them, on the final response. One middleware instead of one per part:
// each Hono middleware costs a dispatch, an async frame and a promise on every request.
import type { Context, ErrorHandler, MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env';

/** What runs after the handlers, given the context again (so it needs no closure over it). */
export type AfterRequest = (c: Context<AppEnv>) => void;

/**
 * One part of the frame: runs before the handlers, in the order given, and returns what must run
 * after them (in reverse order, like nested middleware), or nothing.
 */
export type RequestHook = (c: Context<AppEnv>) => AfterRequest | undefined;

/**
 * Behaves as the same hooks written as nested middleware (`app.use('*', a); app.use('*', b)`):
 * an error thrown by a part, before or after, becomes the error handler's response and the outer
 * parts' after-steps still run on it; an error inside the handlers reaches this frame already
 * turned into a response by Hono.
 *
 * @example app.use('*', requestFrame([assignRequestId, securityHeadersHook(opts)], onError));
 */
export function requestFrame(
  hooks: readonly RequestHook[],
  onError: ErrorHandler<AppEnv>,
): MiddlewareHandler<AppEnv> {
  const count = hooks.length;
  return async function frameRequest(c, next) {
    const after: Array<AfterRequest | undefined> = new Array<AfterRequest | undefined>(count);
    let entered = 0;
    try {
      for (; entered < count; entered++) after[entered] = (hooks[entered] as RequestHook)(c);
      await next();
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      c.error = err;
      c.res = await onError(err, c);
    }
    // A part that threw before the handlers has no after-step; those entered before it have.
    for (let i = entered - 1; i >= 0; i--) {
      const step = after[i];
      if (step === undefined) continue;
      try {
        step(c);
      } catch (err) {
        if (!(err instanceof Error)) throw err;
        c.error = err;
        c.res = await onError(err, c);
      }
    }
  };
}
