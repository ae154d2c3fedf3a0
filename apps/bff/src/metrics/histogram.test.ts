import { LatencySketchSchema } from '@switchboard/shared/metrics';
import { describe, expect, it } from 'vitest';
import {
  createSketch,
  mergeSketches,
  nearestRank,
  sketchFromJSON,
  sketchRelativeError,
} from './histogram';

/** A seeded generator (mulberry32), so every run sees the same "random" data. */
function seeded(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Latency-like data: log-normal around ~30 ms with a long tail, plus some sub-millisecond values. */
function latencies(n: number, seed: number): number[] {
  const random = seeded(seed);
  return Array.from({ length: n }, () => {
    const u = Math.max(random(), 1e-12);
    const v = random();
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.exp(3.4 + 1.2 * normal);
  });
}

const exact = (values: number[], p: number) => {
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[nearestRank(p, sorted.length) - 1] ?? NaN;
};

const quantiles = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

describe('latency sketch', () => {
  it('reports every quantile within the stated relative error of the exact nearest-rank value', () => {
    for (const seed of [1, 2, 3]) {
      const values = latencies(20_000, seed);
      const sketch = createSketch();
      for (const v of values) sketch.add(v);
      expect(sketch.count).toBe(values.length);
      for (const p of quantiles) {
        const truth = exact(values, p);
        const estimate = sketch.quantile(p) ?? NaN;
        // A hair over α for floating-point rounding in the logarithm at bucket boundaries.
        expect(Math.abs(estimate - truth) / truth).toBeLessThanOrEqual(sketchRelativeError + 1e-9);
      }
    }
  });

  it('gives exact min and max, and nearest rank on small known data', () => {
    const sketch = createSketch();
    for (let ms = 1; ms <= 100; ms++) sketch.add(ms);
    expect(sketch.min).toBe(1);
    expect(sketch.max).toBe(100);
    expect(sketch.quantile(1)).toBe(100);
    expect(sketch.quantile(0)).toBe(1);
    const p95 = sketch.quantile(0.95) ?? NaN;
    expect(Math.abs(p95 - 95) / 95).toBeLessThanOrEqual(sketchRelativeError);
    expect(createSketch().quantile(0.5)).toBeNull();
  });

  it('counts zero and sub-microsecond values in the zero bucket', () => {
    const sketch = createSketch();
    sketch.add(0, 3);
    sketch.add(0.0001);
    sketch.add(50);
    expect(sketch.quantile(0.5)).toBe(0);
    expect(sketch.quantile(0.8)).toBe(0);
    expect(Math.abs((sketch.quantile(1) ?? NaN) - 50)).toBe(0);
  });

  it('merges exactly: merge(a, b) is the sketch of the union, in any order', () => {
    const a = latencies(5_000, 10);
    const b = latencies(7_000, 11);
    const sa = createSketch();
    const sb = createSketch();
    const union = createSketch();
    for (const v of a) sa.add(v);
    for (const v of b) sb.add(v);
    for (const v of [...a, ...b]) union.add(v);
    const ab = mergeSketches([sa, sb]);
    const ba = mergeSketches([sb.toJSON(), sa]);
    for (const merged of [ab, ba]) {
      const { sum, ...rest } = merged.toJSON();
      const { sum: unionSum, ...unionRest } = union.toJSON();
      expect(rest).toEqual(unionRest);
      // Only the floating-point sum depends on the order of addition.
      expect(sum).toBeCloseTo(unionSum, 6);
      for (const p of quantiles) expect(merged.quantile(p)).toBe(union.quantile(p));
    }
    // The inputs are not changed by merging.
    expect(sa.count).toBe(a.length);
  });

  it('round-trips through its compact JSON form', () => {
    const sketch = createSketch();
    for (const v of latencies(3_000, 7)) sketch.add(v);
    sketch.add(0, 2);
    const json = JSON.stringify(sketch);
    const back = sketchFromJSON(LatencySketchSchema.parse(JSON.parse(json)));
    expect(back.toJSON()).toEqual(sketch.toJSON());
    for (const p of quantiles) expect(back.quantile(p)).toBe(sketch.quantile(p));
    // Compact: a few thousand latencies spanning 4 decades fit in a few hundred buckets.
    expect(json.length).toBeLessThan(4_000);
  });
});
