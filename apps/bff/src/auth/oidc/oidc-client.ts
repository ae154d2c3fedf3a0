// OpenID Connect single sign-on for the BFF: authorization code + PKCE against one provider,
// mapping provider claims to a Switchboard role. Routes and sessions live elsewhere; this module
// only turns "start a sign-in" and "here is the callback" into a verified identity and tokens.
import { roles, type Role } from '@switchboard/shared/auth';
import * as client from 'openid-client';
import { z } from 'zod';
import { OidcError } from './oidc-error';
import { sanitizeReturnTo } from './return-to';
import { assertTransactionKey, openTransaction, sealTransaction } from './transaction';

export interface OidcRoleMapping {
  admin?: string[];
  operator?: string[];
  viewer?: string[];
}

export interface OidcClientOptions {
  /** The issuer URL; its `/.well-known/openid-configuration` is read once, at creation. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Absolute callback URL registered at the provider, without query or fragment. */
  redirectUri: string;
  /** Where the provider returns the browser after RP-initiated logout (registered there); default none. */
  postLogoutRedirectUri?: string;
  /** 32 random bytes sealing the sign-in transaction (JWE `dir` + `A256GCM`). */
  transactionKey: Uint8Array;
  /** Default `['openid', 'profile', 'email']`; add `offline_access` if the provider needs it for refresh tokens. */
  scopes?: string[];
  /** Claim holding group or role values; a dotted path (`realm_access.roles`) reaches nested claims. Default `groups`. */
  roleClaim?: string;
  /** Claim values granting each role; the highest matching role wins. */
  roleMapping: OidcRoleMapping;
  /** Role for a user no mapping matches; `null` (the default) refuses the sign-in. */
  defaultRole?: 'viewer' | null;
  /** Label for the sign-in button; default the issuer's host. */
  displayName?: string;
  /** Default `client_secret_basic`. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Merge the userinfo endpoint's claims into the ID token's (default true): many providers put profile and group claims only there. */
  fetchUserInfo?: boolean;
  /** Bound on each request to the provider. Default 10 s. */
  timeoutMs?: number;
  /** Allows a plain-http issuer; refused unless the issuer is on loopback (tests only). */
  allowInsecureRequests?: boolean;
  fetch?: typeof globalThis.fetch;
  /** Epoch milliseconds; injected so tests control transaction expiry and token lifetimes. */
  now?: () => number;
}

export interface OidcTokens {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  /** When the access token ends, epoch ms. */
  expiresAt: number;
}

export interface OidcRefreshed {
  tokens: OidcTokens;
  /**
   * The role the provider's claims grant now, mapped as at sign-in: null when they grant none any
   * more, undefined when the refresh told nothing (no new ID token and no readable userinfo).
   */
  role: Role | null | undefined;
}

export interface OidcLogin {
  /** The provider's stable id for the user; unique together with `issuer`. */
  subject: string;
  issuer: string;
  username: string;
  displayName: string;
  role: Role;
  /** ID token claims merged with userinfo claims. */
  claims: Record<string, unknown>;
  tokens: OidcTokens;
  /** A same-site path, checked again on the way out. */
  returnTo: string;
}

export interface OidcClient {
  /** For the sign-in button. */
  readonly name: string;
  /**
   * Starts a sign-in. Redirect the browser to `redirectUrl`; keep `transaction` in a short-lived
   * (`transactionTtlMs`) HttpOnly, SameSite=Lax cookie and hand it back to `completeLogin`.
   * An unsafe `returnTo` (another origin, `//host`, backslashes) is replaced with `/`.
   */
  beginLogin(returnTo?: string): Promise<{ redirectUrl: string; transaction: string }>;
  /** Verifies the callback against the transaction, exchanges the code and maps the role. */
  completeLogin(callbackUrl: URL, transaction: string): Promise<OidcLogin>;
  /**
   * New tokens for a refresh token, and the role the provider grants now. `refreshToken` is the
   * rotated one, or the same one when the provider does not rotate; `idToken` is set only when the
   * provider sent a new one. `subject` (the `sub` signed in) lets userinfo be read when no new ID
   * token came, and a new ID token for anyone else is refused.
   * Throws `refresh_refused` when the session must end, `provider_unavailable` when it may retry.
   */
  refresh(refreshToken: string, subject?: string): Promise<OidcRefreshed>;
  /**
   * Revokes a refresh token at the provider (RFC 7009), when it offers a revocation endpoint.
   * Throws `provider_unavailable` when the provider could not be told.
   */
  revokeRefreshToken(refreshToken: string): Promise<void>;
  /**
   * RP-initiated logout URL, or undefined when the provider advertises no end_session_endpoint.
   * `postLogoutRedirectUri` defaults to the client's option.
   */
  logoutUrl(idToken?: string, postLogoutRedirectUri?: string): string | undefined;
}

