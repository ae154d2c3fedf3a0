// Response cache: freshness windows, single-flight loads, abort isolation and the LRU bound.
import { CachePolicySchema } from '@switchboard/shared/catalog';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createManualClock } from './clock';
import { createResponseCache } from './response-cache';
import { UpstreamError } from './upstream-error';

const policy = (input: z.input<typeof CachePolicySchema> = {}) => CachePolicySchema.parse(input);

/** A load whose calls stay pending until resolved or rejected by the test. */
function controllableLoad<T>() {
  const calls: Array<{ signal: AbortSignal; resolve: (v: T) => void; reject: (e: Error) => void }> =
    [];
  const load = (signal: AbortSignal) =>
    new Promise<T>((resolve, reject) => {
      calls.push({ signal, resolve, reject });
    });
  return { load, calls };
}
const value =
  <T>(v: T) =>
  () =>
    Promise.resolve(v);
const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('freshness', () => {
  it('misses, then hits until the TTL runs out', async () => {
    const clock = createManualClock();
    const cache = createResponseCache<string>(policy({ ttlMs: 1_000 }), clock);
    await expect(cache.get('k', value('v1'))).resolves.toEqual({
      value: 'v1',
      cache: 'miss',
      ageMs: 0,
    });
    await clock.advance(999);
    await expect(cache.get('k', value('v2'))).resolves.toEqual({
      value: 'v1',
      cache: 'hit',
      ageMs: 999,
    });
    await clock.advance(1);
    await expect(cache.get('k', value('v2'))).resolves.toMatchObject({
      value: 'v2',
      cache: 'miss',
    });
  });

  it('within stale-while-revalidate, serves stale at once and refreshes once in the background', async () => {
    const clock = createManualClock();
    const cache = createResponseCache<string>(
      policy({ ttlMs: 1_000, staleWhileRevalidateMs: 5_000 }),
      clock,
    );
    await cache.get('k', value('v1'));
    await clock.advance(2_000);
    const refresh = controllableLoad<string>();
    for (let i = 0; i < 5; i++) {
      await expect(cache.get('k', refresh.load)).resolves.toEqual({
        value: 'v1',
        cache: 'stale',
        ageMs: 2_000,
        staleReason: 'revalidating',
      });
    }
    expect(refresh.calls).toHaveLength(1);
    refresh.calls[0]?.resolve('v2');
    await turn();
    await expect(cache.get('k', value('v3'))).resolves.toMatchObject({ value: 'v2', cache: 'hit' });
  });

  it('keeps the stale entry when the background refresh fails, and reports the failure', async () => {
    const clock = createManualClock();
    const failures: unknown[] = [];
    const cache = createResponseCache<string>(
      policy({ ttlMs: 1_000, staleWhileRevalidateMs: 5_000 }),
      clock,
      { onRefreshError: (_key, error) => failures.push(error) },
    );
    await cache.get('k', value('v1'));
    await clock.advance(1_500);
    const boom = new UpstreamError('http_5xx', '500');
    await cache.get('k', () => Promise.reject(boom));
    await turn();
    expect(failures).toEqual([boom]);
    await expect(cache.get('k', value('v2'))).resolves.toMatchObject({
      value: 'v1',
      cache: 'stale',
    });
  });

  it('serves a stale entry within stale-if-error when the load fails or is refused', async () => {
    const clock = createManualClock();
    const cache = createResponseCache<string>(
      policy({ ttlMs: 1_000, staleIfErrorMs: 10_000 }),
      clock,
    );
    await cache.get('k', value('v1'));
    await clock.advance(5_000);
    const refused = new UpstreamError('breaker_open', 'circuit breaker is open');
    await expect(cache.get('k', () => Promise.reject(refused))).resolves.toEqual({
      value: 'v1',
      cache: 'stale',
      ageMs: 5_000,
      staleReason: 'error',
      error: refused,
    });
    // A 4xx says the request is wrong: no stale value covers for that.
    const notFound = new UpstreamError('http_4xx', '404', { httpStatus: 404 });
    await expect(cache.get('k', () => Promise.reject(notFound))).rejects.toBe(notFound);
    // Past the window, the failure goes through.
    await clock.advance(6_000);
    const down = new UpstreamError('network', 'ECONNREFUSED');
    await expect(cache.get('k', () => Promise.reject(down))).rejects.toBe(down);
  });

  it('only coalesces when the policy keeps nothing', async () => {
    const cache = createResponseCache<string>(policy(), createManualClock());
    await cache.get('k', value('v1'));
    await expect(cache.get('k', value('v2'))).resolves.toMatchObject({
      value: 'v2',
      cache: 'miss',
    });
    expect(cache.snapshot().entries).toBe(0);
  });
});

