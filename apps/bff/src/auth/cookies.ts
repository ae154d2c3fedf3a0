// The two session cookies: HttpOnly, Secure, SameSite=Strict, host-locked by their name prefixes.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { parse as parseCookie } from 'hono/utils/cookie';
import type { IssuedSession } from './sessions';

// __Host-: Secure, Path=/ and no Domain, so no sibling subdomain can set or overwrite it.
export const accessCookie = '__Host-sb_access';
// __Secure- allows a path: the refresh token is sent only to /auth, never with API calls.
export const refreshCookie = '__Secure-sb_refresh';
const refreshPath = '/auth';

export function setSessionCookies(c: Context, issued: IssuedSession, now: number): void {
  setCookie(c, accessCookie, issued.access.token, {
    httpOnly: true,
    secure: true,
    sameSite: 'Strict',
    path: '/',
    maxAge: Math.max(1, Math.floor((issued.access.expiresAt - now) / 1000)),
  });
  setCookie(c, refreshCookie, issued.refresh.token, {
    httpOnly: true,
    secure: true,
    sameSite: 'Strict',
    path: refreshPath,
    maxAge: Math.max(1, Math.floor((issued.refresh.expiresAt - now) / 1000)),
  });
}

export function clearSessionCookies(c: Context): void {
  deleteCookie(c, accessCookie, { path: '/', secure: true });
  deleteCookie(c, refreshCookie, { path: refreshPath, secure: true });
}

/** Distinct Cookie headers whose access token is remembered; past that the memory starts again. */
const rememberedCookieHeaders = 256;
const accessByCookieHeader = new Map<string, string | undefined>();

/**
 * The access token of the request's Cookie header. A client sends the same header on every call
 * until its session changes, and parsing it (a JWT-sized value checked against the cookie grammar,
 * then URI-decoded) cost more than the rest of the session guard, so the answer per header is
 * remembered. It is a pure function of the header; the bound keeps a stream of distinct headers
 * from growing the memory (the map empties when full, as `createCachedRouter` does).
 */
export function readAccessCookie(c: Context): string | undefined {
  return accessTokenOf(c.req.raw.headers.get('cookie') ?? undefined);
}

/**
 * The same for a Cookie header read without a Hono context (views/view-get.ts on the Node
 * server): the value `getCookie(c, accessCookie)` gives, remembered per header.
 */
export function accessTokenOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (accessByCookieHeader.has(header)) return accessByCookieHeader.get(header);
  const token = parseCookie(header, accessCookie)[accessCookie];
  if (accessByCookieHeader.size >= rememberedCookieHeaders) accessByCookieHeader.clear();
  accessByCookieHeader.set(header, token);
  return token;
}
export const readRefreshCookie = (c: Context) => getCookie(c, refreshCookie);
