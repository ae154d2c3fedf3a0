// Geometry for the live detail charts (live-charts.tsx): SVG path strings in a fixed viewBox, built
// straight from the ring buffer's points — no charting library, so four charts redraw every second
// in a millisecond or two rather than recharts' tens of milliseconds each (issue 6's benchmark).
import type { DetailPoint } from './live-detail';

export type PlotKey = Exclude<keyof DetailPoint, 'at' | 'breaker'>;

export interface PlotFrame {
  /** Time span drawn (epoch ms). */
  from: number;
  to: number;
  /** The value at the top of the plot: a round number at or above the largest drawn. */
  yMax: number;
}

/**
 * The smallest 1, 2 or 5 × 10ⁿ at or above `value` (1 for nothing to draw).
 * @example niceCeiling(37) // 50
 */
export function niceCeiling(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const m = value / power;
  // Rounding noise (0.30000000000000004) must not push a value over its step.
  const step = m <= 1 + 1e-9 ? 1 : m <= 2 + 1e-9 ? 2 : m <= 5 + 1e-9 ? 5 : 10;
  return step * power;
}

const valueOf = (p: DetailPoint, key: PlotKey): number | null => {
  const v = p[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

/** The span and scale for `points`; bars stack, so their scale is the largest sum per point. */
export function plotFrame(
  points: readonly DetailPoint[],
  keys: readonly PlotKey[],
  stacked: boolean,
): PlotFrame {
  const from = points[0]?.at ?? 0;
  const to = Math.max(from + 1, points.at(-1)?.at ?? from);
  let max = 0;
  for (const p of points) {
    let sum = 0;
    for (const key of keys) {
      const v = valueOf(p, key) ?? 0;
      sum += v;
      if (!stacked) max = Math.max(max, v);
    }
    if (stacked) max = Math.max(max, sum);
  }
  return { from, to, yMax: niceCeiling(max) };
}

const fixed = (n: number) => n.toFixed(1);

/** Where a chart draws: its frame, in a `width` × `height` viewBox. */
export interface PlotBox {
  frame: PlotFrame;
  width: number;
  height: number;
}

/** x of a moment in a `width`-wide plot. */
export const xOf = (at: number, frame: PlotFrame, width: number) =>
  ((at - frame.from) / (frame.to - frame.from)) * width;

/** A line through `key`'s values; a null (a second with no value) breaks it. */
export function linePath(
  points: readonly DetailPoint[],
  key: PlotKey,
  { frame, width, height }: PlotBox,
): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    const v = valueOf(p, key);
    if (v === null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${fixed(xOf(p.at, frame, width))} ${fixed(height - (v / frame.yMax) * height)}`;
    pen = true;
  }
  return d;
}

/** The area under `key`'s values, closed along the bottom (missing values count as 0). */
export function areaPath(
  points: readonly DetailPoint[],
  key: PlotKey,
  { frame, width, height }: PlotBox,
): string {
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last) return '';
  let d = `M${fixed(xOf(first.at, frame, width))} ${height}`;
  for (const p of points)
    d += `L${fixed(xOf(p.at, frame, width))} ${fixed(height - ((valueOf(p, key) ?? 0) / frame.yMax) * height)}`;
  return `${d}L${fixed(xOf(last.at, frame, width))} ${height}Z`;
}

/** One path per key: its bar of each point, stacked on the keys before it. */
export function stackedBarPaths(
  points: readonly DetailPoint[],
  keys: readonly PlotKey[],
  { frame, width, height }: PlotBox,
): string[] {
  const bar = Math.max(1, (width / Math.max(1, points.length)) * 0.8);
  const paths = keys.map(() => '');
  for (const p of points) {
    const x = fixed(xOf(p.at, frame, width) - bar / 2);
    let base = 0;
    keys.forEach((key, i) => {
      const v = valueOf(p, key) ?? 0;
      if (v <= 0) return;
      const top = height - ((base + v) / frame.yMax) * height;
      const h = (v / frame.yMax) * height;
      paths[i] += `M${x} ${fixed(top)}h${fixed(bar)}v${fixed(h)}h${fixed(-bar)}Z`;
      base += v;
    });
  }
  return paths;
}
