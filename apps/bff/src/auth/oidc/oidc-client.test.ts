// The OIDC client against a real oidc-provider on loopback: sign-in, refusals, refresh, logout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcClient, mapRole, type OidcClient, type OidcClientOptions } from './oidc-client';
import { isOidcError, type OidcErrorCode } from './oidc-error';
import { startTestProvider, testAccounts, type TestProvider } from './test-provider';
import { transactionTtlMs } from './transaction';

// Never fetched: the test stops at the redirect to it, as the browser would hand it to the BFF.
const redirectUri = 'http://127.0.0.1:9/auth/oidc/callback';
const roleMapping = { admin: ['sb-admins'], operator: ['sb-operators'] };

let op: TestProvider;
let clockMs = Date.now();
const transactionKey = crypto.getRandomValues(new Uint8Array(32));

beforeAll(async () => {
  op = await startTestProvider({
    redirectUri,
    postLogoutRedirectUri: 'http://127.0.0.1:9/signed-out',
  });
});
afterAll(async () => {
  await op.close();
});

function clientFor(overrides: Partial<OidcClientOptions> = {}): Promise<OidcClient> {
  return createOidcClient({
    issuer: op.issuer,
    clientId: op.clientId,
    clientSecret: op.clientSecret,
    redirectUri,
    transactionKey,
    roleMapping,
    allowInsecureRequests: true,
    now: () => clockMs,
    ...overrides,
  });
}

async function expectOidcError(promise: Promise<unknown>, code: OidcErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isOidcError(error) ? error.code : error).toBe(code);
}

describe('sign-in', () => {
  let oidc: OidcClient;
  beforeAll(async () => {
    oidc = await clientFor();
  });

  it('starts an authorization code flow with PKCE S256, state and nonce, sealing the secrets', async () => {
    const { redirectUrl, transaction } = await oidc.beginLogin('/views');
    const url = new URL(redirectUrl);
    expect(url.origin + url.pathname).toBe(`${op.issuer}/auth`);
    const params = Object.fromEntries(url.searchParams);
    expect(params).toMatchObject({
      client_id: op.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid profile email',
      code_challenge_method: 'S256',
    });
    expect(params.state).toBeTruthy();
    expect(params.nonce).toBeTruthy();
    expect(params.code_challenge).toMatch(/^[\w-]{43}$/);
    // A compact JWE: nothing readable in the cookie.
    expect(transaction.split('.')).toHaveLength(5);
    expect(transaction).not.toContain(params.state);
  });

  it('signs in an account in an admin group as admin (the highest matching role wins)', async () => {
    const { redirectUrl, transaction } = await oidc.beginLogin('/views/orders?tab=2');
    const callback = await op.signIn(redirectUrl, 'alice');
    const login = await oidc.completeLogin(callback, transaction);
    expect(login).toMatchObject({
      subject: 'alice',
      issuer: op.issuer,
      username: 'alice',
      displayName: 'Alice Admin',
      role: 'admin',
      returnTo: '/views/orders?tab=2',
    });
    expect(login.claims.groups).toEqual(['sb-operators', 'sb-admins']);
    expect(login.claims.email).toBe('alice@example.test');
    expect(login.tokens.accessToken).toBeTruthy();
    expect(login.tokens.refreshToken).toBeTruthy();
    expect(login.tokens.idToken?.split('.')).toHaveLength(3);
    expect(login.tokens.expiresAt).toBeGreaterThan(clockMs);
  });

  it('signs in an account in an operator group as operator', async () => {
    const { redirectUrl, transaction } = await oidc.beginLogin();
    const login = await oidc.completeLogin(await op.signIn(redirectUrl, 'oscar'), transaction);
    expect(login.subject).toBe('oscar');
    expect(login.role).toBe('operator');
    expect(login.returnTo).toBe('/');
  });

  it('refuses an account no mapping matches when there is no default role', async () => {
    const { redirectUrl, transaction } = await oidc.beginLogin();
    const callback = await op.signIn(redirectUrl, 'nora');
    await expectOidcError(oidc.completeLogin(callback, transaction), 'no_role');
  });

  it('gives an unmapped account the viewer role when that is the default', async () => {
    const lenient = await clientFor({ defaultRole: 'viewer' });
    const { redirectUrl, transaction } = await lenient.beginLogin();
    const login = await lenient.completeLogin(await op.signIn(redirectUrl, 'nora'), transaction);
    expect(login.role).toBe('viewer');
    expect(login.subject).toBe('nora');
  });

  it('replaces an open-redirect returnTo with /', async () => {
    const { redirectUrl, transaction } = await oidc.beginLogin('//evil.example/phish');
    const login = await oidc.completeLogin(await op.signIn(redirectUrl, 'oscar'), transaction);
    expect(login.returnTo).toBe('/');
  });

  it('refuses a callback whose state was tampered with', async () => {
    const { redirectUrl, transaction } = await oidc.beginLogin();
    const callback = await op.signIn(redirectUrl, 'alice');
    callback.searchParams.set('state', 'forged');
    await expectOidcError(oidc.completeLogin(callback, transaction), 'invalid_state');
  });

  it('refuses a callback paired with another sign-in transaction (login CSRF)', async () => {
    const mine = await oidc.beginLogin();
    const theirs = await oidc.beginLogin();
    const callback = await op.signIn(theirs.redirectUrl, 'alice');
    await expectOidcError(oidc.completeLogin(callback, mine.transaction), 'invalid_state');
  });

  it('refuses a transaction that is not sealed with our key', async () => {
    const { redirectUrl } = await oidc.beginLogin();
    const callback = await op.signIn(redirectUrl, 'alice');
    const other = await clientFor({ transactionKey: new Uint8Array(32).fill(7) });
    const foreign = await other.beginLogin();
    await expectOidcError(oidc.completeLogin(callback, foreign.transaction), 'invalid_state');
    await expectOidcError(oidc.completeLogin(callback, 'not-a-transaction'), 'invalid_state');
  });

  it('refuses a transaction older than ten minutes', async () => {
    const { redirectUrl, transaction } = await oidc.beginLogin();
    const callback = await op.signIn(redirectUrl, 'alice');
    const started = clockMs;
    clockMs = started + transactionTtlMs;
    try {
      await expectOidcError(oidc.completeLogin(callback, transaction), 'expired');
    } finally {
      clockMs = started;
    }
  });

  it('reports the provider refusing the sign-in', async () => {
    const { redirectUrl, transaction } = await oidc.beginLogin();
    const callback = await op.deny(redirectUrl);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    await expectOidcError(oidc.completeLogin(callback, transaction), 'provider_error');
  });

  it('refuses to redeem the same code twice', async () => {
    const { redirectUrl, transaction } = await oidc.beginLogin();
    const callback = await op.signIn(redirectUrl, 'oscar');
    await oidc.completeLogin(callback, transaction);
    await expectOidcError(oidc.completeLogin(callback, transaction), 'exchange_failed');
  });
});

