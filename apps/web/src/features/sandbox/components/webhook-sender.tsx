// The sandbox CRM's webhooks: send one delivery to this BFF's POST /webhooks/crm, signed correctly
// or broken the way real deliveries go wrong, then follow it in the webhook log.
import type { SandboxWebhookResult, SandboxWebhookVariant } from '@switchboard/shared/sandbox';
import { useId, useState } from 'react';
import { Link } from '../../../lib/router/router';

export const webhookVariants: ReadonlyArray<{ value: SandboxWebhookVariant; label: string }> = [
  { value: 'valid', label: 'Correctly signed' },
  { value: 'duplicate', label: 'Sent twice (duplicate)' },
  { value: 'tampered', label: 'Body changed after signing' },
  { value: 'expired', label: 'Signed 10 minutes ago' },
  { value: 'unknown-secret', label: 'Signed with an unknown secret' },
];

export function WebhookSender({
  pending,
  result,
  onSend,
}: {
  pending: boolean;
  /** The last delivery's answer, shown until the next one. */
  result: SandboxWebhookResult | undefined;
  onSend: (variant: SandboxWebhookVariant) => void;
}) {
  const [variant, setVariant] = useState<SandboxWebhookVariant>('valid');
  const id = useId();
  return (
    <form
      className="webhook-sender"
      onSubmit={(event) => {
        event.preventDefault();
        onSend(variant);
      }}
    >
      <div className="field">
        <label htmlFor={id}>Delivery</label>
        <select
          id={id}
          value={variant}
          onChange={(event) => setVariant(event.target.value as SandboxWebhookVariant)}
        >
          {webhookVariants.map((v) => (
            <option key={v.value} value={v.value}>
              {v.label}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" disabled={pending}>
        {pending ? 'Sending…' : 'Send contact.created'}
      </button>
      {result && (
        <p role="status" data-testid="webhook-result">
          <code>{result.deliveryId}</code>: HTTP {result.status}, {result.outcome}{' '}
          <Link to="/webhooks">See the webhook log</Link>
        </p>
      )}
    </form>
  );
}
