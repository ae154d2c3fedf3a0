import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthSchema, type AuthConfig } from '@switchboard/shared/catalog';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSecretStore } from '../config/secrets';
import { createManualClock, systemClock } from '../resilience/clock';
import {
  buildHmacSigningString,
  computeHmacSignature,
  createAuthenticator,
  type AuthRequest,
} from './auth';
import { createFetchTransport } from './http-transport';
import { catchUpstreamError } from '../resilience/catch-upstream-error';

const CLIENT_SECRET = 'cl!ent secret+/=';
const secrets = createSecretStore(
  {
    API_KEY: 'api-key-value',
    TOKEN: 'bearer-token-value',
    CLIENT_SECRET,
    HMAC_SECRET: 'hmac-secret-value',
  },
  ['API_KEY', 'TOKEN', 'CLIENT_SECRET', 'HMAC_SECRET'].map((env) => ({
    integration: 'test',
    field: 'auth',
    env,
  })),
);
const transport = createFetchTransport();
const never = new AbortController().signal;
const auth = (config: unknown): AuthConfig => AuthSchema.parse(config);
const request = (): AuthRequest => ({
  method: 'GET',
  url: new URL('https://api.example/v1/x'),
  headers: { accept: 'application/json' },
});

/** A real OAuth token endpoint on loopback whose answers each test scripts. */
interface TokenCall {
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}
const calls: TokenCall[] = [];
let answer: (call: TokenCall, res: ServerResponse) => void;
let tokenUrl: string;
const server = createServer((req: IncomingMessage, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    const call = {
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      body,
    };
    calls.push(call);
    answer(call, res);
  });
});
const json = (res: ServerResponse, status: number, value: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  calls.length = 0;
  answer = (_call, res) =>
    json(res, 200, { access_token: `tok-${calls.length}`, token_type: 'Bearer', expires_in: 60 });
});

const oauthConfig = () =>
  auth({
    type: 'oauth2-client-credentials',
    tokenUrl,
    clientId: 'switch board',
    clientSecretEnv: 'CLIENT_SECRET',
    scope: 'read write',
  });

describe('createAuthenticator', () => {
  it('none leaves the headers alone', async () => {
    const r = request();
    await createAuthenticator('test', auth({ type: 'none' }), {
      secrets,
      clock: systemClock,
      transport,
    }).apply(r, never);
    expect(r.headers).toEqual({ accept: 'application/json' });
  });

  it('api-key sets the configured header from the secret, replacing any other spelling', async () => {
    const r = request();
    r.headers['x-api-KEY'] = 'stale';
    await createAuthenticator('test', auth({ type: 'api-key', secretEnv: 'API_KEY' }), {
      secrets,
      clock: systemClock,
      transport,
    }).apply(r, never);
    expect(r.headers).toEqual({ accept: 'application/json', 'x-api-key': 'api-key-value' });
  });

  it('bearer sets Authorization', async () => {
    const r = request();
    await createAuthenticator('test', auth({ type: 'bearer', tokenEnv: 'TOKEN' }), {
      secrets,
      clock: systemClock,
      transport,
    }).apply(r, never);
    expect(r.headers.authorization).toBe('Bearer bearer-token-value');
  });

  it('fails at creation when the secret was not loaded', () => {
    expect(() =>
      createAuthenticator('test', auth({ type: 'bearer', tokenEnv: 'NOT_LOADED' }), {
        secrets,
        clock: systemClock,
        transport,
      }),
    ).toThrow(/NOT_LOADED/);
  });
});

