import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { latestPerFrame, type FrameScheduler } from './frame-batch';

/** Frames run when the test says so. */
function manualFrames() {
  const queue = new Map<number, () => void>();
  let next = 1;
  const frames: FrameScheduler = {
    request(callback) {
      queue.set(next, callback);
      return next++;
    },
    cancel(handle) {
      queue.delete(handle);
    },
  };
  const tick = () => {
    const due = [...queue.values()];
    queue.clear();
    for (const callback of due) callback();
  };
  return { frames, tick, pending: () => queue.size };
}

describe('latestPerFrame', () => {
  it('hands on only the latest value of a burst, once per frame', () => {
    const { frames, tick, pending } = manualFrames();
    const source = new Subject<number>();
    const seen: number[] = [];
    source.pipe(latestPerFrame(frames)).subscribe((v) => seen.push(v));
    source.next(1);
    source.next(2);
    source.next(3);
    expect(seen).toEqual([]);
    expect(pending()).toBe(1);
    tick();
    expect(seen).toEqual([3]);
    tick();
    expect(seen).toEqual([3]);
    source.next(4);
    tick();
    expect(seen).toEqual([3, 4]);
  });

  it('flushes a pending value on completion, and cancels its frame on unsubscribe', () => {
    const { frames, tick, pending } = manualFrames();
    const source = new Subject<number>();
    const seen: number[] = [];
    let done = false;
    source
      .pipe(latestPerFrame(frames))
      .subscribe({ next: (v) => seen.push(v), complete: () => (done = true) });
    source.next(1);
    source.complete();
    expect(seen).toEqual([1]);
    expect(done).toBe(true);

    const other = new Subject<number>();
    const subscription = other.pipe(latestPerFrame(frames)).subscribe((v) => seen.push(v));
    other.next(9);
    subscription.unsubscribe();
    expect(pending()).toBe(0);
    tick();
    expect(seen).toEqual([1]);
  });
});
