import { afterEach, describe, expect, it } from 'vitest';
import { createDeadlineTimer, monotonicMs, type DeadlineTimer } from './deadline-timer';

let timer: DeadlineTimer | undefined;
afterEach(async () => {
  await timer?.close();
  timer = undefined;
});

/** Schedules `offsets` (ms from now) and resolves with [offset, ms late] in the order they ran. */
function runAll(t: DeadlineTimer, offsets: number[]): Promise<Array<[number, number]>> {
  const start = monotonicMs();
  const ran: Array<[number, number]> = [];
  return new Promise((resolve) => {
    for (const offset of offsets)
      t.at(start + offset, () => {
        ran.push([offset, monotonicMs() - (start + offset)]);
        if (ran.length === offsets.length) resolve(ran);
      });
  });
}

describe('createDeadlineTimer', () => {
  it('runs each task at or after its deadline, in deadline order, whatever order they came in', async () => {
    timer = createDeadlineTimer();
    const ran = await runAll(timer, [30, 5, 20, 5.5, 12]);
    expect(ran.map(([offset]) => offset)).toEqual([5, 5.5, 12, 20, 30]);
    for (const [, late] of ran) expect(late).toBeGreaterThanOrEqual(0);
  });

  it('runs a task whose deadline has passed at once', async () => {
    timer = createDeadlineTimer();
    const ran = await runAll(timer, [-5, 0]);
    expect(ran.map(([offset]) => offset)).toEqual([-5, 0]);
  });

  it('still runs pending tasks, never early, after it is closed', async () => {
    timer = createDeadlineTimer();
    const ran = runAll(timer, [15, 25]);
    await timer.close();
    const after = await runAll(timer, [3]);
    expect(after.map(([offset]) => offset)).toEqual([3]);
    expect((await ran).map(([offset]) => offset)).toEqual([15, 25]);
    for (const [, late] of [...(await ran), ...after]) expect(late).toBeGreaterThanOrEqual(0);
  });
});
