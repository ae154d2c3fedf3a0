// Signature checks for inbound webhooks, on the raw body: Standard Webhooks, Stripe and GitHub.
// Web-standard by default (`crypto.subtle.verify` compares HMACs in constant time); a runtime may
// supply a faster HMAC key (the Node one: runtime/node/node-hmac-key.ts).
import type { WebhookSourceConfig } from '@switchboard/shared/catalog';
import type { WebhookRejection } from '@switchboard/shared/queue';

export type Verdict =
  | {
      ok: true;
      deliveryId: string | null;
      eventType: string | null;
      event: unknown;
      /** The body as text: valid JSON (it parsed), so it can be embedded in JSON as it is. */
      text: string;
    }
  | { ok: false; reason: WebhookRejection; deliveryId: string | null };

export interface WebhookRequest {
  /** Header lookup, case-insensitive. */
  header(name: string): string | undefined;
  body: Uint8Array;
}

/**
 * An HMAC-SHA256 key that checks a signature in constant time over `prefix` (UTF-8; the signed
 * id and timestamp, '' for none) followed by `body`. Two parts, so a key that can hash in steps
 * (Node's) never copies the body into a new buffer to prepend a few bytes.
 */
export interface WebhookKey {
  verify(signature: Uint8Array, prefix: string, body: Uint8Array): boolean | Promise<boolean>;
}

const encoder = new TextEncoder();

function concat(head: Uint8Array, tail: Uint8Array): Uint8Array {
  const out = new Uint8Array(head.length + tail.length);
  out.set(head, 0);
  out.set(tail, head.length);
  return out;
}

/** Makes a key from the secret's bytes; the runtime chooses the implementation. */
export type WebhookKeyFactory = (keyBytes: Uint8Array) => WebhookKey | Promise<WebhookKey>;

/**
 * The web-standard key, for any runtime: Web Crypto verifies (constant time) on its thread pool.
 * @example const keys = await importWebhookKeys(scheme, secrets, webCryptoWebhookKey);
 */
export const webCryptoWebhookKey: WebhookKeyFactory = async (keyBytes) => {
  const key = await crypto.subtle.importKey(
    'raw',
    keyBytes,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  return {
    verify: (signature, prefix, body) =>
      crypto.subtle.verify(
        'HMAC',
        key,
        signature,
        prefix === '' ? body : concat(encoder.encode(prefix), body),
      ),
  };
};

// Stateless when not streaming, so one instance serves every delivery.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function fromBase64(text: string): Uint8Array | undefined {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return undefined;
  }
  // A plain loop: `Uint8Array.from` with a map callback was ~2 % of a delivery's CPU (RESULTS.md).
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) out[i] = binary.charCodeAt(i);
  return out;
}

