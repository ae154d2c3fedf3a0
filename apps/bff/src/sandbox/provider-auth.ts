// How the sandbox providers authenticate callers: generated secrets, OAuth 2 client-credentials
// tokens, API keys and HMAC request signatures. Web-standard crypto only (crypto.subtle).

/** The env-var-like names under which the BFF finds the sandbox's secrets. */
export const sandboxSecretNames = [
  'SANDBOX_PAYMENTS_CLIENT_SECRET',
  'SANDBOX_EMAIL_API_KEY',
  'SANDBOX_EMAIL_BACKUP_API_KEY',
  'SANDBOX_ANALYTICS_HMAC_SECRET',
  'SANDBOX_WEBHOOK_SECRET',
] as const;
export type SandboxSecretName = (typeof sandboxSecretNames)[number];
export type SandboxSecrets = Readonly<Record<SandboxSecretName, string>>;

/** The OAuth client the BFF is registered as with the sandbox identity provider (not a secret). */
export const sandboxClientId = 'switchboard-bff';

/** Seconds either side of the provider's clock an HMAC-signed request's timestamp may be. */
export const hmacClockSkewSeconds = 300;

const encoder = new TextEncoder();

const toHex = (bytes: ArrayBuffer | Uint8Array): string =>
  Array.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');

const randomHex = (byteCount: number): string =>
  toHex(crypto.getRandomValues(new Uint8Array(byteCount)));

/** Fresh random secrets, made once per sandbox start; they exist only in this process. */
export function generateSandboxSecrets(): SandboxSecrets {
  return {
    SANDBOX_PAYMENTS_CLIENT_SECRET: randomHex(32),
    SANDBOX_EMAIL_API_KEY: `sk_sandbox_${randomHex(24)}`,
    SANDBOX_EMAIL_BACKUP_API_KEY: `sk_sandbox_${randomHex(24)}`,
    SANDBOX_ANALYTICS_HMAC_SECRET: randomHex(32),
    // Standard Webhooks form: `whsec_` and the base64 key bytes.
    SANDBOX_WEBHOOK_SECRET: `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`,
  };
}

/** Compares two strings in time independent of where they differ, so timing leaks nothing. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i += 1) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Reads `Authorization: Basic base64(id:secret)` (RFC 7617); undefined when absent or garbled. */
export function parseBasicAuth(
  header: string | undefined,
): { id: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(
      Uint8Array.from(atob(match[1]), (ch) => ch.charCodeAt(0)),
    );
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding.
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replaceAll('+', ' ')),
    };
  } catch {
    return undefined;
  }
}

/** Reads `Authorization: Bearer <token>`. */
export function parseBearer(header: string | undefined): string | undefined {
  return /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header ?? '')?.[1];
}

export interface TokenIssuer {
  /** A new opaque access token valid for `lifetimeSeconds` from `nowMs`. */
  issue(nowMs: number, lifetimeSeconds: number, scope: string | undefined): string;
  /** Whether `token` was issued here and has not expired at `nowMs`. */
  isValid(token: string, nowMs: number): boolean;
}

/** Opaque tokens kept in memory with their expiry; expired ones are swept as new ones are issued. */
export function createTokenIssuer(): TokenIssuer {
  const expiries = new Map<string, number>();
  return {
    issue(nowMs, lifetimeSeconds) {
      for (const [token, expiresAt] of expiries) if (expiresAt <= nowMs) expiries.delete(token);
      const token = `at_${randomHex(24)}`;
      expiries.set(token, nowMs + lifetimeSeconds * 1000);
      return token;
    },
    isValid(token, nowMs) {
      const expiresAt = expiries.get(token);
      return expiresAt !== undefined && nowMs < expiresAt;
    },
  };
}

export async function sha256Hex(bytes: ArrayBuffer | Uint8Array<ArrayBuffer>): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', bytes));
}

async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return toHex(await crypto.subtle.sign('HMAC', key, encoder.encode(message)));
}

/**
 * The string an HMAC-signed request signs; the signer in the BFF builds the same one.
 * @example canonicalRequest({ method: 'POST', pathWithQuery: '/v1/events', timestamp: '1700000000', nonce: 'n1', bodySha256Hex })
 */
export function canonicalRequest(parts: {
  method: string;
  pathWithQuery: string;
  timestamp: string;
  nonce: string;
  bodySha256Hex: string;
}): string {
  return [
    parts.method.toUpperCase(),
    parts.pathWithQuery,
    parts.timestamp,
    parts.nonce,
    parts.bodySha256Hex,
  ].join('\n');
}

export interface SignedRequest {
  method: string;
  pathWithQuery: string;
  body: ArrayBuffer;
  timestamp: string | undefined;
  nonce: string | undefined;
  signature: string | undefined;
}

export type HmacVerdict =
  { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'bad-signature' | 'replayed-nonce' };

export interface HmacVerifier {
  verify(request: SignedRequest, nowMs: number): Promise<HmacVerdict>;
}

/**
 * Verifies `X-Signature = hex(HMAC-SHA256(secret, METHOD\npathWithQuery\ntimestamp\nnonce\nsha256hex(body)))`
 * where the key is the secret string's UTF-8 bytes, the timestamp is unix seconds within ±300 s,
 * and a nonce is accepted once.
 */
export function createHmacVerifier(secret: string): HmacVerifier {
  // A nonce only needs remembering while a request carrying it could still pass the clock check:
  // its timestamp was within 300 s of receipt, so a replay must come within 600 s of it.
  const nonceMemoryMs = 2 * hmacClockSkewSeconds * 1000;
  const seenNonces = new Map<string, number>();

  return {
    async verify(request, nowMs) {
      const { timestamp, nonce, signature } = request;
      if (!timestamp || !nonce || !signature || nonce.length > 128) {
        return { ok: false, reason: 'missing' };
      }
      const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
      if (!(Math.abs(nowMs / 1000 - seconds) <= hmacClockSkewSeconds)) {
        return { ok: false, reason: 'stale' };
      }
      const expected = await hmacSha256Hex(
        secret,
        canonicalRequest({
          method: request.method,
          pathWithQuery: request.pathWithQuery,
          timestamp,
          nonce,
          bodySha256Hex: await sha256Hex(request.body),
        }),
      );
      if (!constantTimeEqual(expected, signature.toLowerCase())) {
        return { ok: false, reason: 'bad-signature' };
      }
      // Sweep in arrival order: the map iterates oldest first.
      for (const [seen, at] of seenNonces) {
        if (at > nowMs - nonceMemoryMs) break;
        seenNonces.delete(seen);
      }
      // Checked after the signature so unsigned requests cannot burn nonces.
      if (seenNonces.has(nonce)) return { ok: false, reason: 'replayed-nonce' };
      seenNonces.set(nonce, nowMs);
      return { ok: true };
    },
  };
}
