// Test support: a real oidc-provider on loopback with one confidential client and three accounts,
// plus a cookie-keeping "browser" that drives a sign-in over plain HTTP. Not used in production.
//
// How a sign-in is driven: the provider's dev interactions (HTML forms) are off. Its interaction
// URL is served here instead: `GET /interaction/:uid?account=<id>` logs that account in, and on the
// following consent prompt grants every scope and claim asked for; `?deny=1` answers
// access_denied. `signIn()` follows the redirects with `redirect: 'manual'`, keeps the provider's
// cookies itself, adds `?account=` when it reaches the interaction URL, and stops at the first
// redirect to the client's `redirectUri`, returning that callback URL without fetching it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Adapter, type AdapterPayload, type Interaction } from 'oidc-provider';

export interface TestAccount {
  name: string;
  email: string;
  groups: string[];
}

/** `alice` is in an admin and an operator group (the highest wins), `oscar` in an operator group, `nora` in none we map. */
export const testAccounts = {
  alice: {
    name: 'Alice Admin',
    email: 'alice@example.test',
    groups: ['sb-operators', 'sb-admins'],
  },
  oscar: { name: 'Oscar Operator', email: 'oscar@example.test', groups: ['sb-operators'] },
  nora: { name: 'Nora Nobody', email: 'nora@example.test', groups: ['staff'] },
} satisfies Record<string, TestAccount>;
export type TestAccountId = keyof typeof testAccounts;

export interface TestProvider {
  /** `http://127.0.0.1:<port>`; clients need `allowInsecureRequests`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
  /** Follows `authorizationUrl` as a browser would, signing in as `account`; returns the callback URL. */
  signIn(authorizationUrl: string, account: TestAccountId): Promise<URL>;
  /** Like `signIn`, but the user declines: the callback carries `error=access_denied`. */
  deny(authorizationUrl: string): Promise<URL>;
  /** Revokes a refresh token at the provider, as an administrator ending the user's access would. */
  revokeRefreshToken(token: string): Promise<void>;
  /** Refresh tokens the provider still honours for an account. */
  liveRefreshTokens(account: TestAccountId): number;
  /** Changes an account's groups at this provider, as an administrator would; tokens issued later carry them. */
  setGroups(account: TestAccountId, groups: string[]): void;
  close(): Promise<void>;
}

export interface TestProviderOptions {
  redirectUri: string;
  postLogoutRedirectUri?: string;
  /** Access token lifetime; under a minute makes every session refresh renew the provider's tokens. Default 600. */
  accessTokenTtlSeconds?: number;
}

/**
 * Starts the provider on 127.0.0.1 with an ephemeral port.
 * @example const op = await startTestProvider({ redirectUri: 'http://127.0.0.1:9/cb' }); await op.close();
 */
