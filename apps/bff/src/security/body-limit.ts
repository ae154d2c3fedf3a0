// Request bodies above a size are refused with 413 in the shared error shape, chunked ones included.
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../http/app-env';
import { errorResponse } from '../http/errors';

export const defaultMaxBodyBytes = 1024 * 1024;

export interface BodyLimitOptions {
  /**
   * The largest body accepted, in bytes (1 MiB by default). A function chooses per request, e.g.
   * a larger limit for an upload route: `(c) => c.req.path.startsWith('/api/uploads/') ? 20 * MiB : MiB`.
   * (Stacking a second, larger limit on a route does not work: the outer one refuses first.)
   */
  maxBytes?: number | ((c: Context<AppEnv>) => number);
}

/**
 * Refuses bodies over `maxBytes` with 413 `payload_too_large` before any handler reads them.
 *
 * Built on Hono's `bodyLimit`, which checks a declared Content-Length up front and otherwise
 * (chunked, or no length) counts bytes as they stream in, stopping at the first byte over the
 * limit; the handler then reads the counted copy, so it never sees more than `maxBytes`.
 * Bodies within the limit are held in memory once (at most `maxBytes` each).
 *
 * @example
 * app.use('/api/*', bodyLimit()); // 1 MiB
 * app.use('/api/*', bodyLimit({ maxBytes: (c) => (c.req.path === '/api/imports' ? 8 * MiB : MiB) }));
 */
export function bodyLimit(options: BodyLimitOptions = {}): MiddlewareHandler<AppEnv> {
  const { maxBytes = defaultMaxBodyBytes } = options;
  if (typeof maxBytes === 'number') checkSize(maxBytes);
  // One Hono middleware per distinct limit, made on first use.
  const bySize = new Map<number, MiddlewareHandler<AppEnv>>();
  const limiterFor = (size: number) => {
    let limiter = bySize.get(size);
    if (limiter === undefined) {
      checkSize(size);
      limiter = honoBodyLimit({
        maxSize: size,
        onError: (c: Context<AppEnv>) => {
          // The rest of the body is still on the wire; the server discards it and then closes
          // the socket, so tell the client not to send its next request on this connection.
          c.header('connection', 'close');
          return errorResponse(
            c,
            413,
            'payload_too_large',
            `The request body is larger than the ${formatBytes(size)} this endpoint accepts; send a smaller one.`,
            { maxBytes: size },
          );
        },
      });
      bySize.set(size, limiter);
    }
    return limiter;
  };

  return async function limitBodySize(c, next) {
    // A GET or HEAD request has no body to limit (a web Request of those methods cannot carry
    // one), and asking for it builds the whole web Request on Node: skip them outright.
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    const size = typeof maxBytes === 'number' ? maxBytes : maxBytes(c);
    return limiterFor(size)(c, next);
  };
}

function checkSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0)
    throw new TypeError(`bodyLimit: maxBytes must be a whole number of bytes ≥ 0 (got ${size}).`);
}

/** 1048576 → '1 MiB', 1536 → '1.5 KiB', 900 → '900 bytes'. */
export function formatBytes(bytes: number): string {
  const units = [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const;
  for (const [unit, size] of units) {
    if (bytes >= size) return `${Math.round((bytes / size) * 10) / 10} ${unit}`;
  }
  return `${bytes} bytes`;
}
