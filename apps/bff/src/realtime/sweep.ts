// A periodic visit of every connection, spread over the interval in slices instead of all at once.
//
// Why: a heartbeat that pings 10,000 WebSockets (or writes a comment to 5,000 event streams) in one
// timer callback holds the event loop for a few hundred milliseconds every interval; a broadcast
// due in that moment waits behind it, which shows as the stream's tail latency (bench/RESULTS.md,
// "Stream fan-out"). Split into slices, each member is still visited exactly once per interval, and
// no single callback touches more than 1/slices of them.

export interface Sweep<T> {
  add(item: T): void;
  delete(item: T): void;
  readonly size: number;
}

/** Slices per interval: a 15 s heartbeat visits a fifteenth of the connections each second. */
export const defaultSweepSlices = 15;

export interface SweepOptions<T> {
  intervalMs: number;
  visit: (item: T) => void;
  /** Called before each slice's visits, e.g. to build the one frame a slice shares. */
  beforeSlice?: () => void;
  slices?: number;
}

/**
 * Members sit in `slices` buckets (the emptiest one takes a new member); every `intervalMs / slices`
 * the next bucket is visited, so each member is visited once per `intervalMs`. The timer runs only
 * while there are members.
 * @example const beat = createSweep({ intervalMs: 15_000, visit: (socket) => socket.ping() }); beat.add(socket);
 */
export function createSweep<T>({
  intervalMs,
  visit,
  beforeSlice,
  slices = defaultSweepSlices,
}: SweepOptions<T>): Sweep<T> {
  const buckets = Array.from({ length: slices }, () => new Set<T>());
  const bucketOf = new Map<T, Set<T>>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let next = 0;

  const stop = () => {
    clearInterval(timer);
    timer = undefined;
  };
  const step = () => {
    const bucket = buckets[next] ?? new Set<T>();
    next = (next + 1) % slices;
    if (bucket.size > 0) beforeSlice?.();
    // A visit may delete its member (a dead peer): Set iteration allows that.
    for (const item of bucket) visit(item);
    if (bucketOf.size === 0) stop();
  };

  return {
    get size() {
      return bucketOf.size;
    },
    add(item) {
      if (bucketOf.has(item)) return;
      let emptiest = buckets[0] ?? new Set<T>();
      for (const bucket of buckets) if (bucket.size < emptiest.size) emptiest = bucket;
      bucketOf.set(item, emptiest.add(item));
      timer ??= setInterval(step, intervalMs / slices);
    },
    delete(item) {
      bucketOf.get(item)?.delete(item);
      bucketOf.delete(item);
      if (bucketOf.size === 0) stop();
    },
  };
}
