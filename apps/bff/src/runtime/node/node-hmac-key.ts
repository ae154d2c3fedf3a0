// The Node HMAC key for inbound webhooks: `createHmac` on the calling thread plus `timingSafeEqual`.
// Web Crypto's verify hops to the thread pool and back for each call (≈ 41–63 µs CPU against
// ≈ 9–15 µs here, bench/RESULTS.md), which is most of a webhook's verification cost.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookKey, WebhookKeyFactory } from '../../webhooks/verify-webhook';

const hmacBytes = 32;

/**
 * @example const keys = await importWebhookKeys(scheme, secrets, nodeWebhookKey);
 */
export const nodeWebhookKey: WebhookKeyFactory = (keyBytes): WebhookKey => {
  // A copy: the caller's buffer may be reused; the key must not change under us.
  const key = Buffer.from(keyBytes);
  return {
    verify(signature, prefix, body) {
      // The length is public (SHA-256 is 32 bytes), so refusing another length early leaks nothing.
      if (signature.length !== hmacBytes) return false;
      const hmac = createHmac('sha256', key);
      if (prefix !== '') hmac.update(prefix, 'utf8');
      const expected = hmac.update(body).digest();
      return timingSafeEqual(expected, signature);
    },
  };
};
