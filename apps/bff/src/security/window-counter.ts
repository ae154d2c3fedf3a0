// A per-key fixed-window request counter in memory, synchronous: for a limit checked on every
// request of a hot route (webhook ingest), where a promise and a store round trip per request
// are a measurable share of the route's cost. Same window rule as rate-limiter-flexible's memory
// store: a key's window starts at its first request and lasts `durationMs`.

/** One count: read it before the next `consume` (the object is reused, not allocated per call). */
export interface WindowCount {
  /** False once the key used more than `points` in its window. */
  allowed: boolean;
  /** Requests left in the window (0 when refused). */
  remaining: number;
  /** Milliseconds until the key's window ends. */
  msBeforeNext: number;
}

export interface WindowCounter {
  consume(key: string): WindowCount;
}

interface Window {
  used: number;
  endsAt: number;
}

/**
 * Expired windows are swept once the map has grown to twice its size after the last sweep (and at
 * least 1,024 keys), so a scan of many addresses costs memory for one window at most.
 * @example const counter = createWindowCounter(6000, 60_000, Date.now);
 * const count = counter.consume(clientIp); if (!count.allowed) refuse(count.msBeforeNext);
 */
export function createWindowCounter(
  points: number,
  durationMs: number,
  now: () => number,
): WindowCounter {
  if (!Number.isSafeInteger(points) || points < 1)
    throw new TypeError(`createWindowCounter: points must be a positive integer (got ${points}).`);
  if (!Number.isSafeInteger(durationMs) || durationMs < 1)
    throw new TypeError(`createWindowCounter: durationMs must be a positive integer.`);
  const windows = new Map<string, Window>();
  let sweepAt = 1024;
  const count: WindowCount = { allowed: true, remaining: points, msBeforeNext: durationMs };
  const sweep = (at: number) => {
    for (const [key, window] of windows) if (window.endsAt <= at) windows.delete(key);
    sweepAt = Math.max(1024, windows.size * 2);
  };
  return {
    consume(key) {
      const at = now();
      let window = windows.get(key);
      if (window === undefined) {
        if (windows.size >= sweepAt) sweep(at);
        window = { used: 0, endsAt: at + durationMs };
        windows.set(key, window);
      } else if (window.endsAt <= at) {
        window.used = 0;
        window.endsAt = at + durationMs;
      }
      window.used += 1;
      count.allowed = window.used <= points;
      count.remaining = count.allowed ? points - window.used : 0;
      count.msBeforeNext = window.endsAt - at;
      return count;
    },
  };
}
