// Keeps the sandbox demo alive: runs a view at a steady rate so charts move with no user traffic.
export interface TrafficGenerator {
  start(): void;
  stop(): void;
}

/**
 * @param perSecond requests per second; 0 makes start() a no-op.
 * @param maxInFlight bound on concurrent runs, so a hanging provider cannot pile work up.
 */
export function createTrafficGenerator(
  perSecond: number,
  run: () => Promise<unknown>,
  maxInFlight = 8,
): TrafficGenerator {
  let timer: ReturnType<typeof setInterval> | undefined;
  let inFlight = 0;
  return {
    start() {
      if (perSecond <= 0 || timer) return;
      timer = setInterval(() => {
        if (inFlight >= maxInFlight) return;
        inFlight += 1;
        // Failures are already events on the bus; the generator has nothing to add.
        run()
          .catch(() => undefined)
          .finally(() => (inFlight -= 1));
      }, 1000 / perSecond);
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
