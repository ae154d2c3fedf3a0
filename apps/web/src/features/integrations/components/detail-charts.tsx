// The detail page's history charts (15 min to 7 days, recharts: axes, tooltips), loaded only when a
// history range is chosen — the live range draws plain SVG (live-charts.tsx). One memoised chart
// component driven by a spec per chart (chart-specs.ts). Each draws without animation and keeps its
// number of points bounded upstream (LTTB). A new points array reaches the four charts in four
// successive animation frames rather than in one commit, so redrawing them is four shorter tasks
// instead of one long one (issue 6: no task over 50 ms on the main thread).
import { memo, useEffect, useState } from 'react';
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { DetailPoint } from '../streams/live-detail';
import { liveChartAnimations } from '../../../lib/perf-flags';
import { timeLabel } from '../time-label';
import { detailSpecs, seriesOf, type ChartSpec, type Series } from './chart-specs';
import { SeriesLegend } from './series-legend';

interface ChartProps {
  points: DetailPoint[];
  /** A moment to mark (an incident link's `at`). */
  at: number | null;
}

/**
 * `value`, handed on in the `frames + 1`th animation frame after it changes (a newer value restarts
 * the wait). The first value shows at once.
 */
function useAfterFrames<T>(value: T, frames: number): T {
  const [shown, setShown] = useState(value);
  useEffect(() => {
    let left = frames;
    let handle = 0;
    const tick = () => {
      if (left > 0) {
        left -= 1;
        handle = requestAnimationFrame(tick);
      } else setShown(() => value);
    };
    handle = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(handle);
  }, [value, frames]);
  return shown;
}

function seriesElement(shape: ChartSpec['shape'], s: Series, animate: boolean) {
  const common = { dataKey: s.key, name: s.name, isAnimationActive: animate };
  if (shape === 'area')
    return <Area key={s.key} {...common} stroke={s.colour} fill={s.colour} fillOpacity={0.25} />;
  if (shape === 'bar') return <Bar key={s.key} {...common} stackId="stack" fill={s.colour} />;
  return (
    <Line
      key={s.key}
      {...common}
      stroke={s.colour}
      strokeDasharray={s.dash}
      dot={false}
      connectNulls={false}
      strokeWidth={2}
    />
  );
}

const Plot = { line: LineChart, area: AreaChart, bar: BarChart } as const;
const margin = { top: 8, right: 12, bottom: 4, left: 0 };
const tooltipLabel = (v: unknown) => timeLabel(Number(v));

/** One chart, drawn again only when its points (or the marked moment) change. */
const DetailChart = memo(function DetailChart({
  spec,
  points,
  at,
}: ChartProps & { spec: ChartSpec }) {
  const ChartOf = Plot[spec.shape];
  const series = seriesOf(spec, points);
  const animate = liveChartAnimations();
  return (
    <figure className="detail-chart" data-testid={spec.testId} data-points={points.length}>
      <figcaption>
        {spec.title}
        <SeriesLegend shape={spec.shape} series={series} />
      </figcaption>
      <div className="detail-chart__plot">
        <ResponsiveContainer width="100%" height="100%">
          <ChartOf data={points} margin={margin}>
            <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.3} />
            <XAxis
              dataKey="at"
              type="number"
              scale="time"
              domain={['dataMin', 'dataMax']}
              tickFormatter={timeLabel}
              minTickGap={40}
            />
            <YAxis unit={spec.unit} width={72} />
            <Tooltip labelFormatter={tooltipLabel} isAnimationActive={false} />
            {at !== null && (
              <ReferenceLine
                x={at}
                stroke="#D55E00"
                strokeDasharray="4 2"
                label={{ value: 'marked moment', position: 'insideTopLeft' }}
              />
            )}
            {series.map((s) => seriesElement(spec.shape, s, animate))}
          </ChartOf>
        </ResponsiveContainer>
      </div>
    </figure>
  );
});

/** A chart whose new points arrive `slot` frames after the page's (see the file's comment). */
function StaggeredChart({
  spec,
  slot,
  points,
  at,
}: ChartProps & { spec: ChartSpec; slot: number }) {
  return <DetailChart spec={spec} points={useAfterFrames(points, slot)} at={at} />;
}

/** The four history charts, each taking new points in its own animation frame. */
export function HistoryCharts(props: ChartProps) {
  return (
    <>
      {detailSpecs.map((spec, slot) => (
        <StaggeredChart key={spec.testId} spec={spec} slot={slot} {...props} />
      ))}
    </>
  );
}
