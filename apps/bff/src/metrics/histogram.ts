// A mergeable latency sketch (DDSketch-style logarithmic buckets): percentiles within 1 % relative error.
import type { LatencySketchData } from '@switchboard/shared/metrics';

/**
 * Relative accuracy α: every percentile the sketch reports is within α × (the exact nearest-rank
 * value) of it, for values above {@link minIndexableMs}; smaller values read as 0 (absolute error
 * below 1 µs). See Masson, Rim, Lee, "DDSketch" (VLDB 2019), https://arxiv.org/abs/1908.10693.
 */
export const sketchRelativeError = 0.01;
/** Values at or below this (ms) are counted in the zero bucket. */
export const minIndexableMs = 1e-3;

const gamma = (1 + sketchRelativeError) / (1 - sketchRelativeError);
const logGamma = Math.log(gamma);

/** Bucket `i` holds values in (γ^(i-1), γ^i]; its representative value is within α of any of them. */
const indexOf = (value: number) => Math.ceil(Math.log(value) / logGamma);
const valueOf = (index: number) => (2 * Math.pow(gamma, index)) / (gamma + 1);

/** The nearest-rank position (1-based) of quantile `p` among `n` values. */
export function nearestRank(p: number, n: number): number {
  // The epsilon keeps 0.95 × 100 (= 95.00000000000001 in floating point) at rank 95.
  return Math.min(n, Math.max(1, Math.ceil(p * n - 1e-9)));
}

export interface LatencySketch {
  /** Values recorded. */
  readonly count: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly sum: number;
  add(valueMs: number, times?: number): void;
  /** Adds `other`'s counts into this sketch: exact, and the same whatever the order. */
  merge(other: LatencySketch | LatencySketchData): void;
  /** The nearest-rank `p` quantile (0..1), within {@link sketchRelativeError}; null when empty. */
  quantile(p: number): number | null;
  toJSON(): LatencySketchData;
}

/**
 * @example
 * const s = createSketch(); s.add(12.5); s.add(40);
 * s.quantile(0.95); // ≈ 40, within 1 %
 * const copy = sketchFromJSON(JSON.parse(JSON.stringify(s)));
 */
export function createSketch(): LatencySketch {
  const bins = new Map<number, number>();
  let zero = 0;
  let count = 0;
  let min: number | null = null;
  let max: number | null = null;
  let sum = 0;

  const sketch: LatencySketch = {
    get count() {
      return count;
    },
    get min() {
      return min;
    },
    get max() {
      return max;
    },
    get sum() {
      return sum;
    },
    add(valueMs, times = 1) {
      if (!(times > 0) || !Number.isFinite(valueMs)) return;
      const v = Math.max(0, valueMs);
      if (v <= minIndexableMs) zero += times;
      else {
        const i = indexOf(v);
        bins.set(i, (bins.get(i) ?? 0) + times);
      }
      count += times;
      sum += v * times;
      min = min === null ? v : Math.min(min, v);
      max = max === null ? v : Math.max(max, v);
    },
    merge(other) {
      const data = 'toJSON' in other ? other.toJSON() : other;
      let index = 0;
      let n = data.z;
      for (let k = 0; k + 1 < data.b.length; k += 2) {
        index += data.b[k] ?? 0;
        const c = data.b[k + 1] ?? 0;
        bins.set(index, (bins.get(index) ?? 0) + c);
        n += c;
      }
      zero += data.z;
      count += n;
      sum += data.sum;
      if (data.min !== null) min = min === null ? data.min : Math.min(min, data.min);
      if (data.max !== null) max = max === null ? data.max : Math.max(max, data.max);
    },
    quantile(p) {
      if (count === 0 || min === null || max === null) return null;
      const rank = nearestRank(p, count);
      // The extremes are known exactly.
      if (rank === count) return max;
      if (rank === 1) return min;
      if (rank <= zero) return 0;
      let seen = zero;
      for (const index of [...bins.keys()].sort((a, b) => a - b)) {
        seen += bins.get(index) ?? 0;
        // The exact min and max are known, so the estimate never strays outside them.
        if (seen >= rank) return Math.min(max, Math.max(min, valueOf(index)));
      }
      return max;
    },
    toJSON() {
      const b: number[] = [];
      let previous = 0;
      for (const index of [...bins.keys()].sort((a, b2) => a - b2)) {
        b.push(index - previous, bins.get(index) ?? 0);
        previous = index;
      }
      return { z: zero, b, min, max, sum };
    },
  };
  return sketch;
}

/** @example const s = sketchFromJSON(row.latency); s.quantile(0.99); */
export function sketchFromJSON(data: LatencySketchData): LatencySketch {
  const sketch = createSketch();
  sketch.merge(data);
  return sketch;
}

/** A sketch of the union of `sketches`, none of which is changed. */
export function mergeSketches(
  sketches: Iterable<LatencySketch | LatencySketchData>,
): LatencySketch {
  const merged = createSketch();
  for (const s of sketches) merged.merge(s);
  return merged;
}
