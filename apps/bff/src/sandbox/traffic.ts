// Keeps the sandbox demo alive: runs a view at a steady, run-time adjustable rate so charts move
// with no user traffic.

/** The part of the generator the control API drives. */
export interface TrafficControl {
  /** Runs per second now (0 = paused). */
  perSecond(): number;
  /** Changes the rate at once, started or not; 0 pauses until a positive rate is set. */
  setPerSecond(perSecond: number): void;
}

export interface TrafficGenerator extends TrafficControl {
  start(): void;
  stop(): void;
}

/** Repeats `tick` every `ms` until the returned function is called (injected so tests drive time). */
export type RepeatTimer = (ms: number, tick: () => void) => () => void;

const realRepeatTimer: RepeatTimer = (ms, tick) => {
  const handle = setInterval(tick, ms);
  return () => clearInterval(handle);
};

/**
 * @param perSecond initial runs per second; 0 starts paused.
 * @param run one run (e.g. the overview view); its failures are ignored, they are events already.
 * @example
 * const traffic = createTrafficGenerator(2, () => runView(...));
 * traffic.start(); traffic.setPerSecond(20); traffic.stop();
 */
export function createTrafficGenerator(
  perSecond: number,
  run: () => Promise<unknown>,
  options: {
    /** Bound on concurrent runs, so a hanging provider cannot pile work up. */
    maxInFlight?: number;
    repeat?: RepeatTimer;
  } = {},
): TrafficGenerator {
  const maxInFlight = options.maxInFlight ?? 8;
  const repeat = options.repeat ?? realRepeatTimer;
  const check = (rate: number) => {
    // The control API bounds the rate more tightly (TrafficRateSchema); this guards the timers.
    if (!(rate >= 0 && Number.isFinite(rate))) {
      throw new RangeError(`traffic rate must be a finite number >= 0, not ${rate}`);
    }
    return rate;
  };
  let rate = check(perSecond);
  let started = false;
  let cancel: (() => void) | undefined;
  let inFlight = 0;

  const tick = () => {
    if (inFlight >= maxInFlight) return;
    inFlight += 1;
    run()
      .catch(() => undefined)
      .finally(() => (inFlight -= 1));
  };
  const reschedule = () => {
    cancel?.();
    cancel = started && rate > 0 ? repeat(1000 / rate, tick) : undefined;
  };

  return {
    start() {
      if (started) return;
      started = true;
      reschedule();
    },
    stop() {
      started = false;
      reschedule();
    },
    perSecond: () => rate,
    setPerSecond(next) {
      rate = check(next);
      reschedule();
    },
  };
}
