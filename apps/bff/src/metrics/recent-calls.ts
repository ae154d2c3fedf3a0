// A bus reader that keeps the last N calls, numbered, for the recent-calls log and `?since=` deltas.
import type { BusEvent } from '@switchboard/shared/events';
import type { RecentCall } from '@switchboard/shared/integrations';

export interface RecentCalls {
  record: (event: BusEvent) => void;
  /** Calls after `since` (oldest first), optionally of one integration, at most `limit`. */
  list: (options: { since?: number; integration?: string; limit: number }) => {
    items: RecentCall[];
    latestSeq: number;
  };
}

/** @example const calls = createRecentCalls(1000); bus.subscribe(calls.record); */
export function createRecentCalls(capacity: number): RecentCalls {
  const ring: RecentCall[] = [];
  let seq = 0;
  return {
    record(event) {
      if (event.type !== 'upstream.call') return;
      seq += 1;
      ring.push({ ...event, seq });
      if (ring.length > capacity) ring.shift();
    },
    list({ since = 0, integration, limit }) {
      const items: RecentCall[] = [];
      for (const call of ring) {
        if (call.seq <= since || (integration !== undefined && call.integration !== integration))
          continue;
        items.push(call);
        if (items.length === limit) break;
      }
      return { items, latestSeq: items.at(-1)?.seq ?? Math.min(since, seq) };
    },
  };
}
