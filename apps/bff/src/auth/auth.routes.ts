// Sign-in endpoints: local login, refresh, logout, who am I, and which providers the page offers.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import {
  AuthProvidersSchema,
  LoginRequestSchema,
  LogoutResultSchema,
  MeSchema,
  type LogoutResult,
  type Me,
} from '@switchboard/shared/auth';
import type { Context } from 'hono';
import { AppError } from '../http/app-error';
import type { AppEnv } from '../http/app-env';
import { validationHook } from '../http/errors';
import { errorContent, jsonBody, jsonContent } from '../http/openapi';
import type { Accounts } from './accounts';
import { recordLoginFailure, type AuditLog } from './audit';
import { clearSessionCookies, readRefreshCookie, setSessionCookies } from './cookies';
import { principalOf } from './guards';
import type { LoginThrottle } from '../security/login-throttle';
import type { ClientMeta, SessionService } from './sessions';

export interface AuthRoutesDeps {
  accounts: Accounts;
  sessions: SessionService;
  audit: AuditLog;
  loginGuard: LoginThrottle;
  now: () => number;
  /** The single-sign-on button and the provider's logout, when OpenID Connect is configured. */
  oidc?: {
    name: string;
    logoutUrl: () => string | undefined;
    /** Ends the provider's grant behind a session's stored tokens (best effort). */
    revokeTokens: (providerTokens: string) => Promise<void>;
  };
}

const csrfNote = 'Needs the header `X-CSRF: 1` and a same-origin `Origin`.';

const login = createRoute({
  method: 'post',
  path: '/auth/login',
  summary: 'Sign in with a local account; sets the session cookies',
  description: csrfNote,
  request: {
    body: jsonBody(LoginRequestSchema),
  },
  responses: {
    200: jsonContent(MeSchema, 'Signed in; `__Host-sb_access` and `__Secure-sb_refresh` are set'),
    400: errorContent('Invalid body'),
    401: errorContent('Wrong username or password'),
    403: errorContent('Account disabled, or the CSRF check failed'),
    429: errorContent('Too many failed attempts; see Retry-After'),
  },
});

const refresh = createRoute({
  method: 'post',
  path: '/auth/refresh',
  summary: 'Rotate the refresh token and get a new access token',
  description: `${csrfNote} A reused refresh token revokes its whole session.`,
  responses: {
    200: jsonContent(MeSchema, 'New cookies set'),
    401: errorContent('The session is over; sign in again'),
  },
});

const logout = createRoute({
  method: 'post',
  path: '/auth/logout',
  summary: 'End this session everywhere, including its live streams',
  description: `${csrfNote} A single-sign-on session also gets the provider's logout URL, where the browser goes next to end its session there.`,
  responses: { 200: jsonContent(LogoutResultSchema, 'Signed out; cookies cleared') },
});

const me = createRoute({
  method: 'get',
  path: '/auth/me',
  summary: 'The signed-in user and session',
  responses: { 200: jsonContent(MeSchema, 'The caller'), 401: errorContent('No session') },
});

const providers = createRoute({
  method: 'get',
  path: '/auth/providers',
  summary: 'How one can sign in: local accounts, and single sign-on when configured',
  responses: { 200: jsonContent(AuthProvidersSchema, 'Providers') },
});

export const clientMeta = (c: Context<AppEnv>): ClientMeta => ({
  ip: c.get('clientIp'),
  userAgent: c.req.header('user-agent') ?? '',
});

export function createAuthRoutes(deps: AuthRoutesDeps) {
  const { accounts, sessions, audit, loginGuard, now } = deps;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(login, async (c) => {
    const { username, password } = c.req.valid('json');
    const meta = clientMeta(c);
    const gate = await loginGuard.check(username, meta.ip);
    if (!gate.allowed) {
      c.header('retry-after', String(gate.retryAfterSec));
      await recordLoginFailure(audit, {
        ip: meta.ip,
        target: `user:${username}`,
        reason: `locked out (${gate.reason})`,
      });
      throw new AppError(
        429,
        'rate_limited',
        `Too many failed sign-ins ${gate.reason === 'ip' ? 'from this address' : 'for this account'}; try again in ${gate.retryAfterSec} s.`,
        { details: { retryAfterSec: gate.retryAfterSec } },
      );
    }
    const user = await accounts.verifyPassword(username, password);
    if (!user) {
      await loginGuard.recordFailure(username, meta.ip);
      await recordLoginFailure(audit, {
        ip: meta.ip,
        target: `user:${username}`,
        reason: 'wrong username or password',
      });
      throw new AppError(401, 'unauthorized', 'Wrong username or password.');
    }
    if (user.disabled) {
      await recordLoginFailure(audit, {
        ip: meta.ip,
        target: `user:${user.username}`,
        reason: 'account disabled',
        actor: user.username,
      });
      throw new AppError(403, 'forbidden', 'This account is disabled; ask an admin to enable it.');
    }
    await loginGuard.recordSuccess(username, meta.ip);
    const issued = await sessions.signIn(user, meta);
    setSessionCookies(c, issued, now());
    await audit.record({
      action: 'auth.login',
      actor: user.username,
      ip: meta.ip,
      target: `session:${issued.me.session.id}`,
      details: { provider: 'local' },
    });
    c.header('cache-control', 'no-store');
    return c.json(issued.me satisfies Me, 200);
  });

  app.openapi(refresh, async (c) => {
    const token = readRefreshCookie(c);
    if (!token) throw new AppError(401, 'unauthorized', 'No session to refresh; sign in again.');
    try {
      const issued = await sessions.refresh(token, clientMeta(c));
      setSessionCookies(c, issued, now());
      c.header('cache-control', 'no-store');
      return c.json(issued.me, 200);
    } catch (err) {
      clearSessionCookies(c);
      throw err;
    }
  });

  app.openapi(logout, async (c) => {
    const principal = c.get('principal');
    clearSessionCookies(c);
    let providerLogoutUrl: string | null = null;
    if (principal) {
      // No ID token hint: the provider's tokens never reach the browser. The client id names us,
      // and the provider asks the user to confirm.
      const session = await sessions.signOut(principal.sessionId);
      if (session?.provider === 'oidc' && deps.oidc) {
        if (session.providerTokens !== null) await deps.oidc.revokeTokens(session.providerTokens);
        providerLogoutUrl = deps.oidc.logoutUrl() ?? null;
      }
      await audit.record({
        action: 'auth.logout',
        actor: principal.username,
        ip: c.get('clientIp'),
        target: `session:${principal.sessionId}`,
      });
    }
    return c.json({ providerLogoutUrl } satisfies LogoutResult, 200);
  });

  app.openapi(me, async (c) => {
    const described = await sessions.describe(principalOf(c));
    if (!described)
      throw new AppError(401, 'unauthorized', 'Your session has ended; sign in again.');
    c.header('cache-control', 'no-store');
    return c.json(described, 200);
  });

  app.openapi(providers, (c) =>
    c.json(
      {
        local: true,
        oidc: deps.oidc ? { name: deps.oidc.name, loginUrl: '/auth/oidc/login' } : null,
      },
      200,
    ),
  );

  return app;
}