describe('refresh and logout', () => {
  let oidc: OidcClient;
  beforeAll(async () => {
    oidc = await clientFor();
  });

  async function signedIn() {
    const { redirectUrl, transaction } = await oidc.beginLogin();
    return oidc.completeLogin(await op.signIn(redirectUrl, 'oscar'), transaction);
  }

  it('refreshes tokens', async () => {
    const { tokens } = await signedIn();
    if (tokens.refreshToken === undefined) throw new Error('expected a refresh token');
    const renewed = await oidc.refresh(tokens.refreshToken);
    expect(renewed.tokens.accessToken).toBeTruthy();
    expect(renewed.tokens.accessToken).not.toBe(tokens.accessToken);
    expect(renewed.tokens.refreshToken).toBeTruthy();
    expect(renewed.tokens.expiresAt).toBeGreaterThan(clockMs);
    expect(renewed.role).toBe('operator');
  });

  it("reads the role again at each renewal, from the provider's current groups", async () => {
    const login = await signedIn();
    let refreshToken = login.tokens.refreshToken;
    const renew = async () => {
      if (refreshToken === undefined) throw new Error('expected a refresh token');
      const renewed = await oidc.refresh(refreshToken, login.subject);
      refreshToken = renewed.tokens.refreshToken;
      return renewed.role;
    };
    try {
      op.setGroups('oscar', ['sb-admins']);
      expect(await renew()).toBe('admin');
      op.setGroups('oscar', ['staff']);
      expect(await renew()).toBeNull();
    } finally {
      op.setGroups('oscar', testAccounts.oscar.groups);
    }
  });

  it('revokes a refresh token at the provider, which then refuses it', async () => {
    const { tokens } = await signedIn();
    if (tokens.refreshToken === undefined) throw new Error('expected a refresh token');
    await oidc.revokeRefreshToken(tokens.refreshToken);
    await expectOidcError(oidc.refresh(tokens.refreshToken), 'refresh_refused');
  });

  it('refuses a renewal whose ID token names another user', async () => {
    const { tokens } = await signedIn();
    if (tokens.refreshToken === undefined) throw new Error('expected a refresh token');
    await expectOidcError(oidc.refresh(tokens.refreshToken, 'alice'), 'refresh_refused');
  });

  it('reports a garbage refresh token as refused', async () => {
    await expectOidcError(oidc.refresh('not-a-refresh-token'), 'refresh_refused');
  });

  it('reports a revoked refresh token as refused', async () => {
    const { tokens } = await signedIn();
    if (tokens.refreshToken === undefined) throw new Error('expected a refresh token');
    await op.revokeRefreshToken(tokens.refreshToken);
    await expectOidcError(oidc.refresh(tokens.refreshToken), 'refresh_refused');
  });

  it('keeps the session when the provider cannot be reached, through the injected fetch', async () => {
    let down = false;
    const seen: string[] = [];
    const flaky = await clientFor({
      fetch: (input, init) => {
        seen.push(new URL(input instanceof Request ? input.url : input).pathname);
        return down ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init);
      },
    });
    const { redirectUrl, transaction } = await flaky.beginLogin();
    const { tokens } = await flaky.completeLogin(
      await op.signIn(redirectUrl, 'oscar'),
      transaction,
    );
    expect(seen).toEqual(['/.well-known/openid-configuration', '/token', '/me']);
    if (tokens.refreshToken === undefined) throw new Error('expected a refresh token');
    down = true;
    await expectOidcError(flaky.refresh(tokens.refreshToken), 'provider_unavailable');
    down = false;
    expect((await flaky.refresh(tokens.refreshToken)).tokens.accessToken).toBeTruthy();
  });

  it("builds an RP-initiated logout URL on the provider's end_session_endpoint", async () => {
    const { tokens } = await signedIn();
    const logout = oidc.logoutUrl(tokens.idToken, op.postLogoutRedirectUri);
    if (logout === undefined) throw new Error('expected a logout URL');
    const url = new URL(logout);
    expect(url.origin + url.pathname).toBe(`${op.issuer}/session/end`);
    expect(url.searchParams.get('id_token_hint')).toBe(tokens.idToken);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(op.postLogoutRedirectUri);
    expect(url.searchParams.get('client_id')).toBe(op.clientId);
    // The provider accepts it and asks the user to confirm signing out.
    const page = await fetch(url, { redirect: 'manual' });
    expect(page.status).toBe(200);
    await page.body?.cancel();
  });
});

