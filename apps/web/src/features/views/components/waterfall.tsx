// A view run as a waterfall: one row per source with its bar on a shared time axis, and the
// whole-view deadline drawn across every track. Every fact a bar shows is also in the row as text.
import type { ViewResult } from '@switchboard/shared/upstreams';
import { memo } from 'react';
import { StatusBadge } from '../../../components/status-badge';
import { waterfallGeometry, type WaterfallRow } from './waterfall-geometry';

const ms = (value: number) => `${Math.round(value)} ms`;

const cacheText: Record<WaterfallRow['cache'], string> = {
  none: 'not cached',
  hit: 'cache hit',
  miss: 'cache miss',
  stale: 'stale copy',
  coalesced: 'joined a call in flight',
};

function AnsweredBy({ row }: { row: WaterfallRow }) {
  if (!row.failover) return <>{row.provider}</>;
  return (
    <span className="tag--failover" data-testid="failover">
      <span aria-hidden="true">⇄ </span>
      {row.provider} <span className="muted">(failover from {row.integration})</span>
    </span>
  );
}

export const Waterfall = memo(function Waterfall({ result }: { result: ViewResult }) {
  const g = waterfallGeometry(result);
  return (
    <figure className="chart" data-testid="waterfall">
      <figcaption>
        View <strong>{result.view}</strong>: {g.rows.length} sources, {ms(g.totalMs)} in all,
        deadline {ms(g.deadlineMs)}
        {g.totalMs > g.deadlineMs ? ' (over the deadline)' : ''}.
      </figcaption>
      <table className="waterfall">
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col">Outcome</th>
            <th scope="col">Start</th>
            <th scope="col">Duration</th>
            <th scope="col">Cache</th>
            <th scope="col">Answered by</th>
            <th scope="col" className="waterfall__track-cell">
              <span className="visually-hidden">Timeline</span>
              <div className="waterfall__axis" aria-hidden="true" data-testid="waterfall-axis">
                {g.ticks.map((tick) => (
                  <span key={tick.ms} className="waterfall__tick" style={{ left: `${tick.pct}%` }}>
                    {tick.ms}
                  </span>
                ))}
                <span className="waterfall__deadline-label" style={{ left: `${g.deadlinePct}%` }}>
                  deadline
                </span>
              </div>
            </th>
          </tr>
        </thead>
        <tbody>
          {g.rows.map((row) => (
            <tr
              key={row.id}
              data-testid={`waterfall-row-${row.id}`}
              data-status={row.status}
              data-failover={row.failover}
            >
              <th scope="row">
                {row.id}
                <div className="muted">
                  {row.integration}.{row.operation}
                </div>
              </th>
              <td>
                <StatusBadge status={row.status} />
                {row.errorMessage && <div className="muted">{row.errorMessage}</div>}
              </td>
              <td>{ms(row.startMs)}</td>
              <td>
                {ms(row.durationMs)}
                {row.attempts > 1 && <div className="muted">{row.attempts} attempts</div>}
              </td>
              <td>{cacheText[row.cache]}</td>
              <td>
                <AnsweredBy row={row} />
              </td>
              <td className="waterfall__track-cell">
                <div className="waterfall__track">
                  <span
                    className={`waterfall__bar waterfall__bar--${row.status}`}
                    data-testid="waterfall-bar"
                    style={{ left: `${row.leftPct}%`, width: `${row.widthPct}%` }}
                  />
                  <span
                    className="waterfall__deadline"
                    data-testid="waterfall-deadline"
                    style={{ left: `${g.deadlinePct}%` }}
                  />
                  <span className="visually-hidden">
                    from {ms(row.startMs)} to {ms(row.endMs)}
                    {row.pastDeadline ? ', past the deadline' : ''}
                  </span>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        <span aria-hidden="true">┆</span> The dashed line is the whole-view deadline (
        {ms(g.deadlineMs)}
        ); every source runs under it.
      </p>
    </figure>
  );
});
