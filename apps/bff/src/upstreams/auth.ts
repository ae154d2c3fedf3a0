// Applies an integration's auth to outbound requests: API key, bearer, OAuth 2 client credentials, HMAC signing.
import type { AuthConfig } from '@switchboard/shared/catalog';
import type { SecretStore } from '../config/secrets';
import type { Clock } from '../resilience/clock';
import { UpstreamError, isUpstreamError } from '../resilience/upstream-error';
import type { HttpTransport, ResponseHeaders } from './http-transport';

/** The parts of an outbound request auth may read; `apply` adds to `headers` in place. */
export interface AuthRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

export interface Authenticator {
  /**
   * Adds credentials to `request.headers`; may fetch an OAuth token first (bounded by `signal`).
   * Types that need no wait return nothing, so the caller skips an await on every call.
   */
  apply: (request: AuthRequest, signal: AbortSignal) => Promise<void> | void;
  /**
   * Forgets a cached OAuth token after the upstream answered 401; a no-op for other types. Pass
   * the Authorization header that was refused: when many calls fail together, only the first
   * drops the token, and the fresh one fetched meanwhile survives the rest.
   */
  invalidate: (refusedAuthorization?: string) => void;
}

export interface AuthDeps {
  secrets: Pick<SecretStore, 'get'>;
  /** Monotonic time for token expiry, and the timer bounding a token request. */
  clock: Clock;
  /** Carries the OAuth token request (tagged with the integration, so egress rules apply). */
  transport: HttpTransport;
  /** Random bytes for HMAC nonces. */
  random?: (bytes: number) => Uint8Array;
  /** Wall-clock epoch milliseconds for HMAC timestamps (the Clock is monotonic, not wall time). */
  wallNow?: () => number;
  /** Upper bound on one token request. */
  tokenTimeoutMs?: number;
}

/** What an HMAC signature covers, as the upstream (or the sandbox) must rebuild it. */
export interface HmacSigningParts {
  method: string;
  /** `url.pathname + url.search`, exactly as sent. */
  pathWithQuery: string;
  /** Unix seconds, as sent in the timestamp header. */
  timestamp: string;
  /** As sent in the nonce header (32 hex characters). */
  nonce: string;
  /** Lower-case hex SHA-256 of the body (of the empty string when there is none). */
  bodySha256Hex: string;
}

/**
 * The canonical string an HMAC signature is computed over:
 * `METHOD\npathWithQuery\ntimestamp\nnonce\nsha256hex(body)`.
 * @example buildHmacSigningString({ method: 'POST', pathWithQuery: '/v1/x?a=1', timestamp: '1700000000', nonce: 'ab', bodySha256Hex: await sha256Hex('{}') })
 */
export function buildHmacSigningString(parts: HmacSigningParts): string {
  return [
    parts.method.toUpperCase(),
    parts.pathWithQuery,
    parts.timestamp,
    parts.nonce,
    parts.bodySha256Hex,
  ].join('\n');
}

/**
 * Computes the hex HMAC-SHA256 signature of a request, for signing here and verifying in the sandbox.
 * The key is the secret's UTF-8 bytes.
 * @example const expected = await computeHmacSignature(secret, { method, pathWithQuery, timestamp, nonce, body });
 */
export async function computeHmacSignature(
  secret: string,
  parts: Omit<HmacSigningParts, 'bodySha256Hex'> & { body?: string },
): Promise<string> {
  const key = await importHmacKey(secret);
  return signWith(key, { ...parts, bodySha256Hex: await sha256Hex(parts.body ?? '') });
}

/** Lower-case hex SHA-256 of a string's UTF-8 bytes. */
export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/**
 * Builds the authenticator for one integration. Secrets are looked up now, so a missing one fails
 * at start-up rather than on the first call.
 * @example
 * const auth = createAuthenticator('payments', integration.auth, { secrets, clock, transport });
 * await auth.apply({ method: 'GET', url, headers }, signal);
 */
