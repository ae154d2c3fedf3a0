// The metrics registry port on Node: one prom-client Registry per app (never the global one), with
// the default process metrics (CPU, memory, event-loop lag, GC) on it. Switchboard's own counters,
// gauges and histograms are small metric objects of ours registered on that registry: they are
// updated about ten times per view (per upstream call and attempt), and prom-client's per-update
// label validation and sorted-key hashing cost more there than the rest of the bookkeeping.
import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';
import type {
  Labels,
  MetricCounter,
  MetricGauge,
  MetricHistogram,
  MetricsRegistry,
} from '../../telemetry/metrics';

/**
 * @example const registry = createPrometheusRegistry(); createTelemetryMetrics(registry, names);
 */
export function createPrometheusRegistry(
  options: { defaultMetrics?: boolean } = {},
): MetricsRegistry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const register = <T extends { name: string }>(metric: T): T => {
    // prom-client renders any object with a name, a type and get(); its Metric class is not needed.
    registry.registerMetric(metric as unknown as Metric);
    return metric;
  };
  return {
    counter: (name, help, labelNames) => register(new FastCounter(name, help, labelNames)),
    histogram: (name, help, labelNames, buckets) =>
      register(new FastHistogram(name, help, labelNames, buckets)),
    gauge: (name, help, labelNames) => register(new FastGauge(name, help, labelNames)),
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/** One labelled series of a metric. */
interface Series {
  labels: Labels;
}

/** A sample as prom-client's registry renders it. */
interface RenderedValue {
  labels: Labels;
  value: number;
  metricName?: string;
}

/**
 * Series found by the label values in the metric's own label order, one map per label: label
 * values are mostly the catalog's own strings, whose hashes are cached, so a lookup neither builds
 * nor hashes a key. A label set is checked against the label names when its series is created, so
 * a wrong name still fails loudly, as in prom-client.
 */
abstract class LabelledMetric<S extends Series> {
  /** Nested maps, one level per label name; the last level holds the series. */
  private readonly root = new Map<string, unknown>();
  protected readonly all: S[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
  ) {}

  protected seriesOf(labels: Labels): S {
    const names = this.labelNames;
    let level = this.root;
    const last = names.length - 1;
    for (let i = 0; i < last; i++) {
      const value = labels[names[i] ?? ''] ?? '';
      let next = level.get(value) as Map<string, unknown> | undefined;
      if (next === undefined) level.set(value, (next = new Map<string, unknown>()));
      level = next;
    }
    const leaf = last < 0 ? '' : (labels[names[last] ?? ''] ?? '');
    let s = level.get(leaf) as S | undefined;
    if (s === undefined) {
      for (const name of Object.keys(labels)) {
        if (!names.includes(name))
          throw new Error(`Added label "${name}" is not included in initial labelset`);
      }
      s = this.create({ ...labels });
      level.set(leaf, s);
      this.all.push(s);
    }
    return s;
  }

  protected abstract create(labels: Labels): S;
}

class FastCounter extends LabelledMetric<Series & { value: number }> implements MetricCounter {
  readonly type = 'counter';

  inc(labels: Labels, value = 1): void {
    if (!(value >= 0)) throw new Error(`Counters only go up; got ${value}`);
    this.seriesOf(labels).value += value;
  }

  protected create(labels: Labels) {
    return { labels, value: 0 };
  }

  get() {
    const values: RenderedValue[] = [];
    for (const s of this.all) values.push({ labels: s.labels, value: s.value });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }
}

class FastGauge extends LabelledMetric<Series & { value: number }> implements MetricGauge {
  readonly type = 'gauge';

  set(labels: Labels, value: number): void {
    this.seriesOf(labels).value = value;
  }

  protected create(labels: Labels) {
    return { labels, value: 0 };
  }

  get() {
    const values: RenderedValue[] = [];
    for (const s of this.all) values.push({ labels: s.labels, value: s.value });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }
}

interface HistogramSeries extends Series {
  /** Observations per bucket (not cumulative), the last slot for those above every bound. */
  counts: number[];
  sum: number;
  count: number;
}

class FastHistogram extends LabelledMetric<HistogramSeries> implements MetricHistogram {
  readonly type = 'histogram';
  private readonly bounds: readonly number[];

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: readonly number[],
  ) {
    super(name, help, labelNames);
    this.bounds = [...buckets].sort((a, b) => a - b);
  }

  observe(labels: Labels, value: number): void {
    const s = this.seriesOf(labels);
    let i = 0;
    while (i < this.bounds.length && value > (this.bounds[i] ?? Infinity)) i++;
    s.counts[i] = (s.counts[i] ?? 0) + 1;
    s.sum += value;
    s.count += 1;
  }

  protected create(labels: Labels): HistogramSeries {
    return { labels, counts: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
  }

  get() {
    const values: RenderedValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.all) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += s.counts[i] ?? 0;
        values.push({
          labels: { ...s.labels, le: String(bound) },
          value: cumulative,
          metricName: bucket,
        });
      });
      values.push({ labels: { ...s.labels, le: '+Inf' }, value: s.count, metricName: bucket });
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }
}