describe('creation', () => {
  it('names the provider by its host unless given a display name', async () => {
    expect((await clientFor()).name).toBe(new URL(op.issuer).host);
    expect((await clientFor({ displayName: 'Acme SSO' })).name).toBe('Acme SSO');
  });

  it('refuses insecure requests to a non-loopback issuer', async () => {
    await expect(clientFor({ issuer: 'http://login.example.com' })).rejects.toThrow(
      /only for a loopback issuer/,
    );
  });

  it('refuses a plain-http issuer unless insecure requests are allowed', async () => {
    await expect(clientFor({ allowInsecureRequests: false })).rejects.toThrow(/https/);
  });

  it('refuses a transaction key that is not 32 bytes', async () => {
    await expect(clientFor({ transactionKey: new Uint8Array(16) })).rejects.toThrow(/32/);
  });

  it('refuses a redirect URI with a query', async () => {
    await expect(clientFor({ redirectUri: `${redirectUri}?x=1` })).rejects.toThrow(TypeError);
  });

  it('reports an unreachable provider', async () => {
    await expectOidcError(clientFor({ issuer: 'http://127.0.0.1:9' }), 'provider_unavailable');
  });
});

describe('mapRole', () => {
  const mapping = { admin: ['admins'], operator: ['ops'], viewer: ['readers'] };

  it('picks the highest role any claim value grants', () => {
    expect(mapRole({ groups: ['readers', 'admins', 'ops'] }, 'groups', mapping)).toBe('admin');
    expect(mapRole({ groups: ['readers'] }, 'groups', mapping)).toBe('viewer');
    expect(mapRole({ groups: 'ops' }, 'groups', mapping)).toBe('operator');
  });

  it('returns null when nothing matches or the claim is missing or malformed', () => {
    expect(mapRole({ groups: ['staff'] }, 'groups', mapping)).toBeNull();
    expect(mapRole({}, 'groups', mapping)).toBeNull();
    expect(mapRole({ groups: { admins: true } }, 'groups', mapping)).toBeNull();
    expect(mapRole({ groups: [1, null] }, 'groups', mapping)).toBeNull();
  });

  it('reads namespaced claim names as they are and dotted paths into nested claims', () => {
    expect(
      mapRole({ 'https://sb.example/roles': ['ops'] }, 'https://sb.example/roles', mapping),
    ).toBe('operator');
    expect(mapRole({ realm_access: { roles: ['admins'] } }, 'realm_access.roles', mapping)).toBe(
      'admin',
    );
  });
});
