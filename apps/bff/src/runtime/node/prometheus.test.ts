// The Node registry renders our own counters, gauges and histograms as a scraper reads them.
import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from '../../telemetry/prometheus-text';
import { createPrometheusRegistry } from './prometheus';

describe('createPrometheusRegistry', () => {
  it('renders counters, gauges and cumulative histograms per label set', async () => {
    const registry = createPrometheusRegistry({ defaultMetrics: false });
    const calls = registry.counter('t_calls_total', 'Calls', ['integration', 'outcome']);
    const level = registry.gauge('t_level', 'Level', ['integration']);
    const latency = registry.histogram('t_seconds', 'Latency', ['integration'], [0.1, 1]);
    calls.inc({ integration: 'a', outcome: 'ok' });
    calls.inc({ outcome: 'ok', integration: 'a' }, 2);
    calls.inc({ integration: 'b', outcome: 'error' });
    level.set({ integration: 'a' }, 0.25);
    level.set({ integration: 'a' }, 0.5);
    for (const v of [0.05, 0.1, 0.5, 3]) latency.observe({ integration: 'a' }, v);

    const { body, contentType } = await registry.render();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(body);
    expect(families.get('t_calls_total')?.type).toBe('counter');
    expect(families.get('t_level')?.type).toBe('gauge');
    expect(families.get('t_seconds')?.type).toBe('histogram');
    expect(sampleValue(families, 't_calls_total', { integration: 'a', outcome: 'ok' })).toBe(3);
    expect(sampleValue(families, 't_calls_total', { integration: 'b', outcome: 'error' })).toBe(1);
    expect(sampleValue(families, 't_level', { integration: 'a' })).toBe(0.5);
    const bucket = (le: string) =>
      sampleValue(families, 't_seconds_bucket', { integration: 'a', le });
    // A value equal to a bound falls in that bound's bucket, as in Prometheus.
    expect([bucket('0.1'), bucket('1'), bucket('+Inf')]).toEqual([2, 3, 4]);
    expect(sampleValue(families, 't_seconds_count', { integration: 'a' })).toBe(4);
    expect(sampleValue(families, 't_seconds_sum', { integration: 'a' })).toBeCloseTo(3.65);
  });

  it('refuses a label the metric was not declared with, and a counter going down', () => {
    const registry = createPrometheusRegistry({ defaultMetrics: false });
    const calls = registry.counter('t_calls_total', 'Calls', ['integration']);
    expect(() => calls.inc({ integration: 'a', extra: 'x' })).toThrow(/extra/);
    expect(() => calls.inc({ integration: 'a' }, -1)).toThrow(/only go up/);
  });
});
