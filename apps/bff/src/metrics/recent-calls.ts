// A bus reader that keeps the last N calls, numbered, for the recent-calls log and `?since=` deltas.
import type { BusEvent, UpstreamCallEvent } from '@switchboard/shared/events';
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
  // A circular buffer: recording is O(1) however full it is. It keeps the events themselves (the
  // bus hands every reader the same object, and none changes it) and numbers them when listed:
  // copying each event with its number would cost every call, and the log is read rarely.
  const ring: Array<UpstreamCallEvent | undefined> = new Array<UpstreamCallEvent | undefined>(
    capacity,
  );
  let seq = 0;
  return {
    record(event) {
      if (event.type !== 'upstream.call') return;
      seq += 1;
      ring[seq % capacity] = event;
    },
    list({ since = 0, integration, limit }) {
      const items: RecentCall[] = [];
      const from = Math.max(since + 1, seq - capacity + 1, 1);
      for (let s = from; s <= seq && items.length < limit; s++) {
        const call = ring[s % capacity];
        if (call && (integration === undefined || call.integration === integration))
          items.push({ ...call, seq: s });
      }
      return { items, latestSeq: items.at(-1)?.seq ?? Math.min(since, seq) };
    },
  };
}
