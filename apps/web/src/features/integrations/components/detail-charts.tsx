// The detail page's charts. Each is memoised on its points array (a new one arrives at most once per
// animation frame), draws without animation, and keeps its number of points bounded upstream.
import { memo } from 'react';
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
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

// Okabe–Ito: distinguishable for the common colour-vision deficiencies; lines also differ by dash.
const colours = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442'];
const timeLabel = (at: number) => new Date(at).toLocaleTimeString([], { hour12: false });

interface ChartProps {
  points: DetailPoint[];
  /** A moment to mark (an incident link's `at`). */
  at: number | null;
}

function Frame({
  title,
  testId,
  points,
  children,
}: {
  title: string;
  testId: string;
  points: DetailPoint[];
  children: React.ReactElement;
}) {
  return (
    <figure className="detail-chart" data-testid={testId} data-points={points.length}>
      <figcaption>{title}</figcaption>
      <div className="detail-chart__plot">
        <ResponsiveContainer width="100%" height="100%">
          {children}
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

const axes = (unit: string, at: number | null) => [
  <CartesianGrid key="grid" strokeDasharray="3 3" strokeOpacity={0.3} />,
  <XAxis
    key="x"
    dataKey="at"
    type="number"
    scale="time"
    domain={['dataMin', 'dataMax']}
    tickFormatter={timeLabel}
    minTickGap={40}
  />,
  <YAxis key="y" unit={unit} width={72} />,
  <Tooltip key="tip" labelFormatter={(v) => timeLabel(Number(v))} isAnimationActive={false} />,
  <Legend key="legend" />,
  ...(at === null
    ? []
    : [
        <ReferenceLine
          key="at"
          x={at}
          stroke="#D55E00"
          strokeDasharray="4 2"
          label={{ value: 'marked moment', position: 'insideTopLeft' }}
        />,
      ]),
];

export const LatencyPercentilesChart = memo(function LatencyPercentilesChart({
  points,
  at,
}: ChartProps) {
  return (
    <Frame title="Latency p50 / p95 / p99 (ms)" testId="chart-latency" points={points}>
      <LineChart data={points} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
        {axes(' ms', at)}
        {(['p50', 'p95', 'p99'] as const).map((key, i) => (
          <Line
            key={key}
            dataKey={key}
            name={key}
            stroke={colours[i]}
            strokeDasharray={['', '6 3', '2 2'][i]}
            dot={false}
            isAnimationActive={liveChartAnimations()}
            connectNulls={false}
            strokeWidth={2}
          />
        ))}
      </LineChart>
    </Frame>
  );
});

export const ThroughputChart = memo(function ThroughputChart({ points, at }: ChartProps) {
  return (
    <Frame title="Throughput (calls/s)" testId="chart-throughput" points={points}>
      <AreaChart data={points} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
        {axes('/s', at)}
        <Area
          dataKey="throughput"
          name="calls/s"
          stroke={colours[0]}
          fill={colours[0]}
          fillOpacity={0.25}
          isAnimationActive={liveChartAnimations()}
        />
      </AreaChart>
    </Frame>
  );
});

export const ErrorsByKindChart = memo(function ErrorsByKindChart({ points, at }: ChartProps) {
  // Only kinds that occurred get a bar series (and a legend entry).
  const kinds = errorKinds.filter((kind: ErrorKind) =>
    points.some((p) => (p[`kind_${kind}`] ?? 0) > 0),
  );
  return (
    <Frame title="Errors by kind (per second)" testId="chart-errors" points={points}>
      <BarChart data={points} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
        {axes('/s', at)}
        {kinds.map((kind, i) => (
          <Bar
            key={kind}
            dataKey={`kind_${kind}`}
            name={kind}
            stackId="errors"
            fill={colours[i % colours.length]}
            isAnimationActive={liveChartAnimations()}
          />
        ))}
      </BarChart>
    </Frame>
  );
});

export const RetriesCacheChart = memo(function RetriesCacheChart({ points, at }: ChartProps) {
  return (
    <Frame title="Retries and cache hits (per second)" testId="chart-retries" points={points}>
      <LineChart data={points} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
        {axes('/s', at)}
        <Line
          dataKey="retries"
          name="retries"
          stroke={colours[5]}
          dot={false}
          isAnimationActive={liveChartAnimations()}
          strokeWidth={2}
        />
        <Line
          dataKey="cacheHits"
          name="cache hits"
          stroke={colours[2]}
          strokeDasharray="6 3"
          dot={false}
          isAnimationActive={liveChartAnimations()}
          strokeWidth={2}
        />
      </LineChart>
    </Frame>
  );
});