export async function startTestProvider(options: TestProviderOptions): Promise<TestProvider> {
  const clientId = 'switchboard-test';
  const clientSecret = 'test-secret-that-is-long-enough-for-hs256-0123456789';
  const postLogoutRedirectUri =
    options.postLogoutRedirectUri ?? new URL('/', options.redirectUri).href;
  // Each provider its own copy, so a test changing someone's groups changes no other provider.
  const accounts = new Map<string, TestAccount>(
    Object.entries(testAccounts).map(([id, a]) => [id, { ...a, groups: [...a.groups] }]),
  );
  const lookupAccount = (id: string) => accounts.get(id);

  // The handler is set once the provider exists: its issuer needs the port we only know after listen.
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = {
    ...(await exportJWK(privateKey)),
    kid: 'test-key',
    alg: 'RS256',
    use: 'sig',
  };

  const memory = createMemoryAdapterFactory();
  const provider = new Provider(issuer, {
    adapter: memory.factory,
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        post_logout_redirect_uris: [postLogoutRedirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: ['test-provider-cookie-key'] },
    // `groups` rides on `profile` so a client with the default scopes receives it (via userinfo).
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username', 'groups'],
      email: ['email', 'email_verified'],
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
      revocation: { enabled: true },
    },
    interactions: { url: (_ctx, interaction: Interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    // Explicit lifetimes (seconds) keep the provider from noticing, at every sign-in, that none were set.
    ttl: {
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      AccessToken: options.accessTokenTtlSeconds ?? 600,
      RefreshToken: 3600,
      IdToken: 600,
      AuthorizationCode: 60,
    },
    // By default oidc-provider issues refresh tokens only for `offline_access` asked with
    // `prompt=consent`; many enterprise providers issue them to any client allowed the grant.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    findAccount: (_ctx, id) => {
      const account = lookupAccount(id);
      if (!account) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          name: account.name,
          preferred_username: id,
          email: account.email,
          email_verified: true,
          groups: account.groups,
        }),
      };
    },
  });

  const serverErrors: unknown[] = [];
  provider.on('server_error', (_ctx, error) => serverErrors.push(error));

  const providerCallback = provider.callback();
  handle = (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (url.pathname.startsWith('/interaction/')) {
      interact(req, res, url).catch((error: unknown) => {
        serverErrors.push(error);
        res.statusCode = 500;
        res.end(error instanceof Error ? error.message : 'interaction failed');
      });
      return;
    }
    providerCallback(req, res);
  };

  async function interact(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (url.searchParams.get('deny') === '1') {
      await provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'The user declined.',
      });
      return;
    }
    if (details.prompt.name === 'login') {
      const account = url.searchParams.get('account') ?? '';
      if (!lookupAccount(account)) {
        res.statusCode = 400;
        res.end('add ?account=<id> to sign in');
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: account } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (details.prompt.name === 'consent' && details.session) {
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({
            accountId: details.session.accountId,
            clientId: details.params.client_id,
          });
      if (!grant) throw new Error('grant vanished during the interaction');
      const missing = details.prompt.details;
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(resource, scopes.join(' '));
      }
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } });
      return;
    }
    throw new Error(`unexpected prompt ${details.prompt.name}`);
  }

  async function follow(authorizationUrl: string, interactionParams: string): Promise<URL> {
    const cookies = new Map<string, string>();
    let url = new URL(authorizationUrl);
    for (let hop = 0; hop < 12; hop++) {
      if (url.href.startsWith(`${options.redirectUri}?`) || url.href === options.redirectUri) {
        return url;
      }
      if (url.origin === issuer && url.pathname.startsWith('/interaction/')) {
        url.search = interactionParams;
      }
      const response = await fetch(url, {
        redirect: 'manual',
        headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      keepCookies(cookies, response.headers.getSetCookie());
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || location === null) {
        const body = (await response.text()).slice(0, 300);
        throw new Error(
          `sign-in stopped at ${url.pathname} with HTTP ${response.status}: ${body}` +
            (serverErrors.length > 0
              ? ` (provider errors: ${serverErrors.map(String).join('; ')})`
              : ''),
        );
      }
      await response.body?.cancel();
      url = new URL(location, url);
    }
    throw new Error('sign-in did not reach the redirect URI within 12 redirects');
  }

  return {
    issuer,
    clientId,
    clientSecret,
    redirectUri: options.redirectUri,
    postLogoutRedirectUri,
    signIn: (authorizationUrl, account) =>
      follow(authorizationUrl, new URLSearchParams({ account }).toString()),
    deny: (authorizationUrl) => follow(authorizationUrl, 'deny=1'),
    async revokeRefreshToken(token) {
      const refreshToken = await provider.RefreshToken.find(token);
      if (!refreshToken) throw new Error('no such refresh token');
      await refreshToken.destroy();
    },
    liveRefreshTokens: (account) => memory.liveFor('RefreshToken', account),
    setGroups(account, groups) {
      const found = accounts.get(account);
      if (!found) throw new Error(`no test account ${account}`);
      found.groups = [...groups];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * Storage for this provider instance alone (the built-in memory adapter is one store per process,
 * and warns). oidc-provider calls the factory once per model name.
 */
function createMemoryAdapterFactory() {
  const stores = new Map<string, Map<string, { payload: AdapterPayload; expiresAt: number }>>();
  /** Unexpired, unconsumed entries of one model for one account (what a test can ask of the provider). */
  const liveFor = (model: string, accountId: string) =>
    [...(stores.get(model)?.values() ?? [])].filter(
      (e) => e.payload.accountId === accountId && !e.payload.consumed && e.expiresAt > Date.now(),
    ).length;
  const factory = (name: string): Adapter => {
    const store = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
    stores.set(name, store);
    const live = (id: string) => {
      const entry = store.get(id);
      if (entry && entry.expiresAt <= Date.now()) store.delete(id);
      return store.get(id)?.payload;
    };
    const findBy = (key: 'uid' | 'userCode', value: string) => {
      for (const [id, entry] of store) if (entry.payload[key] === value) return live(id);
      return undefined;
    };
    return {
      upsert: (id, payload, expiresIn) => {
        store.set(id, { payload, expiresAt: Date.now() + expiresIn * 1000 });
        return Promise.resolve();
      },
      find: (id) => Promise.resolve(live(id)),
      findByUid: (uid) => Promise.resolve(findBy('uid', uid)),
      findByUserCode: (userCode) => Promise.resolve(findBy('userCode', userCode)),
      consume: (id) => {
        const payload = live(id);
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
        return Promise.resolve();
      },
      destroy: (id) => {
        store.delete(id);
        return Promise.resolve();
      },
      // A revoked grant takes every token issued under it, in every model.
      revokeByGrantId: (grantId) => {
        for (const other of stores.values()) {
          for (const [id, entry] of other) if (entry.payload.grantId === grantId) other.delete(id);
        }
        return Promise.resolve();
      },
    };
  };
  return { factory, liveFor };
}

/** A cookie jar for one simulated browser: paths and expiry are ignored, deletions honoured. */
function keepCookies(jar: Map<string, string>, setCookies: string[]): void {
  for (const line of setCookies) {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attributes.some((a) => {
      const [key = '', date = ''] = a.trim().split('=');
      return key.toLowerCase() === 'expires' && Date.parse(date) <= Date.now();
    });
    if (value === '' || expired) jar.delete(name);
    else jar.set(name, value);
  }
}
