// The metrics engine: a bus reader that counts every call exactly, per integration and per operation,
// into 1-second buckets, samples live state (breaker, bulkhead, rate limit) when each second closes,
// and hands the closed second to `onSecond` (roll-ups on disk, alert rules, the live stream).
import type { BreakerState, BusEvent } from '@switchboard/shared/events';
import type { MetricsSecond, MetricsSeriesSecond } from '@switchboard/shared/metrics';
import { addCall, createAccumulator, finishBucket, type BucketAccumulator } from './bucket';

/** Live state of one integration, read once a second (see `integrationGauges` in metrics-wiring). */
export interface IntegrationGauges {
  breaker: BreakerState;
  /** Further failures that would open the breaker; null when failures alone cannot. */
  distanceToTrip: number | null;
  bulkhead: { active: number; queued: number; maxConcurrent: number; maxQueue: number };
  /** Share of the outbound rate limit left, 0..1. */
  rateLimitHeadroom: number;
  /** Filled once the queue capability exists. */
  queueDepth?: number;
  deadLetters?: number;
}

export interface MetricsEngineDeps {
  /** Integrations always present in a snapshot, so an idle one still shows its state. */
  integrations: readonly string[];
  integrationState: (name: string) => IntegrationGauges | undefined;
  /** Epoch milliseconds. */
  now: () => number;
  onSecond: (snapshot: MetricsSecond) => void;
  /**
   * Runs `task` soon, outside the caller's stack (e.g. `(task) => setTimeout(task, 0)`). When
   * given, a second that an event closes (the first event of the next second) is finished and
   * handed to `onSecond` by a deferred task instead of inside `record`: `record` runs within an
   * upstream call's event, on the path of a request, and `onSecond` writes the second and its
   * roll-ups to the store (a synchronous SQLite transaction on Node, milliseconds). Without it
   * the second is closed at once. `tick` and `flush` first close any deferred second, so seconds
   * reach `onSecond` in order either way.
   */
  defer?: (task: () => void) => void;
}

export interface MetricsEngine {
  /** Feed one bus event; subscribe this to the bus. */
  record: (event: BusEvent) => void;
  /** Closes the open second if `now` is past it (the app calls this every second). */
  tick: (now?: number) => void;
  /** Closes the open second now, even if it has not ended (shutdown, tests). */
  flush: () => void;
  /** Hands every second already closed but deferred (see `defer`) to `onSecond` now. */
  settle: () => void;
}

interface Second {
  at: number;
  integrations: Map<string, BucketAccumulator>;
  operations: Map<string, BucketAccumulator>;
  transitions: Map<string, number>;
  /** Lowest rate-limit headroom seen on events, per integration. */
  minHeadroom: Map<string, number>;
}

const secondOf = (ms: number) => Math.floor(ms / 1000) * 1000;

/**
 * Events are counted in the second in which they arrive (when the call ended), not the second it
 * started: a closed second is never reopened, so it can be written and alerted on at once.
 * @example
 * const metrics = createMetricsEngine({ integrations: ['users'], integrationState, now: Date.now, onSecond: store.write });
 * bus.subscribe(metrics.record); setInterval(() => metrics.tick(), 1000);
 */
export function createMetricsEngine(deps: MetricsEngineDeps): MetricsEngine {
  const health = new Map<string, 'up' | 'down'>();
  const open = (at: number): Second => ({
    at,
    integrations: new Map(),
    operations: new Map(),
    transitions: new Map(),
    minHeadroom: new Map(),
  });
  let current = open(secondOf(deps.now()));

  const accumulator = (map: Map<string, BucketAccumulator>, key: string) => {
    let acc = map.get(key);
    if (!acc) map.set(key, (acc = createAccumulator()));
    return acc;
  };

  function close(second: Second) {
    const series: MetricsSeriesSecond[] = [];
    const names = new Set([...deps.integrations, ...second.integrations.keys()]);
    for (const integration of names) {
      const acc = accumulator(second.integrations, integration);
      const gauges = deps.integrationState(integration);
      if (gauges) {
        const headroom = Math.min(
          gauges.rateLimitHeadroom,
          second.minHeadroom.get(integration) ?? 1,
        );
        acc.counts.state = {
          breakerSeconds: {
            closed: gauges.breaker === 'closed' ? 1 : 0,
            open: gauges.breaker === 'open' ? 1 : 0,
            'half-open': gauges.breaker === 'half-open' ? 1 : 0,
          },
          breaker: gauges.breaker,
          breakerTransitions: second.transitions.get(integration) ?? 0,
          minDistanceToTrip: gauges.distanceToTrip,
          bulkhead: {
            maxActive: gauges.bulkhead.active,
            maxQueued: gauges.bulkhead.queued,
            maxConcurrent: gauges.bulkhead.maxConcurrent,
            maxQueue: gauges.bulkhead.maxQueue,
          },
          minRateLimitHeadroom: Math.max(0, Math.min(1, headroom)),
          health: health.get(integration) ?? null,
          ...(gauges.queueDepth !== undefined && { queueDepth: gauges.queueDepth }),
          ...(gauges.deadLetters !== undefined && { deadLetters: gauges.deadLetters }),
        };
      }
      series.push({ integration, operation: null, ...finishBucket(acc) });
    }
    for (const [key, acc] of second.operations) {
      const [integration = '', operation = ''] = key.split('\u0000');
      series.push({ integration, operation, ...finishBucket(acc) });
    }
    deps.onSecond({ at: second.at, series });
  }

  /** Seconds closed by an event, waiting for the deferred task (oldest first). */
  let deferred: Second[] = [];
  function settle() {
    if (deferred.length === 0) return;
    const due = deferred;
    deferred = [];
    for (const second of due) close(second);
  }

  /**
   * Closes the open second when `now` has moved past it; a gap of idle seconds is not filled.
   * From an event (`later`) the close is deferred when the runtime gave a way to defer.
   */
  function rollTo(now: number, later = false) {
    const at = secondOf(now);
    if (at <= current.at) return;
    const done = current;
    current = open(at);
    const defer = deps.defer;
    if (!later || !defer) {
      settle();
      close(done);
      return;
    }
    deferred.push(done);
    if (deferred.length === 1) defer(settle);
  }

  return {
    record(event) {
      rollTo(deps.now(), true);
      if (event.type === 'breaker.transition') {
        current.transitions.set(
          event.integration,
          (current.transitions.get(event.integration) ?? 0) + 1,
        );
        return;
      }
      if (event.type !== 'upstream.call' && event.type !== 'upstream.attempt') return;
      const headroom = current.minHeadroom.get(event.integration) ?? 1;
      current.minHeadroom.set(event.integration, Math.min(headroom, event.rateLimitHeadroom));
      if (event.type !== 'upstream.call') return;
      addCall(accumulator(current.integrations, event.integration), event);
      addCall(
        accumulator(current.operations, `${event.integration}\u0000${event.operation}`),
        event,
      );
      if (event.synthetic) health.set(event.integration, event.outcome === 'ok' ? 'up' : 'down');
    },
    tick(now = deps.now()) {
      settle();
      rollTo(now);
    },
    flush() {
      settle();
      const done = current;
      current = open(done.at + 1000);
      close(done);
    },
    settle,
  };
}
