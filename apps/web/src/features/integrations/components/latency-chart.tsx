// Live line chart of p50 latency per integration, one point per second.
import { memo } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { LatencyPoint } from '../streams/latency-series';
import { liveChartAnimations } from '../../../lib/perf-flags';

// Distinguishable in both themes and for the common colour-vision deficiencies (Okabe–Ito).
const palette = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442'];
const timeLabel = (at: number) => new Date(at).toLocaleTimeString([], { hour12: false });

export const LatencyChart = memo(function LatencyChart({
  points,
  integrations,
}: {
  points: LatencyPoint[];
  integrations: string[];
}) {
  return (
    <figure className="chart" data-testid="latency-chart" data-points={points.length}>
      <figcaption>Latency p50 per integration (ms), last {points.length} s</figcaption>
      <div className="chart__plot">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={points} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.3} />
            <XAxis dataKey="at" tickFormatter={timeLabel} minTickGap={40} />
            <YAxis unit=" ms" width={84} />
            <Tooltip labelFormatter={(at) => timeLabel(Number(at))} />
            <Legend />
            {integrations.map((name, i) => (
              <Line
                key={name}
                dataKey={name}
                name={name}
                stroke={palette[i % palette.length]}
                dot={false}
                connectNulls={false}
                isAnimationActive={liveChartAnimations()}
                strokeWidth={2}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
});
