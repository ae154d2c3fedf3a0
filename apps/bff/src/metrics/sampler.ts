// Reads upstream call events and, once a second, turns them into one sample per integration.
import type { BusEvent } from '@switchboard/shared/events';
import type { IntegrationSample, SampleMessage } from '@switchboard/shared/stream';

interface Window {
  calls: number;
  errors: number;
  latencies: number[];
}

export interface Sampler {
  /** Feed one bus event; subscribe this to the event bus. */
  record: (event: BusEvent) => void;
  /** Closes the current window and returns its sample (without a sequence number). */
  flush: () => Omit<SampleMessage, 'seq'>;
}

/**
 * @param integrations names always present in a sample, so an idle integration shows zero calls
 *   rather than disappearing from the chart.
 * @example const s = createSampler(['users'], Date.now); bus.subscribe(s.record); hub.publish(s.flush());
 */
export function createSampler(integrations: readonly string[], now: () => number): Sampler {
  const empty = (): Window => ({ calls: 0, errors: 0, latencies: [] });
  let windows = new Map(integrations.map((name) => [name, empty()]));
  let windowStart = now();

  return {
    record(event) {
      if (event.type !== 'upstream.call') return;
      let w = windows.get(event.integration);
      if (!w) windows.set(event.integration, (w = empty()));
      w.calls += 1;
      if (event.outcome === 'error') w.errors += 1;
      w.latencies.push(event.latencyMs);
    },
    flush() {
      const at = windowStart;
      const done = windows;
      windows = new Map([...done.keys()].map((name) => [name, empty()]));
      windowStart = now();
      const samples: IntegrationSample[] = [...done].map(([integration, w]) => ({
        integration,
        calls: w.calls,
        errors: w.errors,
        latencyMs: summarise(w.latencies),
      }));
      return { type: 'integrations.sample', topic: 'integrations', at, samples };
    },
  };
}

function summarise(latencies: number[]): IntegrationSample['latencyMs'] {
  if (latencies.length === 0) return null;
  const sorted = latencies.toSorted((a, b) => a - b);
  // Nearest-rank percentiles: exact for the raw values of one window.
  const rank = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
  const r = (ms: number) => Math.round(ms * 10) / 10;
  return { p50: r(rank(0.5)), p95: r(rank(0.95)), max: r(sorted[sorted.length - 1] ?? 0) };
}
