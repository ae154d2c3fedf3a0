import { describe, expect, it } from 'vitest';
import { areaPath, linePath, niceCeiling, plotFrame, stackedBarPaths, xOf } from './chart-geometry';
import { detailPoint as point } from '../test-fixtures';

describe('chart geometry', () => {
  it('rounds the scale up to 1, 2 or 5 × 10ⁿ', () => {
    expect([0, 0.3, 1, 1.2, 37, 50, 51, 999].map(niceCeiling)).toEqual([
      1, 0.5, 1, 2, 50, 50, 100, 1000,
    ]);
  });

  it('frames the time span and the largest value, or the largest stack for bars', () => {
    const points = [
      point(1000, { kind_timeout: 3 }),
      point(2000, { kind_timeout: 2, kind_http_5xx: 2 }),
    ];
    expect(plotFrame(points, ['p99'], false)).toEqual({ from: 1000, to: 2000, yMax: 50 });
    expect(plotFrame(points, ['kind_timeout', 'kind_http_5xx'], true).yMax).toBe(5);
    expect(plotFrame(points, ['kind_timeout', 'kind_http_5xx'], false).yMax).toBe(5);
    expect(plotFrame([], ['p50'], false)).toEqual({ from: 0, to: 1, yMax: 1 });
  });

  it('draws a line across the plot and breaks it where a second has no value', () => {
    const points = [point(0), point(1000, { p95: null }), point(2000, { p95: 40 })];
    const frame = plotFrame(points, ['p95'], false);
    expect(frame.yMax).toBe(50);
    expect(linePath(points, 'p95', { frame, width: 100, height: 50 })).toBe('M0.0 30.0M100.0 10.0');
    expect(xOf(1000, frame, 100)).toBe(50);
  });

  it('closes an area along the bottom', () => {
    const points = [point(0, { throughput: 5 }), point(1000, { throughput: 10 })];
    const frame = plotFrame(points, ['throughput'], false);
    expect(areaPath(points, 'throughput', { frame, width: 100, height: 10 })).toBe(
      'M0.0 10L0.0 5.0L100.0 0.0L100.0 10Z',
    );
    expect(areaPath([], 'throughput', { frame, width: 100, height: 10 })).toBe('');
  });

  it('stacks bars per point, each key on the ones before it, skipping zeros', () => {
    const points = [
      point(0, { kind_timeout: 1, kind_http_5xx: 1 }),
      point(1000, { kind_http_5xx: 2 }),
    ];
    const frame = plotFrame(points, ['kind_timeout', 'kind_http_5xx'], true);
    const [timeouts, http] = stackedBarPaths(points, ['kind_timeout', 'kind_http_5xx'], {
      frame,
      width: 100,
      height: 20,
    });
    expect(frame.yMax).toBe(2);
    expect(timeouts).toBe('M-20.0 10.0h40.0v10.0h-40.0Z');
    expect(http).toBe('M-20.0 0.0h40.0v10.0h-40.0ZM80.0 0.0h40.0v20.0h-40.0Z');
  });
});
