// Single sign-on through the BFF against a real oidc-provider: login, claims to roles, logout, refresh refused.
import { LogoutResultSchema, MeSchema } from '@switchboard/shared/auth';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config';
import { silentLogger } from '../http/logger';
import { startServer, type RunningServer } from '../runtime/node/server';
import { createProviderTokenRefresher, serializeProviderTokens } from './oidc.routes';
import { createOidcClient } from './oidc/oidc-client';
import { startTestProvider, type TestAccountId, type TestProvider } from './oidc/test-provider';
import { createTestClient, signIn, testEnv } from './test-session';

let op: TestProvider;
let server: RunningServer;
let base: string;

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });

beforeAll(async () => {
  // The provider must know the callback before the BFF listens, so the port is chosen first.
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // Access tokens of 30 s are always within the minute before expiry at which the BFF renews
  // them, so every session refresh here goes to the provider.
  op = await startTestProvider({
    redirectUri: `${base}/auth/oidc/callback`,
    accessTokenTtlSeconds: 30,
  });
  server = await startServer(
    loadConfig(
      testEnv({
        PORT: String(port),
        SWITCHBOARD_OIDC_ISSUER: op.issuer,
        SWITCHBOARD_OIDC_CLIENT_ID: op.clientId,
        SWITCHBOARD_OIDC_CLIENT_SECRET: op.clientSecret,
        SWITCHBOARD_OIDC_REDIRECT_URI: `${base}/auth/oidc/callback`,
        SWITCHBOARD_OIDC_POST_LOGOUT_REDIRECT_URI: op.postLogoutRedirectUri,
        SWITCHBOARD_OIDC_NAME: 'Test SSO',
        SWITCHBOARD_OIDC_ADMIN_GROUPS: 'sb-admins',
        SWITCHBOARD_OIDC_OPERATOR_GROUPS: 'sb-operators',
      }),
    ),
    silentLogger,
  );
});
afterAll(async () => {
  await server?.close();
  await op?.close();
});

/** The browser's part: start at the BFF, sign in at the provider, come back to the callback. */
async function ssoSignIn(account: TestAccountId, returnTo = '/admin/users') {
  const browser = createTestClient(base);
  const start = await browser.fetch(`/auth/oidc/login?returnTo=${encodeURIComponent(returnTo)}`, {
    redirect: 'manual',
  });
  expect(start.status).toBe(302);
  const authorization = start.headers.get('location') ?? '';
  expect(authorization.startsWith(op.issuer)).toBe(true);
  const callback = await op.signIn(authorization, account);
  const landed = await browser.fetch(callback.pathname + callback.search, { redirect: 'manual' });
  expect(landed.status).toBe(302);
  return { browser, location: landed.headers.get('location') ?? '' };
}

describe('single sign-on', () => {
  it('offers the provider on the sign-in page', async () => {
    const providers = await createTestClient(base).json('/auth/providers');
    expect(providers).toEqual({
      local: true,
      oidc: { name: 'Test SSO', loginUrl: '/auth/oidc/login' },
    });
  });

  it('signs in with the authorization code flow and maps groups to roles', async () => {
    const alice = await ssoSignIn('alice');
    expect(alice.location).toBe('/admin/users');
    expect(MeSchema.parse(await alice.browser.json('/auth/me')).user).toMatchObject({
      role: 'admin',
      provider: 'oidc',
      displayName: 'Alice Admin',
    });
    const oscar = await ssoSignIn('oscar', '/');
    expect(MeSchema.parse(await oscar.browser.json('/auth/me')).user.role).toBe('operator');
    // The provider's tokens stay in the BFF: the browser holds only Switchboard's cookies.
    expect([...oscar.browser.cookies.keys()].sort()).toEqual([
      '__Host-sb_access',
      '__Secure-sb_refresh',
    ]);
  });

  it('refuses a user whose groups map to no role, and says why on the sign-in page', async () => {
    const nora = await ssoSignIn('nora');
    expect(nora.location).toMatch(/^\/sign-in\?error=.*no%20Switchboard%20role/);
    expect((await nora.browser.fetch('/auth/me')).status).toBe(401);
  });

  it('refuses a callback without the transaction cookie (a login started elsewhere)', async () => {
    const starter = createTestClient(base);
    const start = await starter.fetch('/auth/oidc/login', { redirect: 'manual' });
    const callback = await op.signIn(start.headers.get('location') ?? '', 'alice');
    const stranger = createTestClient(base);
    const landed = await stranger.fetch(callback.pathname + callback.search, {
      redirect: 'manual',
    });
    expect(landed.headers.get('location')).toMatch(/^\/sign-in\?error=/);
    expect(stranger.cookies.size).toBe(0);
  });

  it("ends a single sign-on session at logout, and sends the browser on to the provider's logout", async () => {
    const { browser } = await ssoSignIn('oscar', '/');
    const granted = op.liveRefreshTokens('oscar');
    expect(granted).toBeGreaterThan(0);
    const out = await browser.fetch('/auth/logout', { method: 'POST' });
    expect(out.status).toBe(200);
    // The session's refresh token was revoked at the provider, not merely forgotten here.
    expect(op.liveRefreshTokens('oscar')).toBe(granted - 1);
    expect((await browser.fetch('/api/integrations')).status).toBe(401);
    const { providerLogoutUrl } = LogoutResultSchema.parse(await out.json());
    const url = new URL(providerLogoutUrl ?? '');
    expect(url.origin).toBe(op.issuer);
    expect(url.searchParams.get('client_id')).toBe(op.clientId);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(op.postLogoutRedirectUri);
    // The provider's tokens stay in the BFF: no ID token rides along as a hint.
    expect(url.searchParams.has('id_token_hint')).toBe(false);
    // The provider accepts the client and its registered return address: it asks to confirm.
    const confirm = await fetch(url, { redirect: 'manual' });
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toMatch(/<form/);
  });

  it('records SSO sign-ins in the audit log', async () => {
    await ssoSignIn('oscar', '/');
    const admin = await signIn(base);
    const audit = await admin.json<{ items: Array<{ details: Record<string, unknown> }> }>(
      '/api/admin/audit?action=auth.login',
    );
    expect(audit.items.some((e) => e.details.provider === 'oidc')).toBe(true);
  });
});

