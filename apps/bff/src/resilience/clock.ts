// Time as a port: policies read and wait through it, so tests drive time by hand.
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * A clock that moves only when told to: `advance(ms)` fires due sleepers in order.
 * @example const clock = createManualClock(); const p = clock.sleep(100); await clock.advance(100);
 */
export function createManualClock(start = 0): Clock & { advance(ms: number): Promise<void> } {
  let now = start;
  const sleepers: Array<{ at: number; resolve: () => void }> = [];
  // Lets woken code run (and maybe sleep again) before time moves on.
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return {
    now: () => now,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason as Error);
        // A sleep that is already due ends at once, as a real timer would on its next turn.
        if (ms <= 0) return resolve();
        const onAbort = () => {
          const i = sleepers.indexOf(sleeper);
          if (i >= 0) sleepers.splice(i, 1);
          reject(signal?.reason as Error);
        };
        const sleeper = {
          at: now + ms,
          resolve: () => {
            // Long-lived signals (a request's deadline) see many sleeps: do not pile up listeners.
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        sleepers.push(sleeper);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    async advance(ms) {
      const target = now + ms;
      // Work started just before `advance` (a rejected attempt about to back off) gets to
      // register its sleep first, so it is measured from the current time.
      await settle();
      for (;;) {
        sleepers.sort((a, b) => a.at - b.at);
        const next = sleepers[0];
        if (!next || next.at > target) break;
        sleepers.shift();
        now = next.at;
        next.resolve();
        await settle();
      }
      now = target;
    },
  };
}
