// The metrics registry port on Node: prom-client, one Registry per app (never the global one), with
// the default process metrics (CPU, memory, event-loop lag, GC) on it.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricsRegistry } from '../../telemetry/metrics';

/**
 * @example const registry = createPrometheusRegistry(); createTelemetryMetrics(registry, names);
 */
export function createPrometheusRegistry(
  options: { defaultMetrics?: boolean } = {},
): MetricsRegistry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return {
    counter(name, help, labelNames) {
      return new Counter({ name, help, labelNames, registers: [registry] });
    },
    histogram(name, help, labelNames, buckets) {
      return new Histogram({
        name,
        help,
        labelNames,
        buckets: [...buckets],
        registers: [registry],
      });
    },
    gauge(name, help, labelNames) {
      return new Gauge({ name, help, labelNames, registers: [registry] });
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
