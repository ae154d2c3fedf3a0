// The traffic generator with time in the test's hands: its rate changes at run time, 0 pauses it,
// stop() leaves no timer behind, and a hanging run cannot pile work up.
import { describe, expect, it } from 'vitest';
import { createTrafficGenerator, type RepeatTimer } from './traffic';

/** Repeating timers the test fires by hand; `active()` shows what is scheduled. */
function manualTimers() {
  const timers = new Set<{ ms: number; tick: () => void }>();
  const repeat: RepeatTimer = (ms, tick) => {
    const timer = { ms, tick };
    timers.add(timer);
    return () => timers.delete(timer);
  };
  return {
    repeat,
    active: () => [...timers].map((t) => t.ms),
    fire: (times = 1) => {
      for (let i = 0; i < times; i += 1) for (const t of [...timers]) t.tick();
    },
  };
}

describe('createTrafficGenerator', () => {
  it('runs at the initial rate once started, and only then', () => {
    const timers = manualTimers();
    let runs = 0;
    const traffic = createTrafficGenerator(4, () => Promise.resolve((runs += 1)), {
      repeat: timers.repeat,
    });
    expect(timers.active()).toEqual([]);
    traffic.start();
    traffic.start();
    expect(timers.active()).toEqual([250]);
    timers.fire(3);
    expect(runs).toBe(3);
    traffic.stop();
    expect(timers.active()).toEqual([]);
  });

  it('changes rate at run time, pauses at 0 and resumes from a pause', () => {
    const timers = manualTimers();
    const traffic = createTrafficGenerator(2, () => Promise.resolve(), { repeat: timers.repeat });
    traffic.start();
    traffic.setPerSecond(50);
    expect(traffic.perSecond()).toBe(50);
    expect(timers.active()).toEqual([20]);
    traffic.setPerSecond(0);
    expect(timers.active()).toEqual([]);
    traffic.setPerSecond(200);
    expect(timers.active()).toEqual([5]);
    traffic.stop();
    expect(timers.active()).toEqual([]);
  });

  it('starts paused at rate 0 and begins when a rate is set', () => {
    const timers = manualTimers();
    const traffic = createTrafficGenerator(0, () => Promise.resolve(), { repeat: timers.repeat });
    traffic.start();
    expect(timers.active()).toEqual([]);
    traffic.setPerSecond(10);
    expect(timers.active()).toEqual([100]);
    traffic.stop();
  });

  it('remembers a rate set while stopped without scheduling anything', () => {
    const timers = manualTimers();
    const traffic = createTrafficGenerator(1, () => Promise.resolve(), { repeat: timers.repeat });
    traffic.setPerSecond(8);
    expect(timers.active()).toEqual([]);
    traffic.start();
    expect(timers.active()).toEqual([125]);
    traffic.stop();
  });

  it('refuses a rate that is negative or not finite', () => {
    const traffic = createTrafficGenerator(1, () => Promise.resolve());
    expect(() => traffic.setPerSecond(-1)).toThrow(RangeError);
    expect(() => traffic.setPerSecond(Number.NaN)).toThrow(RangeError);
    expect(() => createTrafficGenerator(Number.POSITIVE_INFINITY, () => Promise.resolve())).toThrow(
      RangeError,
    );
    expect(traffic.perSecond()).toBe(1);
  });

  it('keeps at most maxInFlight runs going when runs do not finish', async () => {
    const timers = manualTimers();
    let started = 0;
    const finishers: Array<() => void> = [];
    const traffic = createTrafficGenerator(
      10,
      () =>
        new Promise<void>((resolve) => {
          started += 1;
          finishers.push(resolve);
        }),
      { maxInFlight: 2, repeat: timers.repeat },
    );
    traffic.start();
    timers.fire(5);
    expect(started).toBe(2);
    finishers.shift()?.();
    // Let the finished run's bookkeeping settle before the next tick.
    await new Promise<void>((resolve) => setImmediate(resolve));
    timers.fire();
    expect(started).toBe(3);
    traffic.stop();
  });
});
