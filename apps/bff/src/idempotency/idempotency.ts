// Idempotency-Key for state-changing endpoints: a retried request gets the first one's response
// instead of acting twice (draft-ietf-httpapi-idempotency-key-header).
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/app-env';
import { errorResponse } from '../http/errors';
import type { IdempotencyStore } from './idempotency-store';

export interface IdempotencyOptions {
  store: IdempotencyStore;
  /** How long a key is remembered. */
  ttlMs: number;
  /**
   * How long a request may hold its key while it runs; after that the key is free again (the
   * process that held it died mid-request). Default 60 s; keep it above the longest request.
   */
  lockMs?: number;
  /** Epoch milliseconds. */
  now: () => number;
  /** Keys are per caller: two users sending the same key never see each other's responses. */
  scope: (c: Context<AppEnv>) => string;
}

const changing = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Response headers worth replaying; per-request ones (request id, cookies, dates) are not. */
const replayedHeaders = ['content-type', 'location'];

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Same key and same request (method, path and body hash) → the stored response again, with
 * `Idempotent-Replayed: true`; same key, different request → 422; same key while the first is
 * still running → 409 with Retry-After. 5xx answers are not stored, so the client may retry them.
 * @example app.on(['POST'], '/api/*', idempotency({ store, ttlMs: 86_400_000, now: Date.now, scope }));
 */
export function idempotency(options: IdempotencyOptions): MiddlewareHandler<AppEnv> {
  if (!(options.ttlMs > 0)) throw new Error('idempotency: ttlMs must be positive');
  const { store, ttlMs, now } = options;
  const lockMs = Math.min(options.lockMs ?? 60_000, ttlMs);
  return async function honourIdempotencyKey(c, next) {
    const key = c.req.header('idempotency-key');
    if (key === undefined || !changing.has(c.req.method)) return next();
    if (key.length < 1 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key))
      return errorResponse(
        c,
        400,
        'bad_request',
        'Idempotency-Key must be 1–255 visible ASCII characters.',
      );
    const body = await c.req.text();
    const fingerprint = await sha256(`${c.req.method} ${c.req.path}\n${body}`);
    const scope = options.scope(c);
    const at = now();
    const begun = await store.begin(scope, key, fingerprint, at, at + lockMs);
    if (begun.state !== 'started' && begun.fingerprint !== fingerprint)
      return errorResponse(
        c,
        422,
        'idempotency_key_reused',
        'This Idempotency-Key was used with a different request; use a new key for a new request.',
      );
    if (begun.state === 'in_flight') {
      c.header('retry-after', '1');
      return errorResponse(
        c,
        409,
        'conflict',
        'A request with this Idempotency-Key is still being processed; retry shortly.',
      );
    }
    if (begun.state === 'done') {
      const { status, headers, body: stored } = begun.response;
      return new Response(stored, {
        status,
        headers: { ...headers, 'idempotent-replayed': 'true' },
      });
    }
    c.set('idempotencyKey', key);
    try {
      await next();
    } catch (err) {
      await store.release(scope, key);
      throw err;
    }
    if (c.res.status >= 500) {
      await store.release(scope, key);
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of replayedHeaders) {
      const value = c.res.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    await store.complete(
      scope,
      key,
      { status: c.res.status, headers, body: await c.res.clone().text() },
      at + ttlMs,
    );
  };
}
