// The sandbox CRM's outbound webhooks: it signs deliveries the way a real provider does (Standard
// Webhooks) and sends them over HTTP to the BFF's own `POST /webhooks/crm`, so a new user sees a
// delivery verified, queued, logged and turned into a flow run, or refused, without any setup.
import type {
  SandboxWebhookRequestSchema,
  SandboxWebhookResult,
} from '@switchboard/shared/sandbox';
import type { z } from 'zod';
import { AppError } from '../http/app-error';
// The key rule is the verifier's, so the sandbox signs exactly what the BFF checks.
import { keyBytes } from '../webhooks/verify-webhook';

/** The webhook source the sandbox catalog declares for its CRM. */
export const sandboxWebhookSource = 'crm';

export interface WebhookSenderDeps {
  /** The `whsec_` secret the sandbox catalog's `crm` source verifies with. */
  secret: string;
  /** The BFF's own origin, known once it listens; undefined before. */
  target: () => string | undefined;
  now: () => number;
  random: () => number;
}

const encoder = new TextEncoder();
const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

async function sign(key: Uint8Array, id: string, timestamp: number, body: string) {
  const hmacKey = await crypto.subtle.importKey(
    'raw',
    key,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign(
    'HMAC',
    hmacKey,
    encoder.encode(`${id}.${timestamp}.${body}`),
  );
  return `v1,${toBase64(new Uint8Array(mac))}`;
}

const firstNames = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Ken', 'Radia', 'Donald'];
const lastNames = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Thompson', 'Perlman'];

export interface WebhookSender {
  send(request: z.output<typeof SandboxWebhookRequestSchema>): Promise<SandboxWebhookResult>;
}

/**
 * @example const sender = createWebhookSender({ secret, target: () => selfUrl, now: Date.now, random: Math.random });
 */
export function createWebhookSender(deps: WebhookSenderDeps): WebhookSender {
  const pick = (items: readonly string[]): string =>
    items[Math.floor(deps.random() * items.length)] ?? 'Sam';
  // Ids are unique whatever `random` is (tests pin it), or two deliveries would be one.
  const hex = (bytes: number) =>
    Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
      b.toString(16).padStart(2, '0'),
    ).join('');

  return {
    async send({ variant, eventType }) {
      const origin = deps.target();
      if (origin === undefined) {
        throw new AppError(
          503,
          'not_ready',
          'The BFF is not listening yet; try again in a moment.',
        );
      }
      const deliveryId = `msg_${hex(12)}`;
      const nowSeconds = Math.floor(deps.now() / 1000);
      const timestamp = variant === 'expired' ? nowSeconds - 600 : nowSeconds;
      const first = pick(firstNames);
      const last = pick(lastNames);
      const contact = {
        id: `ct_${hex(6)}`,
        name: `${first} ${last}`,
        email: `${first}.${last}.${hex(2)}@example.test`.toLowerCase(),
      };
      const body = JSON.stringify({
        type: eventType,
        timestamp: new Date(timestamp * 1000).toISOString(),
        data: contact,
      });
      const key =
        variant === 'unknown-secret'
          ? crypto.getRandomValues(new Uint8Array(24))
          : keyBytes('standard-webhooks', deps.secret);
      const signature = await sign(key, deliveryId, timestamp, body);
      const sent = variant === 'tampered' ? body.replace(contact.name, 'Mallory') : body;
      const deliver = () =>
        fetch(new URL(`/webhooks/${sandboxWebhookSource}`, origin), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'webhook-id': deliveryId,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signature,
          },
          body: sent,
          signal: AbortSignal.timeout(5_000),
        });
      let response = await deliver();
      if (variant === 'duplicate') {
        await response.body?.cancel();
        response = await deliver();
      }
      const answer: unknown = await response.json().catch(() => undefined);
      return { deliveryId, variant, status: response.status, outcome: outcomeOf(answer) };
    },
  };
}

/** `{status}` on success, `{error: {message}}` (the shared error shape) on refusal. */
function outcomeOf(answer: unknown): string {
  if (typeof answer !== 'object' || answer === null) return 'no JSON answer';
  if ('status' in answer && typeof answer.status === 'string') return answer.status;
  if (
    'error' in answer &&
    typeof answer.error === 'object' &&
    answer.error !== null &&
    'message' in answer.error &&
    typeof answer.error.message === 'string'
  ) {
    return answer.error.message;
  }
  return 'unexpected answer';
}
