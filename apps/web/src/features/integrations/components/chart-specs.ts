// What each of the detail page's four charts plots, shared by the live charts (plain SVG,
// live-charts.tsx) and the history charts (recharts, detail-charts.tsx).
import type { ErrorKind } from '@switchboard/shared/upstreams';
import { errorKinds, type DetailPoint } from '../streams/live-detail';

// Okabe–Ito: distinguishable for the common colour-vision deficiencies; lines also differ by dash.
export const colours = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
];

export type SeriesKey = Exclude<keyof DetailPoint, 'at' | 'breaker'>;

export interface Series {
  key: SeriesKey;
  name: string;
  colour: string;
  dash?: string;
}

export interface ChartSpec {
  title: string;
  testId: string;
  unit: string;
  /** Lines; one filled area; or bars stacked per point. */
  shape: 'line' | 'area' | 'bar';
  /** The series to draw; a function of the points where only some occur (error kinds). */
  series: readonly Series[] | ((points: readonly DetailPoint[]) => Series[]);
}

const colour = (i: number) => colours[i % colours.length] ?? '#0072B2';

export const seriesOf = (spec: ChartSpec, points: readonly DetailPoint[]): readonly Series[] =>
  typeof spec.series === 'function' ? spec.series(points) : spec.series;

export const latencySpec: ChartSpec = {
  title: 'Latency p50 / p95 / p99 (ms)',
  testId: 'chart-latency',
  unit: ' ms',
  shape: 'line',
  series: [
    { key: 'p50', name: 'p50', colour: colour(0), dash: '' },
    { key: 'p95', name: 'p95', colour: colour(1), dash: '6 3' },
    { key: 'p99', name: 'p99', colour: colour(2), dash: '2 2' },
  ],
};

export const throughputSpec: ChartSpec = {
  title: 'Throughput (calls/s)',
  testId: 'chart-throughput',
  unit: '/s',
  shape: 'area',
  series: [{ key: 'throughput', name: 'calls/s', colour: colour(0) }],
};

export const errorsSpec: ChartSpec = {
  title: 'Errors by kind (per second)',
  testId: 'chart-errors',
  unit: '/s',
  shape: 'bar',
  // Only kinds that occurred get a series (and a legend entry).
  series: (points) =>
    errorKinds
      .filter((kind: ErrorKind) => points.some((p) => (p[`kind_${kind}`] ?? 0) > 0))
      .map((kind, i) => ({ key: `kind_${kind}` as const, name: kind, colour: colour(i) })),
};

export const retriesSpec: ChartSpec = {
  title: 'Retries and cache hits (per second)',
  testId: 'chart-retries',
  unit: '/s',
  shape: 'line',
  series: [
    { key: 'retries', name: 'retries', colour: colour(5) },
    { key: 'cacheHits', name: 'cache hits', colour: colour(2), dash: '6 3' },
  ],
};

export const detailSpecs = [latencySpec, throughputSpec, errorsSpec, retriesSpec] as const;
