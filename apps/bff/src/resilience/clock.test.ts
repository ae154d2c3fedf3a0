// The manual clock that every resilience test leans on.
import { describe, expect, it, vi } from 'vitest';
import { createManualClock } from './clock';

describe('createManualClock', () => {
  it('wakes sleepers in time order as it advances', async () => {
    const clock = createManualClock(100);
    const woke: Array<[string, number]> = [];
    void clock.sleep(300).then(() => woke.push(['b', clock.now()]));
    void clock.sleep(200).then(() => woke.push(['a', clock.now()]));
    await clock.advance(250);
    expect(woke).toEqual([['a', 300]]);
    await clock.advance(50);
    expect(woke).toEqual([
      ['a', 300],
      ['b', 400],
    ]);
  });

  it('ends a sleep that is already due at once', async () => {
    const clock = createManualClock();
    await expect(clock.sleep(0)).resolves.toBeUndefined();
  });

  it('measures a sleep registered just before advance from the current time', async () => {
    const clock = createManualClock();
    const slept = Promise.resolve().then(() => clock.sleep(100));
    await clock.advance(100);
    await expect(slept).resolves.toBeUndefined();
  });

  it('rejects with the abort reason and forgets its listener once woken', async () => {
    const clock = createManualClock();
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const woken = clock.sleep(10, controller.signal);
    await clock.advance(10);
    await woken;
    expect(remove).toHaveBeenCalledTimes(1);

    const reason = new Error('gone');
    const aborted = clock.sleep(10, controller.signal);
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
  });
});