const defaultScopes = ['openid', 'profile', 'email'];
const defaultTimeoutMs = 10_000;
// A token response without `expires_in` says nothing of the token's life; assume a short one so
// the caller refreshes early rather than using an expired token.
const fallbackAccessTtlMs = 5 * 60_000;
const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);
const rolesHighestFirst = [...roles].reverse();

const httpUrl = z.url({ protocol: /^https?$/ });
const OptionsSchema = z.object({
  issuer: httpUrl,
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  redirectUri: httpUrl.refine((u) => {
    const url = new URL(u);
    return url.search === '' && url.hash === '';
  }, 'redirectUri must have no query or fragment'),
  postLogoutRedirectUri: httpUrl.optional(),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/)).optional(),
  roleClaim: z.string().min(1).optional(),
  roleMapping: z.object({
    admin: z.array(z.string().min(1)).optional(),
    operator: z.array(z.string().min(1)).optional(),
    viewer: z.array(z.string().min(1)).optional(),
  }),
  defaultRole: z.literal('viewer').nullable().optional(),
  displayName: z.string().min(1).max(80).optional(),
  tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post']).optional(),
  fetchUserInfo: z.boolean().optional(),
  timeoutMs: z.number().int().positive().optional(),
  allowInsecureRequests: z.boolean().optional(),
});

/**
 * Reads the provider's discovery document and returns a client for one OIDC provider.
 * Throws a `TypeError` for bad options and `OidcError` `provider_unavailable` when discovery fails.
 * @example
 * const oidc = await createOidcClient({
 *   issuer: 'https://login.example.com', clientId: 'switchboard', clientSecret,
 *   redirectUri: 'https://switchboard.example.com/auth/oidc/callback', transactionKey,
 *   roleMapping: { admin: ['sb-admins'], operator: ['sb-operators'] },
 * });
 * const { redirectUrl, transaction } = await oidc.beginLogin('/views/orders');
 */
