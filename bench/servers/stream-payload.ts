// The benchmark's update: an `integrations.sample` of about 1 KB whose `at` is the send time (epoch
// ms, sub-millisecond), so a client on the same machine measures delivery latency.
import type { SampleMessage } from '@switchboard/shared/stream';

export const benchIntegration = 'bench';

/** Wall-clock milliseconds: comparable across processes (performance.timeOrigin can be skewed by tens of ms). */
export const preciseNow = () => Date.now();

/** The message without its sequence number; 14 rows make it ~1 KB serialised. */
export function benchUpdate(): Omit<SampleMessage, 'seq'> {
  return {
    type: 'integrations.sample',
    topic: 'integrations',
    at: preciseNow(),
    samples: Array.from({ length: 14 }, (_, i) => ({
      integration: i === 0 ? benchIntegration : `bench-${i}`,
      calls: 1000 + i,
      errors: i,
      latencyMs: { p50: 12.5, p95: 48.25, max: 120.75 },
    })),
  };
}