describe('provider token refresh', () => {
  it('renews tokens near expiry, and throws (ending the session) once the provider refuses', async () => {
    const oidc = await createOidcClient({
      issuer: op.issuer,
      clientId: op.clientId,
      clientSecret: op.clientSecret,
      redirectUri: `${base}/auth/oidc/callback`,
      transactionKey: crypto.getRandomValues(new Uint8Array(32)),
      roleMapping: { operator: ['sb-operators'] },
      allowInsecureRequests: true,
    });
    const begin = await oidc.beginLogin('/');
    const login = await oidc.completeLogin(
      await op.signIn(begin.redirectUrl, 'oscar'),
      begin.transaction,
    );
    const refresher = createProviderTokenRefresher(oidc, Date.now);
    // Far from expiry: nothing to do.
    expect(
      await refresher(
        serializeProviderTokens({ ...login.tokens, expiresAt: Date.now() + 600_000 }),
      ),
    ).toBeUndefined();
    const expiring = serializeProviderTokens({ ...login.tokens, expiresAt: Date.now() });
    const result = await refresher(expiring);
    expect(result?.role).toBe('operator');
    const renewed = JSON.parse(result?.tokens ?? '{}') as {
      accessToken?: string;
      refreshToken?: string;
      idToken?: string;
    };
    expect(renewed.accessToken).toBeTruthy();
    expect(renewed.idToken).toBeTruthy();
    await op.revokeRefreshToken(renewed.refreshToken ?? '');
    await expect(
      refresher(
        serializeProviderTokens({
          ...login.tokens,
          refreshToken: renewed.refreshToken,
          expiresAt: Date.now(),
        }),
      ),
    ).rejects.toMatchObject({ code: 'refresh_refused' });
  });
});

describe('roles kept in step with the provider', () => {
  const refresh = (browser: ReturnType<typeof createTestClient>) =>
    browser.fetch('/auth/refresh', { method: 'POST' });

  it('follows a group change at the next refresh, and ends the sessions when no role is left', async () => {
    try {
      const { browser } = await ssoSignIn('oscar', '/');
      const { browser: other } = await ssoSignIn('oscar', '/');
      op.setGroups('oscar', ['sb-admins']);
      expect((await refresh(browser)).status).toBe(200);
      expect(MeSchema.parse(await browser.json('/auth/me')).user.role).toBe('admin');
      expect((await browser.fetch('/api/admin/users')).status).toBe(200);

      op.setGroups('oscar', ['staff']);
      const ended = await refresh(browser);
      expect(ended.status).toBe(401);
      expect(await ended.text()).toMatch(/no longer grants this account a Switchboard role/);
      expect((await browser.fetch('/api/integrations')).status).toBe(401);
      // The other session did not wait for its own refresh.
      expect((await other.fetch('/api/integrations')).status).toBe(401);

      const admin = await signIn(base);
      const audit = await admin.json<{ items: Array<{ action: string; target: string | null }> }>(
        '/api/admin/audit?action=user.updated',
      );
      expect(audit.items.some((e) => e.target === 'user:oscar')).toBe(true);
    } finally {
      op.setGroups('oscar', ['sb-operators']);
    }
  });
});
