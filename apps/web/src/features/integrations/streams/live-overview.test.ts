import type { SampleMessage } from '@switchboard/shared/stream';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { sample } from '../test-fixtures';
import type { FrameScheduler } from './frame-batch';
import { feedFrames, overviewLive$, type OverviewLive } from './live-overview';

/** Frames that run when the test says so. */
function manualFrames(): FrameScheduler & { run(): void } {
  let pending: (() => void)[] = [];
  return {
    request: (callback) => pending.push(callback),
    cancel: () => {},
    run() {
      const now = pending;
      pending = [];
      for (const callback of now) callback();
    },
  };
}

const message = (at: number, samples: SampleMessage['samples']): SampleMessage => ({
  type: 'integrations.sample',
  seq: at,
  topic: 'integrations',
  at,
  samples,
});

describe('overviewLive$', () => {
  it('folds every second into the rings, and hands on once a frame', () => {
    const samples$ = new Subject<SampleMessage>();
    const frames = manualFrames();
    const seen: OverviewLive[] = [];
    const subscription = overviewLive$(samples$, { capacity: 3, frames }).subscribe((v) =>
      seen.push(v),
    );
    samples$.next(
      message(1, [sample('users', { latencyMs: { p50: 1, p95: 10, p99: 1, max: 1 } })]),
    );
    samples$.next(
      message(2, [
        sample('users', { calls: 0, errors: 0, latencyMs: null }),
        sample('email', { errors: 5 }),
      ]),
    );
    expect(seen).toHaveLength(0);
    frames.run();
    expect(seen).toHaveLength(1);
    const [first] = seen;
    expect(first?.samples.get('users')?.calls).toBe(0);
    const users = first?.feeds.get('users');
    expect(users?.p95.toArray()).toEqual([10, null]);
    expect(users?.errorRate.toArray()).toEqual([0, null]);
    expect(first?.feeds.get('email')?.errorRate.toArray()).toEqual([0.5]);
    subscription.unsubscribe();
  });

  it('keeps each feed for the subscription and tells its listeners of each frame with data', () => {
    const samples$ = new Subject<SampleMessage>();
    const frames = manualFrames();
    const seen: OverviewLive[] = [];
    const subscription = overviewLive$(samples$, { capacity: 60, frames }).subscribe((v) =>
      seen.push(v),
    );
    samples$.next(message(1, [sample('users')]));
    frames.run();
    const feed = seen[0]?.feeds.get('users');
    let heard = 0;
    const stop = feed?.subscribe(() => (heard += 1));
    samples$.next(message(2, [sample('users', { calls: 3 })]));
    frames.run();
    expect(heard).toBe(1);
    expect(seen[1]?.feeds.get('users')).toBe(feed);
    expect(feed?.latest()?.calls).toBe(3);
    // A replayed second (a snapshot on resubscribe) is not counted twice.
    samples$.next(message(2, [sample('users', { calls: 3 })]));
    frames.run();
    expect(heard).toBe(1);
    expect(feed?.p95.size).toBe(2);
    stop?.();
    samples$.next(message(3, [sample('users')]));
    frames.run();
    expect(heard).toBe(1);
    subscription.unsubscribe();
  });

  it('tells the tiles of a second over several frames, a share each frame, and at once when a newer one comes', () => {
    const samples$ = new Subject<SampleMessage>();
    const frames = manualFrames();
    const seen: OverviewLive[] = [];
    const subscription = overviewLive$(samples$, { capacity: 60, frames }).subscribe((v) =>
      seen.push(v),
    );
    const names = Array.from({ length: 2 * feedFrames }, (_, i) => `n${i}`);
    samples$.next(
      message(
        1,
        names.map((name) => sample(name)),
      ),
    );
    frames.run();
    const heard = new Map(names.map((name) => [name, 0]));
    for (const name of names)
      seen[0]?.feeds.get(name)?.subscribe(() => heard.set(name, (heard.get(name) ?? 0) + 1));
    for (let i = 0; i < feedFrames; i++) frames.run(); // the rest of the first second's groups
    heard.forEach((_, name) => heard.set(name, 0));

    samples$.next(
      message(
        2,
        names.map((name) => sample(name)),
      ),
    );
    frames.run();
    // The page has the second at once; two tiles of eight (one per group) have heard of it.
    expect(seen).toHaveLength(2);
    expect([...heard.values()].filter((n) => n === 1)).toHaveLength(2);
    frames.run();
    expect([...heard.values()].filter((n) => n === 1)).toHaveLength(4);
    // A newer second before the last groups had their frame: they hear of the older one first.
    samples$.next(
      message(
        3,
        names.map((name) => sample(name)),
      ),
    );
    frames.run();
    expect([...heard.values()].filter((n) => n === 0)).toHaveLength(0);
    for (let i = 0; i < feedFrames; i++) frames.run();
    expect([...heard.values()].every((n) => n === 2)).toBe(true);
    subscription.unsubscribe();
  });
});
