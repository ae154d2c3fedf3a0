import { describe, expect, it } from 'vitest';
import { lttb } from './lttb';

type P = { at: number; v: number | null };
const x = (p: P) => p.at;
const y = (p: P) => p.v;

describe('lttb', () => {
  it('returns a copy when there are no more points than the threshold', () => {
    const points: P[] = [
      { at: 0, v: 1 },
      { at: 1, v: 2 },
    ];
    const out = lttb(points, 10, x, y);
    expect(out).toEqual(points);
    expect(out).not.toBe(points);
  });

  it('keeps exactly `threshold` points, the first and the last among them, in order', () => {
    const points: P[] = Array.from({ length: 1000 }, (_, i) => ({ at: i, v: Math.sin(i / 20) }));
    const out = lttb(points, 100, x, y);
    expect(out).toHaveLength(100);
    expect(out[0]).toBe(points[0]);
    expect(out.at(-1)).toBe(points.at(-1));
    const ats = out.map((p) => p.at);
    expect(ats).toEqual([...ats].sort((a, b) => a - b));
  });

  it('keeps a lone spike that averaging would flatten', () => {
    const points: P[] = Array.from({ length: 500 }, (_, i) => ({ at: i, v: i === 251 ? 900 : 10 }));
    const out = lttb(points, 20, x, y);
    expect(out.some((p) => p.v === 900)).toBe(true);
  });

  it('copes with gaps (null values) without failing or inventing values', () => {
    const points: P[] = Array.from({ length: 300 }, (_, i) => ({
      at: i,
      v: i % 7 === 0 ? null : i,
    }));
    const out = lttb(points, 30, x, y);
    expect(out).toHaveLength(30);
    for (const p of out) expect(points).toContain(p);
  });
});