export async function createOidcClient(options: OidcClientOptions): Promise<OidcClient> {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new TypeError(`Invalid OIDC options: ${z.prettifyError(parsed.error)}`);
  }
  const o = parsed.data;
  const key = options.transactionKey;
  assertTransactionKey(key);
  const issuer = new URL(o.issuer);
  if (o.allowInsecureRequests && !loopbackHosts.has(issuer.hostname)) {
    throw new TypeError('allowInsecureRequests is only for a loopback issuer in tests');
  }
  if (issuer.protocol !== 'https:' && !o.allowInsecureRequests) {
    throw new TypeError('the OIDC issuer must be an https URL');
  }
  const now = options.now ?? Date.now;
  const scope = (o.scopes ?? defaultScopes).join(' ');
  const roleClaim = o.roleClaim ?? 'groups';
  const defaultRole = o.defaultRole ?? null;
  const useUserInfo = o.fetchUserInfo ?? true;
  const timeoutSeconds = (o.timeoutMs ?? defaultTimeoutMs) / 1000;
  const userFetch = options.fetch;
  const customFetch: client.CustomFetch | undefined = userFetch
    ? (url, init) => userFetch(url, init)
    : undefined;
  const clientAuth =
    o.tokenEndpointAuthMethod === 'client_secret_post'
      ? client.ClientSecretPost(o.clientSecret)
      : client.ClientSecretBasic(o.clientSecret);

  let config: client.Configuration;
  try {
    config = await client.discovery(issuer, o.clientId, undefined, clientAuth, {
      timeout: timeoutSeconds,
      execute: o.allowInsecureRequests ? [client.allowInsecureRequests] : [],
      ...(customFetch ? { [client.customFetch]: customFetch } : {}),
    });
  } catch (e) {
    throw new OidcError(
      'provider_unavailable',
      `Could not read the OpenID configuration of ${issuer.origin}: ${describe(e)}`,
      { cause: e },
    );
  }

  const toTokens = (
    response: client.TokenEndpointResponse,
    previousRefreshToken?: string,
  ): OidcTokens => {
    const refreshToken = response.refresh_token ?? previousRefreshToken;
    return {
      accessToken: response.access_token,
      ...(refreshToken !== undefined ? { refreshToken } : {}),
      ...(response.id_token !== undefined ? { idToken: response.id_token } : {}),
      expiresAt:
        now() +
        (typeof response.expires_in === 'number'
          ? response.expires_in * 1000
          : fallbackAccessTtlMs),
    };
  };

  return {
    name: o.displayName ?? issuer.host,

    async beginLogin(returnTo) {
      const codeVerifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: o.redirectUri,
        response_type: 'code',
        scope,
        state,
        nonce,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
      });
      const transaction = await sealTransaction(
        { state, nonce, codeVerifier, returnTo: sanitizeReturnTo(returnTo), createdAt: now() },
        key,
      );
      return { redirectUrl: url.href, transaction };
    },

    async completeLogin(callbackUrl, transaction) {
      const tx = await openTransaction(transaction, key, now());
      const params = callbackUrl.searchParams;
      const providerError = params.get('error');
      if (providerError !== null) {
        throw new OidcError(
          'provider_error',
          `The sign-in provider refused the sign-in (${printable(providerError)}).`,
        );
      }
      if (params.get('state') !== tx.state) {
        throw new OidcError(
          'invalid_state',
          'The sign-in could not be verified; please start again.',
        );
      }
      // openid-client sends the callback URL (minus its query) as redirect_uri; behind a proxy
      // the URL the BFF sees is not the registered one, so rebuild it from configuration.
      const currentUrl = new URL(o.redirectUri);
      currentUrl.search = callbackUrl.search;

      let response: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        response = await client.authorizationCodeGrant(config, currentUrl, {
          pkceCodeVerifier: tx.codeVerifier,
          expectedState: tx.state,
          expectedNonce: tx.nonce,
          idTokenExpected: true,
        });
      } catch (e) {
        throw new OidcError(
          'exchange_failed',
          `The sign-in could not be completed: ${describe(e)}`,
          { cause: e },
        );
      }
      const idClaims = response.claims();
      if (!idClaims) {
        throw new OidcError('exchange_failed', 'The provider returned no ID token.');
      }
      let claims: Record<string, unknown> = { ...idClaims };
      if (useUserInfo && config.serverMetadata().userinfo_endpoint) {
        try {
          const info = await client.fetchUserInfo(config, response.access_token, idClaims.sub);
          // Userinfo holds the fresher profile; `sub` is checked equal by fetchUserInfo.
          claims = { ...claims, ...info };
        } catch (e) {
          throw new OidcError(
            'exchange_failed',
            `The user's profile could not be read: ${describe(e)}`,
            { cause: e },
          );
        }
      }
      const role = mapRole(claims, roleClaim, o.roleMapping) ?? defaultRole;
      const username = firstString(claims, ['preferred_username', 'email']) ?? idClaims.sub;
      if (role === null) {
        throw new OidcError(
          'no_role',
          `${username} signed in, but is in no group that grants access to Switchboard.`,
        );
      }
      return {
        subject: idClaims.sub,
        issuer: idClaims.iss,
        username,
        displayName: firstString(claims, ['name']) ?? username,
        role,
        claims,
        tokens: toTokens(response),
        returnTo: sanitizeReturnTo(tx.returnTo),
      };
    },

    async refresh(refreshToken, subject) {
      let response: Awaited<ReturnType<typeof client.refreshTokenGrant>>;
      try {
        response = await client.refreshTokenGrant(config, refreshToken);
      } catch (e) {
        if (isTransient(e)) {
          throw new OidcError(
            'provider_unavailable',
            `The sign-in provider could not be reached: ${describe(e)}`,
            { cause: e },
          );
        }
        throw new OidcError(
          'refresh_refused',
          `The sign-in provider refused to renew the session: ${describe(e)}`,
          { cause: e },
        );
      }
      const tokens = toTokens(response, refreshToken);
      const idClaims = response.claims();
      if (idClaims && subject !== undefined && idClaims.sub !== subject) {
        throw new OidcError(
          'refresh_refused',
          'The provider renewed the session for another user.',
        );
      }
      // The role is read from the same claims as at sign-in (ID token, then userinfo), so a group
      // removed at the provider is noticed at the next renewal rather than at the next sign-in.
      let claims: Record<string, unknown> | undefined = idClaims && { ...idClaims };
      const sub = idClaims?.sub ?? subject;
      if (useUserInfo && config.serverMetadata().userinfo_endpoint && sub !== undefined) {
        try {
          claims = { ...claims, ...(await client.fetchUserInfo(config, tokens.accessToken, sub)) };
        } catch {
          // Unreadable now is not "no role": keep the session's role until a renewal can tell.
          return { tokens, role: undefined };
        }
      }
      return {
        tokens,
        role: claims && (mapRole(claims, roleClaim, o.roleMapping) ?? defaultRole),
      };
    },

    async revokeRefreshToken(refreshToken) {
      if (!config.serverMetadata().revocation_endpoint) return;
      try {
        await client.tokenRevocation(config, refreshToken, { token_type_hint: 'refresh_token' });
      } catch (e) {
        throw new OidcError(
          'provider_unavailable',
          `The sign-in provider could not revoke the session's token: ${describe(e)}`,
          { cause: e },
        );
      }
    },

    logoutUrl(idToken, postLogoutRedirectUri = o.postLogoutRedirectUri) {
      if (!config.serverMetadata().end_session_endpoint) return undefined;
      const params: Record<string, string> = { client_id: o.clientId };
      if (idToken !== undefined) params.id_token_hint = idToken;
      if (postLogoutRedirectUri !== undefined) {
        params.post_logout_redirect_uri = postLogoutRedirectUri;
      }
      return client.buildEndSessionUrl(config, params).href;
    },
  };
}

