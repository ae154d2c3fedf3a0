import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSweep } from './sweep';

describe('createSweep', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('visits every member once per interval, a slice of them per tick', () => {
    const visits: number[][] = [];
    let slice: number[] = [];
    const sweep = createSweep<number>({
      intervalMs: 1_000,
      slices: 4,
      beforeSlice: () => visits.push((slice = [])),
      visit: (n) => slice.push(n),
    });
    for (let n = 0; n < 8; n++) sweep.add(n);
    vi.advanceTimersByTime(1_000);
    // Four ticks, two members each: no tick touches them all.
    expect(visits.map((v) => v.length)).toEqual([2, 2, 2, 2]);
    expect(visits.flat().toSorted()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    vi.advanceTimersByTime(1_000);
    // The second interval visits each member again, in the same slice as before.
    expect(visits.slice(4)).toEqual(visits.slice(0, 4));
  });

  it('forgets deleted members (also from within a visit) and stops its timer when empty', () => {
    const seen: string[] = [];
    const sweep = createSweep<string>({
      intervalMs: 300,
      slices: 3,
      visit: (item) => {
        seen.push(item);
        if (item === 'dead') sweep.delete(item);
      },
    });
    sweep.add('a');
    sweep.add('dead');
    sweep.add('b');
    sweep.add('a');
    expect(sweep.size).toBe(3);
    vi.advanceTimersByTime(600);
    expect(seen.toSorted()).toEqual(['a', 'a', 'b', 'b', 'dead']);
    sweep.delete('a');
    sweep.delete('b');
    expect(sweep.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