describe('single flight', () => {
  it('makes one upstream call for 100 concurrent gets of one key', async () => {
    const cache = createResponseCache<string>(policy({ ttlMs: 1_000 }), createManualClock());
    const { load, calls } = controllableLoad<string>();
    const gets = Array.from({ length: 100 }, () => cache.get('k', load));
    expect(calls).toHaveLength(1);
    expect(cache.snapshot().inFlight).toBe(1);
    calls[0]?.resolve('v');
    const results = await Promise.all(gets);
    expect(results.filter((r) => r.cache === 'miss')).toHaveLength(1);
    expect(results.filter((r) => r.cache === 'coalesced')).toHaveLength(99);
    expect(results.every((r) => r.value === 'v')).toBe(true);
    expect(cache.snapshot().inFlight).toBe(0);
  });

  it('shares a failure with every waiter', async () => {
    const cache = createResponseCache<string>(policy({ ttlMs: 1_000 }), createManualClock());
    const { load, calls } = controllableLoad<string>();
    const gets = [cache.get('k', load), cache.get('k', load)];
    const boom = new UpstreamError('timeout', 'too slow');
    calls[0]?.reject(boom);
    for (const get of gets) await expect(get).rejects.toBe(boom);
  });

  it('lets a follower abort without cancelling the shared call for the others', async () => {
    const cache = createResponseCache<string>(policy({ ttlMs: 1_000 }), createManualClock());
    const { load, calls } = controllableLoad<string>();
    const leader = cache.get('k', load, { signal: new AbortController().signal });
    const follower = new AbortController();
    const followerGet = cache.get('k', load, { signal: follower.signal });
    const reason = new UpstreamError('cancelled', 'client went away');
    follower.abort(reason);
    await expect(followerGet).rejects.toBe(reason);
    expect(calls[0]?.signal.aborted).toBe(false);
    calls[0]?.resolve('v');
    await expect(leader).resolves.toMatchObject({ value: 'v', cache: 'miss' });
  });

  it('cancels the shared call only when every waiter has aborted', async () => {
    const cache = createResponseCache<string>(policy({ ttlMs: 1_000 }), createManualClock());
    const { load, calls } = controllableLoad<string>();
    const controllers = [new AbortController(), new AbortController()];
    const gets = controllers.map((c) => cache.get('k', load, { signal: c.signal }));
    const outcomes = gets.map((g) => expect(g).rejects.toBeInstanceOf(Error));
    controllers[0]?.abort(new Error('first gone'));
    expect(calls[0]?.signal.aborted).toBe(false);
    controllers[1]?.abort(new Error('second gone'));
    expect(calls[0]?.signal.aborted).toBe(true);
    expect(calls[0]?.signal.reason).toMatchObject({ kind: 'cancelled' });
    await Promise.all(outcomes);
    // The next get starts afresh rather than joining the cancelled call.
    const next = cache.get('k', value('fresh'));
    await expect(next).resolves.toMatchObject({ value: 'fresh', cache: 'miss' });
  });

  it('rejects at once, without loading, when the signal has already aborted', async () => {
    const cache = createResponseCache<string>(policy({ ttlMs: 1_000 }), createManualClock());
    const controller = new AbortController();
    const reason = new Error('gone');
    controller.abort(reason);
    const { load, calls } = controllableLoad<string>();
    await expect(cache.get('k', load, { signal: controller.signal })).rejects.toBe(reason);
    expect(calls).toHaveLength(0);
  });
});

describe('size bound', () => {
  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = createResponseCache<string>(policy({ ttlMs: 60_000 }), createManualClock(), {
      maxEntries: 2,
    });
    await cache.get('a', value('A'));
    await cache.get('b', value('B'));
    await cache.get('a', value('A2')); // a hit: a is now the most recent
    await cache.get('c', value('C'));
    expect(cache.snapshot()).toMatchObject({ entries: 2, maxEntries: 2 });
    await expect(cache.get('a', value('A3'))).resolves.toMatchObject({ value: 'A', cache: 'hit' });
    await expect(cache.get('b', value('B2'))).resolves.toMatchObject({
      value: 'B2',
      cache: 'miss',
    });
  });
});
