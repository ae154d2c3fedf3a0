// Bucketed sliding-window counters.
import { describe, expect, it } from 'vitest';
import { SlidingWindow } from './sliding-window';

describe('SlidingWindow', () => {
  it('sums each series over the window and lets old buckets go', () => {
    const w = new SlidingWindow(1_000, 10, 2, 0);
    w.add(0, 0);
    w.add(50, 0);
    w.add(250, 1, 3);
    expect([w.total(250, 0), w.total(250, 1)]).toEqual([2, 3]);
    // The bucket of t=0..99 leaves once the window has moved a full 1 000 ms on.
    expect(w.total(999, 0)).toBe(2);
    expect(w.total(1_000, 0)).toBe(0);
    expect(w.total(1_000, 1)).toBe(3);
    expect(w.total(5_000, 1)).toBe(0);
  });

  it('restores saved buckets on another clock, and drops them if the bucket size changed', () => {
    const w = new SlidingWindow(1_000, 10, 2, 40_000);
    w.add(40_000, 0, 2);
    w.add(40_300, 1);
    const saved = w.toJSON(40_500);
    expect(saved.buckets).toHaveLength(10);

    const restored = new SlidingWindow(1_000, 10, 2, 0);
    restored.restore(saved, 30); // near the start of the clock: epochs before 0 wrap
    expect([restored.total(30, 0), restored.total(30, 1)]).toEqual([2, 1]);
    expect(restored.total(530, 0)).toBe(0); // aged out as it would have on the old clock

    const coarser = new SlidingWindow(1_000, 5, 2, 0);
    coarser.restore(saved, 0);
    expect(coarser.total(0, 0)).toBe(0);
  });
});