function fromHex(text: string): Uint8Array | undefined {
  if (!/^(?:[0-9a-f]{2})+$/i.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** The HMAC key bytes: Standard Webhooks' `whsec_` secrets are base64; others are used as text. */
export function keyBytes(scheme: WebhookSourceConfig['scheme'], secret: string): Uint8Array {
  if (scheme === 'standard-webhooks') {
    const decoded = fromBase64(secret.startsWith('whsec_') ? secret.slice(6) : secret);
    if (decoded) return decoded;
  }
  return encoder.encode(secret);
}

/** Imported once per secret; rotation lists several, all tried. Web Crypto unless told otherwise. */
export async function importWebhookKeys(
  scheme: WebhookSourceConfig['scheme'],
  secrets: readonly string[],
  makeKey: WebhookKeyFactory = webCryptoWebhookKey,
): Promise<WebhookKey[]> {
  return Promise.all(secrets.map(async (s) => makeKey(keyBytes(scheme, s))));
}

/**
 * Whether any active key signed the delivery with any of the given signatures. A synchronous key's
 * answers are used as they come (no promise per check); the first promise (Web Crypto) turns the
 * rest into one awaited batch.
 */
function anyMatches(
  keys: WebhookKey[],
  signatures: Uint8Array[],
  prefix: string,
  body: Uint8Array,
): boolean | Promise<boolean> {
  let pending: Promise<boolean>[] | undefined;
  for (const key of keys)
    for (const signature of signatures) {
      const match = key.verify(signature, prefix, body);
      if (match === true) return true;
      if (match !== false) (pending ??= []).push(match);
    }
  return pending === undefined ? false : Promise.all(pending).then((all) => all.includes(true));
}

/** A signed timestamp (seconds) within the tolerance of `nowMs`. */
const isFresh = (seconds: string, nowMs: number, toleranceMs: number) =>
  /^\d{1,12}$/.test(seconds) && Math.abs(nowMs - Number(seconds) * 1000) <= toleranceMs;

/** Standard Webhooks' space-separated `v1,<base64>` entries; other versions are skipped (spec). */
function standardSignatures(header: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  while (from <= header.length) {
    let to = header.indexOf(' ', from);
    if (to === -1) to = header.length;
    if (header.startsWith('v1,', from)) {
      const signature = fromBase64(header.slice(from + 3, to));
      if (signature) out.push(signature);
    }
    from = to + 1;
  }
  return out;
}

function parseJson(body: Uint8Array): { ok: true; value: unknown; text: string } | { ok: false } {
  try {
    const text = strictUtf8.decode(body);
    return { ok: true, value: JSON.parse(text), text };
  } catch {
    return { ok: false };
  }
}

const field = (value: unknown, name: string): string | null => {
  const v = (value as Record<string, unknown> | null)?.[name];
  return typeof v === 'string' ? v : null;
};

/**
 * Verifies one delivery against the source's active keys; the body is parsed only after the
 * signature holds. `nowMs` is wall-clock time.
 * A `Verdict` at once with synchronous keys, a promise of one with Web Crypto's.
 * @example const verdict = await verifyWebhook(config, keys, { header, body }, Date.now());
 */
export function verifyWebhook(
  config: WebhookSourceConfig,
  keys: WebhookKey[],
  request: WebhookRequest,
  nowMs: number,
): Verdict | Promise<Verdict> {
  const toleranceMs = config.toleranceSeconds * 1000;
  let deliveryId: string | null = null;
  let signatures: Uint8Array[];
  let prefix = '';

  switch (config.scheme) {
    case 'standard-webhooks': {
      const id = request.header('webhook-id');
      const timestamp = request.header('webhook-timestamp');
      const header = request.header('webhook-signature');
      deliveryId = id ?? null;
      if (!id || !timestamp || !header)
        return { ok: false, reason: 'missing_signature', deliveryId };
      signatures = standardSignatures(header);
      if (signatures.length === 0) return { ok: false, reason: 'malformed_signature', deliveryId };
      if (!isFresh(timestamp, nowMs, toleranceMs))
        return { ok: false, reason: 'timestamp_out_of_tolerance', deliveryId };
      prefix = `${id}.${timestamp}.`;
      break;
    }
    case 'stripe': {
      const header = request.header('stripe-signature');
      if (!header) return { ok: false, reason: 'missing_signature', deliveryId };
      const pairs = header.split(',').map((p) => p.trim().split('=', 2) as [string, string?]);
      const timestamp = pairs.find(([k]) => k === 't')?.[1];
      signatures = pairs
        .filter(([k]) => k === 'v1')
        .map(([, v]) => fromHex(v ?? ''))
        .filter((s): s is Uint8Array => s !== undefined);
      if (!timestamp || signatures.length === 0)
        return { ok: false, reason: 'malformed_signature', deliveryId };
      if (!isFresh(timestamp, nowMs, toleranceMs))
        return { ok: false, reason: 'timestamp_out_of_tolerance', deliveryId };
      prefix = `${timestamp}.`;
      break;
    }
    case 'github': {
      // GitHub signs no timestamp: its delivery id is the replay defence (deduplicated downstream).
      deliveryId = request.header('x-github-delivery') ?? null;
      const header = request.header('x-hub-signature-256');
      if (!header) return { ok: false, reason: 'missing_signature', deliveryId };
      const signature = header.startsWith('sha256=') ? fromHex(header.slice(7)) : undefined;
      if (!signature) return { ok: false, reason: 'malformed_signature', deliveryId };
      signatures = [signature];
      break;
    }
  }

  const matched = anyMatches(keys, signatures, prefix, request.body);
  // Synchronous keys (Node's) answer here and now; Web Crypto's after its promise.
  return matched === true || matched === false
    ? checked(config, request, deliveryId, matched)
    : matched.then((ok) => checked(config, request, deliveryId, ok));
}

/** The verdict once the signature check is known: the body is parsed only after it held. */
function checked(
  config: WebhookSourceConfig,
  request: WebhookRequest,
  given: string | null,
  matched: boolean,
): Verdict {
  let deliveryId = given;
  if (!matched) return { ok: false, reason: 'bad_signature', deliveryId };
  const parsed = parseJson(request.body);
  if (!parsed.ok) return { ok: false, reason: 'invalid_body', deliveryId };
  const event = parsed.value;
  // Stripe puts the event id in the body; it is the delivery's identity for deduplication.
  deliveryId ??= field(event, 'id');
  const eventType =
    config.scheme === 'github'
      ? (request.header('x-github-event') ?? null)
      : (field(event, 'type') ?? null);
  return { ok: true, deliveryId, eventType, event, text: parsed.text };
}
