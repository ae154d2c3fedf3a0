// The detail page's live charts: plain SVG drawn from the ring buffer's points (streams/
// chart-geometry.ts), no charting library. Four recharts charts redrawn every second cost tens of
// milliseconds each and kept the page far over issue 6's budget (main thread busy ≤ 10 %, no task
// over 50 ms); these draw in a millisecond or two. The history ranges keep recharts (axes, tooltips;
// detail-charts.tsx), loaded only when one is chosen. What a screen reader gets is the latest value
// of each series, in the legend; the plot itself is drawn for the eye.
import { memo } from 'react';
import { areaPath, linePath, plotFrame, stackedBarPaths, xOf } from '../streams/chart-geometry';
import type { DetailPoint } from '../streams/live-detail';
import { timeLabel } from '../time-label';
import { detailSpecs, seriesOf, type ChartSpec, type Series } from './chart-specs';
import { SeriesLegend } from './series-legend';

/** The viewBox: the SVG stretches to its box, strokes keep their width (non-scaling-stroke). */
const width = 600;
const height = 160;

const axisNumber = (v: number) =>
  v >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1);

const LiveChart = memo(function LiveChart({
  spec,
  points,
  at,
}: {
  spec: ChartSpec;
  points: DetailPoint[];
  at: number | null;
}) {
  const series = seriesOf(spec, points);
  const keys = series.map((s) => s.key);
  const frame = plotFrame(points, keys, spec.shape === 'bar');
  const box = { frame, width, height };
  const last = points.at(-1);
  const latest = (s: Series) => {
    const v = last?.[s.key];
    return typeof v === 'number' ? `${axisNumber(v)}${spec.unit}` : '—';
  };
  const bars = spec.shape === 'bar' ? stackedBarPaths(points, keys, box) : [];
  const atX = at !== null && at >= frame.from && at <= frame.to ? xOf(at, frame, width) : null;
  return (
    <figure
      className="detail-chart live-chart"
      data-testid={spec.testId}
      data-points={points.length}
    >
      <figcaption>
        {spec.title}
        <SeriesLegend shape={spec.shape} series={series} latest={latest} />
      </figcaption>
      <div className="live-chart__body">
        <div className="live-chart__y" aria-hidden="true">
          <span>{axisNumber(frame.yMax)}</span>
          <span>{axisNumber(frame.yMax / 2)}</span>
          <span>0</span>
        </div>
        <svg
          className="live-chart__plot"
          viewBox={`0 0 ${width} ${height}`}
          preserveAspectRatio="none"
          aria-hidden="true"
        >
          <path className="live-chart__grid" d={`M0 ${height / 2}H${width}M0 0H${width}`} />
          {series.map((s, i) =>
            spec.shape === 'line' ? (
              <path
                key={s.key}
                d={linePath(points, s.key, box)}
                fill="none"
                stroke={s.colour}
                strokeWidth={2}
                strokeDasharray={s.dash}
              />
            ) : spec.shape === 'area' ? (
              <path
                key={s.key}
                d={areaPath(points, s.key, box)}
                fill={s.colour}
                fillOpacity={0.25}
                stroke={s.colour}
                strokeWidth={2}
              />
            ) : (
              <path key={s.key} d={bars[i]} fill={s.colour} />
            ),
          )}
          {atX !== null && (
            <path className="live-chart__moment" d={`M${atX.toFixed(1)} 0V${height}`} />
          )}
        </svg>
        <div className="live-chart__x" aria-hidden="true">
          <span>{last ? timeLabel(frame.from) : ''}</span>
          <span>{last ? timeLabel(frame.to) : ''}</span>
        </div>
      </div>
    </figure>
  );
});

/** The four live charts, memoised on the points (a new array at most once per animation frame). */
export function LiveCharts({ points, at }: { points: DetailPoint[]; at: number | null }) {
  return (
    <>
      {detailSpecs.map((spec) => (
        <LiveChart key={spec.testId} spec={spec} points={points} at={at} />
      ))}
    </>
  );
}
