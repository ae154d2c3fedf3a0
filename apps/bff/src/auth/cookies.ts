// The two session cookies: HttpOnly, Secure, SameSite=Strict, host-locked by their name prefixes.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
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

export const readAccessCookie = (c: Context) => getCookie(c, accessCookie);
export const readRefreshCookie = (c: Context) => getCookie(c, refreshCookie);
