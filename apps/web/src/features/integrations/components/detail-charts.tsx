// The detail page's charts: one memoised chart component driven by a spec per chart (what to plot,
// as lines, an area or stacked bars). Each draws without animation and keeps its number of points
// bounded upstream. A new points array (at most one a second, live) reaches the four charts in
// four successive animation frames rather than in one commit, so redrawing them is four short tasks
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
import type { ErrorKind } from '@switchboard/shared/upstreams';
import { errorKinds, type DetailPoint } from '../streams/live-detail';
import { liveChartAnimations } from '../../../lib/perf-flags';
import { timeLabel } from '../time-label';

// Okabe–Ito: distinguishable for the common colour-vision deficiencies; lines also differ by dash.
const colours = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442'];

interface ChartProps {
  points: DetailPoint[];
  /** A moment to mark (an incident link's `at`). */
  at: number | null;
}

type SeriesKey = Exclude<keyof DetailPoint, 'at' | 'breaker'>;

interface Series {
  key: SeriesKey;
  name: string;
  colour: string;
  dash?: string;
}

interface ChartSpec {
  title: string;
  testId: string;
  unit: string;
  shape: 'line' | 'area' | 'bar';
  /** The series to draw; a function of the points where only some occur (error kinds). */
  series: readonly Series[] | ((points: readonly DetailPoint[]) => Series[]);
}

const latencySpec: ChartSpec = {
  title: 'Latency p50 / p95 / p99 (ms)',
  testId: 'chart-latency',
  unit: ' ms',
  shape: 'line',
  series: [
    { key: 'p50', name: 'p50', colour: colours[0] ?? '', dash: '' },
    { key: 'p95', name: 'p95', colour: colours[1] ?? '', dash: '6 3' },
    { key: 'p99', name: 'p99', colour: colours[2] ?? '', dash: '2 2' },
  ],
};

const throughputSpec: ChartSpec = {
  title: 'Throughput (calls/s)',
  testId: 'chart-throughput',
  unit: '/s',
  shape: 'area',
  series: [{ key: 'throughput', name: 'calls/s', colour: colours[0] ?? '' }],
};

const errorsSpec: ChartSpec = {
  title: 'Errors by kind (per second)',
  testId: 'chart-errors',
  unit: '/s',
  shape: 'bar',
  // Only kinds that occurred get a bar series (and a legend entry).
  series: (points) =>
    errorKinds
      .filter((kind: ErrorKind) => points.some((p) => (p[`kind_${kind}`] ?? 0) > 0))
      .map((kind, i) => ({
        key: `kind_${kind}` as const,
        name: kind,
        colour: colours[i % colours.length] ?? '',
      })),
};

const retriesSpec: ChartSpec = {
  title: 'Retries and cache hits (per second)',
  testId: 'chart-retries',
  unit: '/s',
  shape: 'line',
  series: [
    { key: 'retries', name: 'retries', colour: colours[5] ?? '' },
    { key: 'cacheHits', name: 'cache hits', colour: colours[2] ?? '', dash: '6 3' },
  ],
};

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
  if (shape === 'area')
    return (
      <Area
        key={s.key}
        dataKey={s.key}
        name={s.name}
        stroke={s.colour}
        fill={s.colour}
        fillOpacity={0.25}
        isAnimationActive={animate}
      />
    );
  if (shape === 'bar')
    return (
      <Bar
        key={s.key}
        dataKey={s.key}
        name={s.name}
        stackId="stack"
        fill={s.colour}
        isAnimationActive={animate}
      />
    );
  return (
    <Line
      key={s.key}
      dataKey={s.key}
      name={s.name}
      stroke={s.colour}
      strokeDasharray={s.dash}
      dot={false}
      isAnimationActive={animate}
      connectNulls={false}
      strokeWidth={2}
    />
  );
}

/**
 * Which mark is which series, as plain HTML beside the title: recharts' own legend measures itself
 * after every redraw and so costs each live update another commit.
 */
function SeriesLegend({ shape, series }: { shape: ChartSpec['shape']; series: readonly Series[] }) {
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
        </li>
      ))}
    </ul>
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
  const series = typeof spec.series === 'function' ? spec.series(points) : spec.series;
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

export const LatencyPercentilesChart = memo(function LatencyPercentilesChart(props: ChartProps) {
  return <StaggeredChart spec={latencySpec} slot={0} {...props} />;
});

export const ThroughputChart = memo(function ThroughputChart(props: ChartProps) {
  return <StaggeredChart spec={throughputSpec} slot={1} {...props} />;
});

export const ErrorsByKindChart = memo(function ErrorsByKindChart(props: ChartProps) {
  return <StaggeredChart spec={errorsSpec} slot={2} {...props} />;
});

export const RetriesCacheChart = memo(function RetriesCacheChart(props: ChartProps) {
  return <StaggeredChart spec={retriesSpec} slot={3} {...props} />;
});
