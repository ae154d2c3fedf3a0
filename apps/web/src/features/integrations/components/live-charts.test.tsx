// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveCharts } from './live-charts';
import { detailPoint as point } from '../test-fixtures';

describe('LiveCharts', () => {
  afterEach(cleanup);

  it('draws the four charts with each series and its latest value in the legend', () => {
    const points = [point(1_000), point(2_000, { p95: 42.4, kind_timeout: 2, throughput: 7 })];
    render(<LiveCharts points={points} at={null} />);
    const latency = screen.getByTestId('chart-latency');
    expect(latency.getAttribute('data-points')).toBe('2');
    expect(within(latency).getByRole('list').textContent).toContain('p95 42.4 ms');
    expect(latency.querySelectorAll('svg.live-chart__plot path[stroke]')).toHaveLength(3);
    expect(screen.getByTestId('chart-throughput').textContent).toContain('calls/s 7/s');
    // Only the kinds that occurred get a series.
    const errors = screen.getByTestId('chart-errors');
    expect(within(errors).getByRole('list').textContent).toBe('timeout 2/s');
    expect(screen.getByTestId('chart-retries').textContent).toContain('cache hits 0/s');
  });

  it('marks a moment inside the span, and draws nothing but frames before the first second', () => {
    const { rerender } = render(<LiveCharts points={[point(1_000), point(3_000)]} at={2_000} />);
    expect(screen.getByTestId('chart-latency').querySelector('.live-chart__moment')).not.toBeNull();
    rerender(<LiveCharts points={[]} at={null} />);
    expect(screen.getByTestId('chart-latency').getAttribute('data-points')).toBe('0');
    expect(screen.getByTestId('chart-errors').querySelector('ul')).toBeNull();
  });
});
