// Browser-facing hardening headers on every response: a strict CSP, no sniffing, no framing, HSTS over TLS.
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/app-env';
import type { RequestHook } from '../http/request-frame';

export interface SecurityHeadersOptions {
  /**
   * Whether the client reached us over TLS; HSTS is only sent then (browsers ignore it over plain
   * HTTP, and it must not be sent where plain HTTP is the only way in). Behind a proxy use
   * `createIsTls` from `./client-ip`, which believes X-Forwarded-Proto from trusted proxies only.
   */
  isTls: (c: Context) => boolean;
  /** Replaces the whole Content-Security-Policy; defaults to `defaultContentSecurityPolicy`. */
  contentSecurityPolicy?: string;
  /** HSTS lifetime; one year by default. */
  hstsMaxAgeSec?: number;
}

/**
 * Same-origin everything, no inline script, no plugins, no framing.
 *
 * No `'unsafe-inline'` for styles, not even `style-src-attr`: CSP blocks style *attributes* in
 * markup (`<div style="…">`, `setAttribute('style', …)`) and `<style>` elements, but not styles
 * set through the CSSOM (`el.style.color = …`), which is how React applies `style={{…}}` and how
 * recharts sizes its text-measuring span (checked in react-dom 19.3 and recharts 3.10, and in the
 * built console: Vite emits only a `<script src>` and a `<link rel=stylesheet>`).
 * See https://www.w3.org/TR/CSP3/#directive-style-src-attr. Server-rendered markup with style
 * attributes would need `style-src-attr 'unsafe-inline'`; we render none.
 *
 * Checked in Chromium on the built console with live charts: no style violations. The one report
 * is zod 4 probing for eval (`Function('')` inside a try, then parsing without it); the web app
 * can silence it with `z.config({ jitless: true })`. Never answer it with `'unsafe-eval'`.
 */
export const defaultContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Powerful features the console never uses, switched off for it and anything it embeds. */
const permissionsPolicy = [
  'accelerometer=()',
  'camera=()',
  'geolocation=()',
  'gyroscope=()',
  'magnetometer=()',
  'microphone=()',
  'payment=()',
  'usb=()',
].join(', ');

/**
 * Sets the hardening headers on every response, after the handler ran, leaving alone any a route
 * set itself (a route may need its own CSP or framing rules).
 *
 * @example
 * app.use('*', securityHeaders({ isTls: createIsTls({ trustedProxies, remoteAddress }) }));
 */
export function securityHeaders(options: SecurityHeadersOptions): MiddlewareHandler<AppEnv> {
  const setMissing = createSecurityHeaderSetter(options);
  return async function setSecurityHeaders(c, next) {
    await next();
    setMissing(c);
  };
}

/**
 * The same as a part of the request frame (`http/request-frame`): nothing before the handlers,
 * the headers after them.
 */
export function securityHeadersHook(options: SecurityHeadersOptions): RequestHook {
  const setMissing = createSecurityHeaderSetter(options);
  return () => setMissing;
}

/** The headers every response gets: over plain HTTP, and over TLS (HSTS added). Built once. */
export interface SecurityHeaderSets {
  plain: ReadonlyArray<readonly [string, string]>;
  overTls: ReadonlyArray<readonly [string, string]>;
}

/**
 * The header sets `securityHeaders` sets, for paths that write a response without a Hono context
 * (views/view-get.ts on the Node server): the same names and values.
 */
export function securityHeaderSets(
  options: Omit<SecurityHeadersOptions, 'isTls'>,
): SecurityHeaderSets {
  const maxAge = options.hstsMaxAgeSec ?? 31_536_000;
  if (!Number.isInteger(maxAge) || maxAge < 0)
    throw new TypeError(
      `securityHeaders: hstsMaxAgeSec must be a whole number ≥ 0 (got ${maxAge}).`,
    );
  const plain: ReadonlyArray<readonly [string, string]> = [
    ['Content-Security-Policy', options.contentSecurityPolicy ?? defaultContentSecurityPolicy],
    ['X-Content-Type-Options', 'nosniff'],
    ['Referrer-Policy', 'no-referrer'],
    ['X-Frame-Options', 'DENY'],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ['Permissions-Policy', permissionsPolicy],
  ];
  return {
    plain,
    overTls: [...plain, ['Strict-Transport-Security', `max-age=${maxAge}; includeSubDomains`]],
  };
}

function createSecurityHeaderSetter(options: SecurityHeadersOptions): (c: Context) => void {
  const { isTls } = options;
  // Both sets built once: no array is made per response.
  const { plain: always, overTls } = securityHeaderSets(options);

  return function setMissingSecurityHeaders(c) {
    const wanted = isTls(c) ? overTls : always;
    let headers = c.res.headers;
    for (const [name, value] of wanted) {
      if (headers.has(name)) continue;
      try {
        headers.set(name, value);
      } catch {
        // Headers of a Response passed through from fetch() are immutable: copy it once, then set.
        c.res = new Response(c.res.body, c.res);
        headers = c.res.headers;
        headers.set(name, value);
      }
    }
  };
}
