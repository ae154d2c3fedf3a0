// One row per integration: its status in the latest overview call and its live figures from the stream.
import type { IntegrationSample } from '@switchboard/shared/stream';
import type { ViewResult } from '@switchboard/shared/upstreams';
import { StatusBadge } from '../../../components/status-badge';

const ms = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : `${Math.round(value)} ms`;

export function OverviewTable({
  view,
  latest,
}: {
  view: ViewResult;
  latest: Map<string, IntegrationSample>;
}) {
  const sources = Object.values(view.sources);
  return (
    <table className="overview">
      <caption>
        Overview view: {sources.length} upstreams in parallel, {Math.round(view.latencyMs)} ms in
        all (deadline {view.deadlineMs} ms)
      </caption>
      <thead>
        <tr>
          <th scope="col">Integration</th>
          <th scope="col">Status</th>
          <th scope="col">Last call</th>
          <th scope="col">Calls/s</th>
          <th scope="col">Errors/s</th>
          <th scope="col">p95 (1 s)</th>
          <th scope="col">Detail</th>
        </tr>
      </thead>
      <tbody>
        {sources.map((source) => {
          const sample = latest.get(source.integration);
          return (
            <tr key={source.integration} data-testid={`source-row-${source.integration}`}>
              <th scope="row">{source.integration}</th>
              <td data-testid="source-status">
                <StatusBadge status={source.status} />
              </td>
              <td>{ms(source.latencyMs)}</td>
              <td>{sample?.calls ?? '—'}</td>
              <td>{sample?.errors ?? '—'}</td>
              <td>{ms(sample?.latencyMs?.p95)}</td>
              <td className="detail">
                {source.provider !== source.integration ? `answered by ${source.provider}; ` : ''}
                {source.error ? source.error.message : ''}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
