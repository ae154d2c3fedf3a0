import { describe, expect, it } from 'vitest';
import { liveChartAnimations, liveSeriesCapacity, parsePerfFlags } from './perf-flags';

describe('parsePerfFlags', () => {
  it('is safe when nothing is stored', () => {
    expect(parsePerfFlags(null)).toEqual({ unboundedSeries: false, animations: false });
  });

  it('reads the contrast switches', () => {
    expect(parsePerfFlags('{"unboundedSeries":true,"animations":true}')).toEqual({
      unboundedSeries: true,
      animations: true,
    });
    expect(parsePerfFlags('{"animations":true}')).toEqual({
      unboundedSeries: false,
      animations: true,
    });
  });

  it('falls back to the safe flags for anything it cannot read', () => {
    const safe = { unboundedSeries: false, animations: false };
    expect(parsePerfFlags('not json')).toEqual(safe);
    expect(parsePerfFlags('{"animations":"yes"}')).toEqual(safe);
    expect(parsePerfFlags('{"unknown":true}')).toEqual(safe);
  });
});

describe('outside the profiling build', () => {
  it('keeps series bounded and animations off', () => {
    expect(import.meta.env.MODE).not.toBe('profile');
    expect(liveSeriesCapacity(60)).toBe(60);
    expect(liveChartAnimations()).toBe(false);
  });
});
