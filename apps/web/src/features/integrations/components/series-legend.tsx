// Which mark is which series, as plain HTML beside a chart's title (recharts' own legend measures
// itself after every redraw, costing each live update another commit); with the latest values when
// given, which is also what a screen reader reads of a live chart.
import type { ChartSpec, Series } from './chart-specs';

export function SeriesLegend({
  shape,
  series,
  latest,
}: {
  shape: ChartSpec['shape'];
  series: readonly Series[];
  /** Each series' latest value, already formatted. */
  latest?: (s: Series) => string;
}) {
  if (series.length === 0) return null;
  return (
    <ul className="chart-legend">
      {series.map((s) => (
        <li key={s.key}>
          <svg width="18" height="10" aria-hidden="true">
            {shape === 'line' ? (
              <line
                x1="0"
                y1="5"
                x2="18"
                y2="5"
                stroke={s.colour}
                strokeWidth="2"
                strokeDasharray={s.dash}
              />
            ) : (
              <rect
                x="1"
                y="1"
                width="16"
                height="8"
                fill={s.colour}
                fillOpacity={shape === 'area' ? 0.5 : 1}
              />
            )}
          </svg>
          {s.name}
          {latest && <span className="chart-legend__value"> {latest(s)}</span>}
        </li>
      ))}
    </ul>
  );
}