export function createAuthenticator(
  integrationName: string,
  auth: AuthConfig,
  deps: AuthDeps,
): Authenticator {
  switch (auth.type) {
    case 'none':
      return { apply: () => {}, invalidate: () => {} };
    case 'api-key': {
      deps.secrets.get(auth.secretEnv);
      return {
        apply: function applyApiKey(request) {
          setHeader(request.headers, auth.header, deps.secrets.get(auth.secretEnv));
        },
        invalidate: () => {},
      };
    }
    case 'bearer': {
      deps.secrets.get(auth.tokenEnv);
      return {
        apply: function applyBearer(request) {
          setHeader(request.headers, 'authorization', `Bearer ${deps.secrets.get(auth.tokenEnv)}`);
        },
        invalidate: () => {},
      };
    }
    case 'oauth2-client-credentials':
      return createOAuthClientCredentials(integrationName, auth, deps);
    case 'hmac':
      return createHmacSigner(auth, deps);
  }
}

type OAuthConfig = Extract<AuthConfig, { type: 'oauth2-client-credentials' }>;

function createOAuthClientCredentials(
  integration: string,
  auth: OAuthConfig,
  deps: AuthDeps,
): Authenticator {
  deps.secrets.get(auth.clientSecretEnv);
  const timeoutMs = deps.tokenTimeoutMs ?? 10_000;
  let cached: { value: string; refreshAt: number } | undefined;
  // One token request at a time: concurrent callers share it instead of stampeding the server.
  let inflight: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    const started = deps.clock.now();
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scope !== undefined) form.set('scope', auth.scope);
    // RFC 6749 §2.3.1: id and secret are form-urlencoded, then joined and base64'd for Basic.
    const basic = base64(
      `${formEncode(auth.clientId)}:${formEncode(deps.secrets.get(auth.clientSecretEnv))}`,
    );

    // Bounded by the injected clock (not AbortSignal.timeout) so tests drive it by hand; the
    // request is deliberately not tied to any one caller's signal, since others may be waiting on it.
    const timeout = new AbortController();
    const timerDone = new AbortController();
    deps.clock.sleep(timeoutMs, timerDone.signal).then(
      () => timeout.abort(new DOMException('token request timed out', 'TimeoutError')),
      () => {},
    );
    const what = `the token endpoint of ${integration}`;
    let response;
    try {
      response = await deps.transport({
        url: new URL(auth.tokenUrl),
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
        signal: timeout.signal,
        integration,
      });
    } catch (err) {
      if (timeout.signal.aborted) {
        throw new UpstreamError('timeout', `${what} did not answer within ${timeoutMs} ms`);
      }
      if (isUpstreamError(err)) {
        throw new UpstreamError(err.kind, `${what}: ${err.message}`, { cause: err.cause });
      }
      // Only the error code travels: transport errors are not ours to vouch for as secret-free.
      const code = (err as { code?: unknown } | null)?.code;
      throw new UpstreamError(
        'network',
        `could not reach ${what}${typeof code === 'string' ? ` (${code})` : ''}`,
      );
    } finally {
      timerDone.abort();
    }

    if (response.status < 200 || response.status > 299) {
      throw tokenHttpError(what, response.status, response.body, response.headers);
    }
    const token = parseTokenResponse(response.body);
    if (typeof token === 'string') throw new UpstreamError('parse', `${what} ${token}`, {});
    const lifetimeMs = token.expiresInS * 1000;
    // Refresh `refreshBeforeMs` early, but never later than halfway, so a short-lived token with a
    // large margin is still reused rather than fetched for every call.
    const usableMs = Math.max(lifetimeMs - auth.refreshBeforeMs, lifetimeMs / 2);
    cached = { value: token.accessToken, refreshAt: started + usableMs };
    return token.accessToken;
  }

  return {
    apply: async function applyOAuthToken(request, signal) {
      let token: string;
      if (cached && deps.clock.now() < cached.refreshAt) token = cached.value;
      else {
        inflight ??= fetchToken().finally(() => {
          inflight = undefined;
        });
        token = await untilAborted(inflight, signal);
      }
      setHeader(request.headers, 'authorization', `Bearer ${token}`);
    },
    invalidate: function invalidateToken(refusedAuthorization) {
      if (
        refusedAuthorization === undefined ||
        refusedAuthorization === `Bearer ${cached?.value}`
      ) {
        cached = undefined;
      }
    },
  };
}

