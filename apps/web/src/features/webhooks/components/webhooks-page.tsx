// Webhook log: every inbound delivery, accepted, duplicate or rejected with the reason, and the job
// an accepted one started. Source and outcome filters live in the URL.
import type { WebhookLogEntry } from '@switchboard/shared/queue';
import { NameSchema } from '@switchboard/shared/upstreams';
import { useState } from 'react';
import { Empty, LoadError } from '../../../components/query-states';
import { Skeleton } from '../../../components/skeleton';
import { Time } from '../../../components/time';
import { useNavigate, useSearchParams } from '../../../lib/router/router';
import { useWebhookLog } from '../api/get-webhook-log';

const outcomes = ['accepted', 'duplicate', 'rejected'] as const;
type Outcome = (typeof outcomes)[number];

const outcomeLook: Record<Outcome, { icon: string; label: string }> = {
  accepted: { icon: '●', label: 'Accepted' },
  duplicate: { icon: '○', label: 'Duplicate' },
  rejected: { icon: '▲', label: 'Rejected' },
};

function hrefOf(source: string | null, outcome: Outcome | null) {
  const query = new URLSearchParams();
  if (source) query.set('source', source);
  if (outcome) query.set('outcome', outcome);
  const text = query.toString();
  return text ? `/webhooks?${text}` : '/webhooks';
}

export function WebhooksPage() {
  const params = useSearchParams();
  const navigate = useNavigate();
  const sourceParam = params.get('source');
  // A source the BFF would refuse is not sent: the filter shows what was typed, as a hint.
  const source =
    sourceParam !== null && NameSchema.safeParse(sourceParam).success ? sourceParam : null;
  const outcomeParam = params.get('outcome');
  const outcome = outcomes.find((o) => o === outcomeParam) ?? null;
  const log = useWebhookLog(source);
  const [draft, setDraft] = useState(sourceParam ?? '');

  const shown = log.data?.filter((entry) => outcome === null || entry.outcome === outcome);

  return (
    <section aria-labelledby="webhooks-title">
      <h1 id="webhooks-title">Webhook log</h1>
      <form
        className="filters"
        aria-label="Filter deliveries"
        onSubmit={(event) => {
          event.preventDefault();
          navigate(hrefOf(draft.trim() || null, outcome), { replace: true });
        }}
      >
        <div className="field">
          <label htmlFor="webhook-source">Source</label>
          <input
            id="webhook-source"
            value={draft}
            placeholder="all sources"
            onChange={(event) => setDraft(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="webhook-outcome">Outcome</label>
          <select
            id="webhook-outcome"
            value={outcome ?? ''}
            onChange={(event) =>
              navigate(hrefOf(source, outcomes.find((o) => o === event.target.value) ?? null), {
                replace: true,
              })
            }
          >
            <option value="">All outcomes</option>
            {outcomes.map((o) => (
              <option key={o} value={o}>
                {outcomeLook[o].label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Filter</button>
      </form>
      {sourceParam !== null && source === null && (
        <p className="form-error">
          “{sourceParam}” is not a source name (lower-case letters, digits and dashes).
        </p>
      )}
      {log.isPending ? (
        <Skeleton label="Loading webhook deliveries…" />
      ) : log.isError ? (
        <LoadError what="the webhook log" error={log.error} onRetry={() => void log.refetch()} />
      ) : !shown || shown.length === 0 ? (
        <Empty>
          {log.data.length === 0
            ? 'No webhook deliveries yet.'
            : 'No deliveries match these filters.'}
        </Empty>
      ) : (
        <WebhookTable entries={shown} />
      )}
    </section>
  );
}

function WebhookTable({ entries }: { entries: WebhookLogEntry[] }) {
  return (
    <table className="data-table" data-testid="webhook-log">
      <thead>
        <tr>
          <th scope="col">Received</th>
          <th scope="col">Source</th>
          <th scope="col">Outcome</th>
          <th scope="col">Reason</th>
          <th scope="col">Event</th>
          <th scope="col">Delivery id</th>
          <th scope="col">Size</th>
          <th scope="col">Triggered</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => {
          const look = outcomeLook[entry.outcome];
          return (
            <tr key={entry.id} data-testid={`webhook-${entry.id}`} data-outcome={entry.outcome}>
              <td>
                <Time at={entry.at} />
              </td>
              <th scope="row">{entry.source}</th>
              <td className={`outcome outcome--${entry.outcome}`}>
                <span aria-hidden="true">{look.icon}</span> {look.label}
              </td>
              <td>{entry.reason ? entry.reason.replaceAll('_', ' ') : '—'}</td>
              <td>{entry.eventType ?? '—'}</td>
              <td className="mono detail">{entry.deliveryId ?? '—'}</td>
              <td>{entry.bodyBytes} B</td>
              <td data-testid="webhook-triggered">
                {entry.triggered ?? (entry.jobId ? `queued (job ${entry.jobId})` : '—')}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
