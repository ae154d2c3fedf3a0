// Reads upstream call events and, once a second, turns them into one sample per integration.
import type { BusEvent } from '@switchboard/shared/events';
import type { IntegrationSample, SampleMessage } from '@switchboard/shared/stream';
import type { ErrorKind } from '@switchboard/shared/upstreams';

interface Window {
  calls: number;
  errors: number;
  latencies: number[];
  errorsByKind: Partial<Record<ErrorKind, number>>;
  retries: number;
  cacheHits: number;
  providers: Record<string, number>;
}

/** Live state of one integration at the end of a second (breaker, rate limit, operator switches). */
export type SampleState = NonNullable<IntegrationSample['state']>;

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
export function createSampler(
  integrations: readonly string[],
  now: () => number,
  stateOf?: (integration: string) => SampleState | undefined,
): Sampler {
  const empty = (): Window => ({
    calls: 0,
    errors: 0,
    latencies: [],
    errorsByKind: {},
    retries: 0,
    cacheHits: 0,
    providers: {},
  });
  let windows = new Map(integrations.map((name) => [name, empty()]));
  let windowStart = now();

  return {
    record(event) {
      if (event.type !== 'upstream.call') return;
      let w = windows.get(event.integration);
      if (!w) windows.set(event.integration, (w = empty()));
      w.calls += 1;
      if (event.outcome === 'error') {
        w.errors += 1;
        const kind = event.kind ?? 'network';
        w.errorsByKind[kind] = (w.errorsByKind[kind] ?? 0) + 1;
      }
      w.latencies.push(event.latencyMs);
      w.retries += Math.max(0, event.attempts - 1);
      if (event.cache === 'hit' || event.cache === 'stale') w.cacheHits += 1;
      w.providers[event.provider] = (w.providers[event.provider] ?? 0) + 1;
    },
    flush() {
      const at = windowStart;
      const done = windows;
      windows = new Map([...done.keys()].map((name) => [name, empty()]));
      windowStart = now();
      const samples: IntegrationSample[] = [...done].map(([integration, w]) => {
        const state = stateOf?.(integration);
        return {
          integration,
          calls: w.calls,
          errors: w.errors,
          latencyMs: summarise(w.latencies),
          errorsByKind: w.errorsByKind,
          retries: w.retries,
          cacheHits: w.cacheHits,
          providers: w.providers,
          ...(state && { state }),
        };
      });
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
  return {
    p50: r(rank(0.5)),
    p95: r(rank(0.95)),
    p99: r(rank(0.99)),
    max: r(sorted[sorted.length - 1] ?? 0),
  };
}
