// The time range every chart page shares, kept in the URL (`?range=`): live, or a window of history.
import { useId } from 'react';
import { useSearchChoice } from '../lib/router/search-state';

export const timeRanges = ['live', '15m', '1h', '24h', '7d'] as const;
export type TimeRange = (typeof timeRanges)[number];

const labels: Record<TimeRange, string> = {
  live: 'Live',
  '15m': 'Last 15 minutes',
  '1h': 'Last hour',
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
};

/**
 * The range in the URL (default `live`; unknown values read as `live`) and a setter that adds a
 * history entry, so Back returns to the previous range.
 * @example const [range, setRange] = useTimeRange();
 */
export function useTimeRange(): [TimeRange, (range: TimeRange) => void] {
  return useSearchChoice('range', timeRanges, 'live');
}

export function TimeRangePicker() {
  const [range, setRange] = useTimeRange();
  const id = useId();
  return (
    <span className="time-range">
      <label htmlFor={id}>Time range</label>{' '}
      <select
        id={id}
        value={range}
        onChange={(event) => {
          const next = timeRanges.find((r) => r === event.target.value);
          if (next) setRange(next);
        }}
      >
        {timeRanges.map((r) => (
          <option key={r} value={r}>
            {labels[r]}
          </option>
        ))}
      </select>
    </span>
  );
}