describe('OAuth 2 client credentials', () => {
  it('asks for a token with HTTP Basic client authentication (RFC 6749 §2.3.1) and uses it', async () => {
    const r = request();
    await createAuthenticator('crm', oauthConfig(), {
      secrets,
      clock: systemClock,
      transport,
    }).apply(r, never);
    expect(r.headers.authorization).toBe('Bearer tok-1');
    const [call] = calls;
    expect(call?.contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(call?.body))).toEqual({
      grant_type: 'client_credentials',
      scope: 'read write',
    });
    const basic = Buffer.from(call?.authorization?.replace(/^Basic /, '') ?? '', 'base64');
    // Both halves are form-urlencoded before joining, so a ':' or '+' in them stays unambiguous.
    expect(basic.toString()).toBe('switch+board:cl%21ent+secret%2B%2F%3D');
  });

  it('caches the token and refreshes it refreshBeforeMs before expiry', async () => {
    const clock = createManualClock();
    const authenticator = createAuthenticator('crm', oauthConfig(), {
      secrets,
      clock,
      transport,
    });
    const tokenNow = async () => {
      const r = request();
      await authenticator.apply(r, never);
      return r.headers.authorization;
    };
    expect(await tokenNow()).toBe('Bearer tok-1');
    await clock.advance(29_000);
    expect(await tokenNow()).toBe('Bearer tok-1');
    expect(calls).toHaveLength(1);
    // expires_in 60 s, refreshBeforeMs 30 s: from 30 s on, a new token is fetched.
    await clock.advance(1_000);
    expect(await tokenNow()).toBe('Bearer tok-2');
    expect(calls).toHaveLength(2);
  });

  it('makes one token request for 20 concurrent callers', async () => {
    const authenticator = createAuthenticator('crm', oauthConfig(), {
      secrets,
      clock: systemClock,
      transport,
    });
    const requests = Array.from({ length: 20 }, request);
    await Promise.all(requests.map((r) => Promise.resolve(authenticator.apply(r, never))));
    expect(calls).toHaveLength(1);
    expect(new Set(requests.map((r) => r.headers.authorization))).toEqual(
      new Set(['Bearer tok-1']),
    );
  });

  it('fetches a new token after invalidate()', async () => {
    const authenticator = createAuthenticator('crm', oauthConfig(), {
      secrets,
      clock: systemClock,
      transport,
    });
    await authenticator.apply(request(), never);
    authenticator.invalidate();
    const r = request();
    await authenticator.apply(r, never);
    expect(r.headers.authorization).toBe('Bearer tok-2');
  });

  it('keeps a fresh token when a late 401 names the old one', async () => {
    const authenticator = createAuthenticator('crm', oauthConfig(), {
      secrets,
      clock: systemClock,
      transport,
    });
    await authenticator.apply(request(), never);
    authenticator.invalidate('Bearer tok-1');
    await authenticator.apply(request(), never);
    // A second call that was refused with tok-1 reports in after tok-2 arrived.
    authenticator.invalidate('Bearer tok-1');
    const r = request();
    await authenticator.apply(r, never);
    expect(r.headers.authorization).toBe('Bearer tok-2');
    expect(calls).toHaveLength(2);
  });

  it('classifies a refused token request without leaking the secret', async () => {
    // A hostile server echoing the credentials back must not get them into our error message.
    answer = (call, res) =>
      json(res, 401, { error: 'invalid_client', error_description: call.authorization });
    const error = await catchUpstreamError(() =>
      createAuthenticator('crm', oauthConfig(), { secrets, clock: systemClock, transport }).apply(
        request(),
        never,
      ),
    );
    expect(error.kind).toBe('http_4xx');
    expect(error.details.httpStatus).toBe(401);
    expect(error.message).toBe('the token endpoint of crm answered HTTP 401 (invalid_client)');
    const basic = calls[0]?.authorization?.replace(/^Basic /, '') ?? 'unset';
    for (const leak of [CLIENT_SECRET, 'cl%21ent', basic]) {
      expect(error.message).not.toContain(leak);
      expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(leak);
    }
  });

  it('classifies 5xx, 429 and bodies that are not tokens', async () => {
    const fresh = () =>
      createAuthenticator('crm', oauthConfig(), { secrets, clock: systemClock, transport });
    answer = (_call, res) => json(res, 503, {});
    expect((await catchUpstreamError(() => fresh().apply(request(), never))).kind).toBe('http_5xx');
    answer = (_call, res) => {
      res.writeHead(429, { 'retry-after': '2' });
      res.end();
    };
    const limited = await catchUpstreamError(() => fresh().apply(request(), never));
    expect([limited.kind, limited.details.retryAfterMs]).toEqual(['rate_limited', 2_000]);
    answer = (_call, res) => json(res, 200, { access_token: 'x', token_type: 'mac' });
    expect((await catchUpstreamError(() => fresh().apply(request(), never))).kind).toBe('parse');
  });

  it('classifies an unreachable token endpoint as network and a silent one as timeout', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = await catchUpstreamError(() =>
      createAuthenticator(
        'crm',
        auth({ ...oauthConfig(), tokenUrl: `http://127.0.0.1:${port}/token` }),
        { secrets, clock: systemClock, transport },
      ).apply(request(), never),
    );
    expect(unreachable.kind).toBe('network');
    expect(unreachable.message).not.toContain(CLIENT_SECRET);

    const clock = createManualClock();
    let release = () => {};
    answer = (_call, res) => {
      release = () => json(res, 200, {});
    };
    const pending = catchUpstreamError(() =>
      createAuthenticator('crm', oauthConfig(), {
        secrets,
        clock,
        transport,
        tokenTimeoutMs: 5_000,
      }).apply(request(), never),
    );
    await expect.poll(() => calls.length).toBe(1);
    await clock.advance(5_000);
    const timedOut = await pending;
    release();
    expect([timedOut.kind, timedOut.message]).toEqual([
      'timeout',
      'the token endpoint of crm did not answer within 5000 ms',
    ]);
  });

  it('lets one caller give up without cancelling the token request others wait for', async () => {
    let release = () => {};
    answer = (_call, res) => {
      release = () => json(res, 200, { access_token: 'late', token_type: 'bearer' });
    };
    const authenticator = createAuthenticator('crm', oauthConfig(), {
      secrets,
      clock: systemClock,
      transport,
    });
    const impatient = new AbortController();
    const patient = request();
    const first = authenticator.apply(request(), impatient.signal);
    const second = authenticator.apply(patient, never);
    await expect.poll(() => calls.length).toBe(1);
    impatient.abort(new Error('caller went away'));
    await expect(first).rejects.toThrow('caller went away');
    release();
    await second;
    expect(patient.headers.authorization).toBe('Bearer late');
  });
});