function tokenHttpError(
  what: string,
  status: number,
  body: string,
  headers: ResponseHeaders,
): UpstreamError {
  // Only the RFC 6749 §5.2 error code is repeated, and only if it looks like one: a body is free
  // text that a misbehaving server could fill with the request, credentials included.
  let code = '';
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === 'string' && /^[a-z_]{1,64}$/.test(parsed.error)) {
      code = ` (${parsed.error})`;
    }
  } catch {
    // Not JSON: say nothing more.
  }
  const message = `${what} answered HTTP ${status}${code}`;
  if (status === 429) {
    const retryAfter = Number(headers.get('retry-after'));
    return new UpstreamError('rate_limited', message, {
      httpStatus: status,
      ...(Number.isFinite(retryAfter) && retryAfter >= 0
        ? { retryAfterMs: retryAfter * 1000 }
        : {}),
    });
  }
  return new UpstreamError(status >= 500 ? 'http_5xx' : 'http_4xx', message, {
    httpStatus: status,
  });
}

/** The token and its lifetime, or what is wrong with the answer. */
function parseTokenResponse(body: string): { accessToken: string; expiresInS: number } | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'answered with a body that is not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null) return 'answered with no token object';
  const { access_token, token_type, expires_in } = parsed as Record<string, unknown>;
  if (typeof access_token !== 'string' || access_token === '')
    return 'answered without access_token';
  if (typeof token_type !== 'string' || token_type.toLowerCase() !== 'bearer') {
    return 'answered with a token_type other than Bearer';
  }
  // expires_in is only RECOMMENDED (RFC 6749 §5.1); without it, assume a short life and refresh.
  const expiresInS =
    typeof expires_in === 'number' && Number.isFinite(expires_in) && expires_in > 0
      ? expires_in
      : typeof expires_in === 'string' && /^\d+$/.test(expires_in) && Number(expires_in) > 0
        ? Number(expires_in)
        : 300;
  return { accessToken: access_token, expiresInS };
}

type HmacConfig = Extract<AuthConfig, { type: 'hmac' }>;

function createHmacSigner(auth: HmacConfig, deps: AuthDeps): Authenticator {
  deps.secrets.get(auth.secretEnv);
  const random = deps.random ?? ((n: number) => crypto.getRandomValues(new Uint8Array(n)));
  const wallNow = deps.wallNow ?? Date.now;
  let key: { secret: string; key: Promise<CryptoKey> } | undefined;

  return {
    apply: async function applyHmacSignature(request) {
      const secret = deps.secrets.get(auth.secretEnv);
      if (key?.secret !== secret) key = { secret, key: importHmacKey(secret) };
      const timestamp = String(Math.floor(wallNow() / 1000));
      const nonce = toHex(random(16));
      const signature = await signWith(await key.key, {
        method: request.method,
        pathWithQuery: request.url.pathname + request.url.search,
        timestamp,
        nonce,
        bodySha256Hex: await sha256Hex(request.body ?? ''),
      });
      setHeader(request.headers, auth.timestampHeader, timestamp);
      setHeader(request.headers, auth.nonceHeader, nonce);
      setHeader(request.headers, auth.signatureHeader, signature);
      if (auth.keyId !== undefined) setHeader(request.headers, 'x-key-id', auth.keyId);
    },
    invalidate: () => {},
  };
}

const encoder = new TextEncoder();
// Spelled through the global so the core needs neither DOM lib types nor node:crypto.
type CryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

function importHmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
}

async function signWith(key: CryptoKey, parts: HmacSigningParts): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(buildHmacSigningString(parts)));
  return toHex(mac);
}

function toHex(bytes: ArrayBuffer | Uint8Array): string {
  let out = '';
  for (const b of bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)) {
    out += b.toString(16).padStart(2, '0');
  }
  return out;
}

/** application/x-www-form-urlencoded for one value (spaces as +), as RFC 6749 Appendix B says. */
const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);

function base64(text: string): string {
  let binary = '';
  for (const b of encoder.encode(text)) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Sets a header, replacing any existing spelling of it (header names are case-insensitive). */
function setHeader(headers: Record<string, string>, name: string, value: string): void {
  const lower = name.toLowerCase();
  for (const existing of Object.keys(headers)) {
    if (existing.toLowerCase() === lower) delete headers[existing];
  }
  headers[lower] = value;
}

/** Waits for a shared promise, giving up (without cancelling it) when this caller's signal aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