/**
 * The highest role whose mapped values appear in the role claim, or null when none does.
 * The claim may be one string or an array of strings; a name that is not a claim itself is read
 * as a dotted path (Keycloak's `realm_access.roles`).
 * @example mapRole({ groups: ['sb-operators'] }, 'groups', { operator: ['sb-operators'] }) // 'operator'
 */
export function mapRole(
  claims: Record<string, unknown>,
  roleClaim: string,
  mapping: OidcRoleMapping,
): Role | null {
  const raw = roleClaim in claims ? claims[roleClaim] : readPath(claims, roleClaim.split('.'));
  const values = new Set(
    typeof raw === 'string'
      ? [raw]
      : Array.isArray(raw)
        ? raw.filter((v): v is string => typeof v === 'string')
        : [],
  );
  return rolesHighestFirst.find((role) => mapping[role]?.some((v) => values.has(v))) ?? null;
}

function readPath(value: unknown, path: string[]): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function firstString(claims: Record<string, unknown>, names: string[]): string | undefined {
  for (const name of names) {
    const value = claims[name];
    if (typeof value === 'string' && value.length > 0) return value;
  }
  return undefined;
}

/** A provider-chosen string fit for a message: short and printable. */
function printable(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}

/**
 * What went wrong, without secrets: the OAuth error code of a refusal, or openid-client's own
 * message (which names checks and endpoints, never token values).
 */
function describe(e: unknown): string {
  if (e instanceof client.ResponseBodyError) return `${printable(e.error)} (HTTP ${e.status})`;
  if (e instanceof Error) return printable(e.message);
  return 'unknown error';
}

/** Network failures, timeouts and 5xx: the provider may say yes later, so keep the session. */
function isTransient(e: unknown): boolean {
  if (e instanceof client.ResponseBodyError) return e.status >= 500;
  if (e instanceof client.ClientError) {
    if (e.code === 'OAUTH_TIMEOUT' || e.code === 'OAUTH_ABORT') return true;
    // A non-JSON or unexpected-status response: transient only when the status was 5xx.
    const cause: unknown = e.cause;
    return cause instanceof Response && cause.status >= 500;
  }
  // fetch() rejects with a plain TypeError when the connection fails; openid-client's own
  // argument errors are TypeErrors too, but carry a `code`.
  return e instanceof TypeError && !('code' in e);
}