describe('HMAC request signing', () => {
  const nonceBytes = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
  const nonce = Buffer.from(nonceBytes).toString('hex');
  const deps = {
    secrets,
    clock: systemClock,
    transport,
    random: () => nonceBytes,
    wallNow: () => 1_700_000_000_999,
  };

  it('signs method, path with query, timestamp, nonce and body hash; verified independently', async () => {
    const body = '{"amount":100}';
    const r: AuthRequest = {
      method: 'post',
      url: new URL('https://api.example/v1/charges?dry=1&b=%20'),
      headers: {},
      body,
    };
    await createAuthenticator(
      'pay',
      auth({ type: 'hmac', secretEnv: 'HMAC_SECRET', keyId: 'k1' }),
      deps,
    ).apply(r, never);
    const bodyHash = createHash('sha256').update(body).digest('hex');
    const canonical = `POST\n/v1/charges?dry=1&b=%20\n1700000000\n${nonce}\n${bodyHash}`;
    const expected = createHmac('sha256', 'hmac-secret-value').update(canonical).digest('hex');
    expect(r.headers).toEqual({
      'x-timestamp': '1700000000',
      'x-nonce': nonce,
      'x-signature': expected,
      'x-key-id': 'k1',
    });
    expect(
      buildHmacSigningString({
        method: 'POST',
        pathWithQuery: '/v1/charges?dry=1&b=%20',
        timestamp: '1700000000',
        nonce,
        bodySha256Hex: bodyHash,
      }),
    ).toBe(canonical);
    expect(
      await computeHmacSignature('hmac-secret-value', {
        method: 'POST',
        pathWithQuery: '/v1/charges?dry=1&b=%20',
        timestamp: '1700000000',
        nonce,
        body,
      }),
    ).toBe(expected);
  });

  it('hashes the empty string when there is no body, and honours custom header names', async () => {
    const r = request();
    await createAuthenticator(
      'pay',
      auth({
        type: 'hmac',
        secretEnv: 'HMAC_SECRET',
        signatureHeader: 'X-Sig',
        timestampHeader: 'X-Ts',
        nonceHeader: 'X-N',
      }),
      deps,
    ).apply(r, never);
    const emptyHash = createHash('sha256').update('').digest('hex');
    const canonical = `GET\n/v1/x\n1700000000\n${nonce}\n${emptyHash}`;
    expect(r.headers['x-sig']).toBe(
      createHmac('sha256', 'hmac-secret-value').update(canonical).digest('hex'),
    );
    expect([r.headers['x-ts'], r.headers['x-n'], r.headers['x-key-id']]).toEqual([
      '1700000000',
      nonce,
      undefined,
    ]);
  });
});
