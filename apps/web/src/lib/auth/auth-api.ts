// The BFF's /auth endpoints as typed functions. Tokens travel only in HttpOnly cookies: the console
// sees who is signed in (Me), never a token.
import type { AuthProviders, LoginRequest, Me } from '@switchboard/shared/auth';
// zod/mini twins of the classic schemas: the sign-in path must stay small (issue 6).
import {
  AuthProvidersMiniSchema,
  LogoutResultMiniSchema,
  MeMiniSchema,
} from '@switchboard/shared/auth-mini';
import type { ApiClient } from '../api-client';

export const authKeys = {
  providers: ['auth', 'providers'] as const,
};

export function getAuthProviders(api: ApiClient, signal?: AbortSignal): Promise<AuthProviders> {
  return api.request('/auth/providers', AuthProvidersMiniSchema, signal ? { signal } : {});
}

/** A 401 here means wrong credentials, not an expired session: never renew and retry. */
export function login(api: ApiClient, credentials: LoginRequest): Promise<Me> {
  return api.request('/auth/login', MeMiniSchema, {
    method: 'POST',
    body: credentials,
    renewOn401: false,
  });
}

/** Who is signed in; a 401 first tries to renew the session (the access token may just have expired). */
export function getMe(api: ApiClient, signal?: AbortSignal): Promise<Me> {
  return api.request('/auth/me', MeMiniSchema, signal ? { signal } : {});
}

/** Ends the session; resolves where to go next to end a single-sign-on session at the provider too. */
export async function logout(api: ApiClient): Promise<string | null> {
  const result = await api.request('/auth/logout', LogoutResultMiniSchema, {
    method: 'POST',
    renewOn401: false,
  });
  return result.providerLogoutUrl;
}

/**
 * Where single sign-on starts: a full-page navigation to the BFF, which redirects to the provider
 * and, afterwards, back to `returnTo`.
 */
export function ssoHref(loginUrl: string, returnTo: string, base: string): string {
  const url = new URL(loginUrl, base);
  url.searchParams.set('returnTo', returnTo);
  return url.origin === new URL(base).origin ? `${url.pathname}${url.search}` : url.toString();
}
