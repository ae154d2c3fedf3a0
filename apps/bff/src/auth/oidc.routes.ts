// Single sign-on routes: start the OpenID Connect flow, finish it into a Switchboard session.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { decodeJwt } from 'jose';
import type { AppEnv } from '../http/app-env';
import { validationHook } from '../http/errors';
import { errorContent } from '../http/openapi';
import type { Accounts } from './accounts';
import { recordLoginFailure, type AuditLog } from './audit';
import { clientMeta } from './auth.routes';
import { setSessionCookies } from './cookies';
import type { OidcClient, OidcTokens } from './oidc/oidc-client';
import { isOidcError } from './oidc/oidc-error';
import type { ProviderTokenRefresher, SessionService } from './sessions';

// Lax, not Strict: the provider sends the browser back with a cross-site top-level navigation,
// on which a Strict cookie would not be sent. It holds only the sealed PKCE transaction.
const transactionCookie = '__Host-sb_oidc';

const login = createRoute({
  method: 'get',
  path: '/auth/oidc/login',
  summary: 'Start single sign-on: redirects to the identity provider',
  request: {
    query: z.object({
      returnTo: z
        .string()
        .max(2048)
        .optional()
        .meta({ description: 'A same-site path to land on afterwards.' }),
    }),
  },
  responses: {
    302: { description: 'To the provider' },
    404: errorContent('Single sign-on is not configured'),
  },
});

const callback = createRoute({
  method: 'get',
  path: '/auth/oidc/callback',
  summary: "The provider's redirect back: sets the session cookies and redirects into the console",
  request: {
    // Read whole by the OIDC client (code, state, iss, or error and error_description).
    query: z.looseObject({
      state: z.string().max(2048).optional(),
      code: z.string().max(4096).optional(),
    }),
  },
  responses: {
    302: { description: 'Into the console, or to /sign-in?error=… when sign-in failed' },
  },
});

/** What the session keeps of the provider's tokens (server-side only). */
export const serializeProviderTokens = (tokens: OidcTokens) => JSON.stringify(tokens);

const StoredTokensSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string().optional(),
  idToken: z.string().optional(),
  expiresAt: z.number(),
});

/**
 * Renews a session's provider tokens when they are about to expire, and reports the role the
 * provider grants now; a refusal throws, which ends the session. A provider that is only
 * unreachable keeps the session on its current tokens and role.
 */
export function createProviderTokenRefresher(
  oidc: OidcClient,
  now: () => number,
): ProviderTokenRefresher {
  return async (stored) => {
    const tokens = StoredTokensSchema.parse(JSON.parse(stored));
    if (tokens.expiresAt - now() > 60_000 || !tokens.refreshToken) return undefined;
    try {
      // The ID token kept from sign-in was verified then; its `sub` is who the session belongs to.
      const subject = tokens.idToken === undefined ? undefined : decodeJwt(tokens.idToken).sub;
      const fresh = await oidc.refresh(tokens.refreshToken, subject);
      // Providers send a new ID token only sometimes; keep the last one: its `sub` checks the next renewal.
      const idToken = fresh.tokens.idToken ?? tokens.idToken;
      return {
        tokens: serializeProviderTokens({
          ...fresh.tokens,
          ...(idToken !== undefined && { idToken }),
        }),
        role: fresh.role,
      };
    } catch (err) {
      if (isOidcError(err) && err.code === 'provider_unavailable') return undefined;
      throw err;
    }
  };
}

/**
 * Ends a signed-out session's grant at the provider too, by revoking its refresh token; best
 * effort (the session here is over either way), so a provider that cannot be told is not an error.
 */
export async function revokeProviderTokens(oidc: OidcClient, stored: string): Promise<void> {
  const tokens = StoredTokensSchema.safeParse(JSON.parse(stored));
  if (!tokens.success || tokens.data.refreshToken === undefined) return;
  await oidc.revokeRefreshToken(tokens.data.refreshToken).catch(() => undefined);
}

export function createOidcRoutes(deps: {
  oidc: OidcClient;
  accounts: Accounts;
  sessions: SessionService;
  audit: AuditLog;
  now: () => number;
}) {
  const { oidc, accounts, sessions, audit, now } = deps;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(login, async (c) => {
    const { redirectUrl, transaction } = await oidc.beginLogin(c.req.valid('query').returnTo);
    setCookie(c, transactionCookie, transaction, {
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
      path: '/',
      maxAge: 600,
    });
    return c.redirect(redirectUrl, 302);
  });

  app.openapi(callback, async (c) => {
    const transaction = getCookie(c, transactionCookie);
    deleteCookie(c, transactionCookie, { path: '/', secure: true });
    const meta = clientMeta(c);
    const fail = async (message: string, reason: string) => {
      await recordLoginFailure(audit, { ip: meta.ip, target: 'oidc', reason });
      return c.redirect(`/sign-in?error=${encodeURIComponent(message)}`, 302);
    };
    if (!transaction)
      return fail(
        'The sign-in took too long or was started elsewhere; try again.',
        'no transaction',
      );
    try {
      const login = await oidc.completeLogin(new URL(c.req.url), transaction);
      const user = await accounts.upsertSso({
        subject: `${login.issuer}#${login.subject}`,
        username: login.username,
        displayName: login.displayName,
        role: login.role,
      });
      if (user.disabled)
        return fail('This account is disabled; ask an admin to enable it.', 'account disabled');
      const issued = await sessions.signIn(user, meta, serializeProviderTokens(login.tokens));
      setSessionCookies(c, issued, now());
      await audit.record({
        action: 'auth.login',
        actor: user.username,
        ip: meta.ip,
        target: `session:${issued.me.session.id}`,
        details: { provider: 'oidc', role: user.role },
      });
      return c.redirect(login.returnTo, 302);
    } catch (err) {
      if (!isOidcError(err)) throw err;
      const message =
        err.code === 'no_role'
          ? 'Your account has no Switchboard role at the identity provider; ask an admin to grant one.'
          : `Single sign-on failed: ${err.message}`;
      return fail(message, err.code);
    }
  });

  return app;
}
