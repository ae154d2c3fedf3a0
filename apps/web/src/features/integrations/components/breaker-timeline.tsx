// The breaker's state over the charted period as a band: each state has its own colour, pattern and
// label, and the runs are also listed as text.
import type { BreakerState } from '@switchboard/shared/events';
import { memo } from 'react';
import type { BreakerSegment } from '../streams/live-detail';
import { timeLabel } from '../time-label';

const looks: Record<BreakerState, { fill: string; label: string; icon: string }> = {
  closed: { fill: 'var(--ok)', label: 'Closed', icon: '●' },
  'half-open': { fill: 'url(#half-open-stripes)', label: 'Half-open', icon: '◆' },
  open: { fill: 'var(--error)', label: 'Open', icon: '▲' },
};

export const BreakerTimeline = memo(function BreakerTimeline({
  segments,
}: {
  segments: BreakerSegment[];
}) {
  const first = segments[0];
  const last = segments.at(-1);
  if (!first || !last)
    return <p className="placeholder">No breaker states recorded in this period yet.</p>;
  const span = Math.max(1, last.to - first.from);
  return (
    <figure className="detail-chart" data-testid="breaker-timeline">
      <figcaption>Breaker state</figcaption>
      <svg
        className="breaker-timeline"
        viewBox="0 0 1000 20"
        preserveAspectRatio="none"
        aria-hidden="true"
      >
        <defs>
          <pattern
            id="half-open-stripes"
            width="6"
            height="6"
            patternUnits="userSpaceOnUse"
            patternTransform="rotate(45)"
          >
            <rect width="3" height="6" fill="var(--warn)" />
          </pattern>
        </defs>
        {segments.map((s) => (
          <rect
            key={s.from}
            x={((s.from - first.from) / span) * 1000}
            width={Math.max(1, ((s.to - s.from) / span) * 1000)}
            y={s.state === 'open' ? 0 : s.state === 'half-open' ? 4 : 8}
            height={s.state === 'open' ? 20 : s.state === 'half-open' ? 12 : 4}
            fill={looks[s.state].fill}
          />
        ))}
      </svg>
      <ol className="breaker-legend" aria-label="Breaker states over time">
        {segments.slice(-6).map((s) => (
          <li key={s.from} data-state={s.state}>
            <span aria-hidden="true">{looks[s.state].icon}</span> {looks[s.state].label}{' '}
            {timeLabel(s.from)}–{timeLabel(s.to)}
          </li>
        ))}
      </ol>
    </figure>
  );
});
