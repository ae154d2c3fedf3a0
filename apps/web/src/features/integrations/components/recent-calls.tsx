// The recent-calls log of one integration (status, kind, latency, attempts, trace id), with its
// filters in the URL.
import { ErrorKindSchema } from '@switchboard/shared/upstreams';
import { memo, useMemo } from 'react';
import { ChoiceSelect } from '../../../components/choice-select';
import { LoadError, Loading } from '../../../components/query-states';
import { useSearchChoice } from '../../../lib/router/search-state';
import { useRecentCalls } from '../api/integrations-api';
import { timeLabel } from '../time-label';

const outcomes = ['all', 'ok', 'error'] as const;
const kinds = ['all', ...ErrorKindSchema.options] as const;

// Memoised: the detail page re-renders every second for its charts; this part has not changed.
export const RecentCalls = memo(function RecentCalls({ name }: { name: string }) {
  const calls = useRecentCalls(name);
  const [outcome, setOutcome] = useSearchChoice('outcome', outcomes, 'all');
  const [kind, setKind] = useSearchChoice('kind', kinds, 'all');
  const shown = useMemo(
    () =>
      (calls.data?.items ?? [])
        .filter(
          (c) =>
            (outcome === 'all' || c.outcome === outcome) && (kind === 'all' || c.kind === kind),
        )
        .slice(-50)
        .reverse(),
    [calls.data, outcome, kind],
  );
  return (
    <section aria-labelledby="calls-title">
      <h2 id="calls-title">Recent calls</h2>
      <div className="toolbar">
        <ChoiceSelect
          label="Outcome"
          choices={outcomes}
          value={outcome}
          onChange={setOutcome}
          labelOf={(o) => (o === 'all' ? 'All' : o === 'ok' ? 'OK' : 'Error')}
        />
        <ChoiceSelect
          label="Error kind"
          choices={kinds}
          value={kind}
          onChange={setKind}
          labelOf={(k) => (k === 'all' ? 'All' : k)}
        />
      </div>
      {calls.isPending ? (
        <Loading>Loading recent calls…</Loading>
      ) : calls.isError ? (
        <LoadError what="recent calls" error={calls.error} onRetry={() => void calls.refetch()} />
      ) : shown.length === 0 ? (
        <p className="placeholder" data-testid="calls-empty">
          {calls.data.items.length === 0
            ? 'No calls recorded yet.'
            : 'No recent call matches these filters.'}
        </p>
      ) : (
        <table className="calls-table" data-testid="calls-table">
          <caption className="muted">Newest first, the last {shown.length} matching calls</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Operation</th>
              <th scope="col">Status</th>
              <th scope="col">Kind</th>
              <th scope="col">Latency</th>
              <th scope="col">Attempts</th>
              <th scope="col">Provider</th>
              <th scope="col">Trace id</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((c) => (
              <tr key={c.seq} data-outcome={c.outcome}>
                <td>{timeLabel(c.at)}</td>
                <td>{c.operation}</td>
                <td>
                  <span aria-hidden="true">{c.outcome === 'ok' ? '● ' : '▲ '}</span>
                  {c.outcome === 'ok' ? 'OK' : 'Error'}
                  {c.httpStatus !== undefined ? ` (${c.httpStatus})` : ''}
                </td>
                <td>{c.kind ?? '—'}</td>
                <td>{Math.round(c.latencyMs)} ms</td>
                <td>{c.attempts}</td>
                <td>
                  {c.provider}
                  {c.fallback ? ` (${c.fallback})` : ''}
                </td>
                <td>
                  <code>{c.traceId}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
});
