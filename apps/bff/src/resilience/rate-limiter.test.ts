// Token bucket behaviour and how it follows the provider's headers, on a manual clock.
import { RateLimitPolicySchema } from '@switchboard/shared/catalog';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createManualClock } from './clock';
import { createRateLimiter } from './rate-limiter';
import { UpstreamError } from './upstream-error';

const policy = (input: z.input<typeof RateLimitPolicySchema> = {}) =>
  RateLimitPolicySchema.parse(input);
/** Epoch ms the tests pretend it is. */
const WALL = Date.UTC(2025, 0, 1, 12, 0, 0);

function limiter(input: z.input<typeof RateLimitPolicySchema> = {}) {
  const clock = createManualClock();
  return { clock, limiter: createRateLimiter(policy(input), clock, { wallClock: () => WALL }) };
}

/** Resolves to true once `promise` has settled, without waiting for it. */
function tracker(promise: Promise<unknown>) {
  const state = { settled: false };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

describe('token bucket', () => {
  it('gives the burst at once, then one token per 1/perSecond', async () => {
    const { clock, limiter: l } = limiter({ perSecond: 10, burst: 2 });
    expect(l.tryAcquire()).toBe(true);
    await l.acquire();
    expect(l.tryAcquire()).toBe(false);
    await clock.advance(100);
    expect(l.tryAcquire()).toBe(true);
  });

  it('waits for a token that comes before the deadline', async () => {
    const { clock, limiter: l } = limiter({ perSecond: 10, burst: 1 });
    await l.acquire();
    const waiting = l.acquire(undefined, 150);
    const state = tracker(waiting);
    await clock.advance(99);
    expect(state.settled).toBe(false);
    await clock.advance(1);
    await waiting;
    expect(clock.now()).toBe(100);
  });

  it('fails fast when the token would come after the deadline', async () => {
    const { limiter: l } = limiter({ perSecond: 10, burst: 1 });
    await l.acquire();
    const refused = l.acquire(undefined, 100);
    await expect(refused).rejects.toBeInstanceOf(UpstreamError);
    await expect(refused).rejects.toMatchObject({
      kind: 'rate_limited',
      message: 'would exceed provider rate limit before the deadline',
    });
    // Refusing reserved nothing: the next token is still due at 100 ms.
    expect(l.snapshot().tokens).toBe(0);
  });

  it('serves waiters in order at the sustained rate', async () => {
    const { clock, limiter: l } = limiter({ perSecond: 10, burst: 1 });
    await l.acquire();
    const servedAt: number[] = [];
    const waiters = [1, 2, 3].map(() => l.acquire().then(() => servedAt.push(clock.now())));
    await clock.advance(1_000);
    await Promise.all(waiters);
    expect(servedAt).toEqual([100, 200, 300]);
  });

  it('gives the token back when a waiter’s signal aborts', async () => {
    const { clock, limiter: l } = limiter({ perSecond: 10, burst: 1 });
    await l.acquire();
    const controller = new AbortController();
    const waiting = l.acquire(controller.signal);
    expect(l.snapshot().tokens).toBe(-1);
    await clock.advance(50);
    const reason = new Error('gone');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(l.snapshot().tokens).toBeCloseTo(0.5);
  });
});

describe('following the provider', () => {
  it('stops on X-RateLimit-Remaining: 0 until X-RateLimit-Reset (seconds from now)', async () => {
    const { clock, limiter: l } = limiter({ perSecond: 100, burst: 10 });
    l.observe(
      200,
      new Headers({
        'X-RateLimit-Limit': '60',
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': '20',
      }),
    );
    expect(l.snapshot()).toMatchObject({ blockedUntil: 20_000, providerRemaining: 0, headroom: 0 });
    expect(l.tryAcquire()).toBe(false);
    await expect(l.acquire(undefined, 5_000)).rejects.toMatchObject({ kind: 'rate_limited' });
    const waiting = l.acquire(undefined, 30_000);
    const state = tracker(waiting);
    await clock.advance(19_999);
    expect(state.settled).toBe(false);
    await clock.advance(1);
    await waiting;
    expect(clock.now()).toBe(20_000);
    expect(l.snapshot().providerRemaining).toBeNull(); // the window it described is over
  });

  it('reads an X-RateLimit-Reset above 1e9 as epoch seconds, against the response Date', () => {
    const { limiter: l } = limiter();
    const serverNow = WALL + 5_000; // the provider's clock runs 5 s ahead of ours
    l.observe(
      200,
      new Headers({
        Date: new Date(serverNow).toUTCString(),
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': String((serverNow + 30_000) / 1000),
      }),
    );
    expect(l.snapshot().blockedUntil).toBe(30_000);

    const { limiter: noDate } = limiter();
    noDate.observe(
      200,
      new Headers({ 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(WALL / 1000 + 12) }),
    );
    expect(noDate.snapshot().blockedUntil).toBe(12_000);
  });

  it('reads the IETF draft dictionary form: RateLimit: limit=100, remaining=3, reset=20', () => {
    const { limiter: l } = limiter({ burst: 50 });
    l.observe(200, new Headers({ RateLimit: 'limit=100, remaining=3, reset=20' }));
    expect(l.snapshot()).toMatchObject({ tokens: 3, providerRemaining: 3, blockedUntil: null });
    expect(l.snapshot().headroom).toBeCloseTo(0.03);
    l.observe(200, new Headers({ RateLimit: 'limit=100, remaining=0, reset=20' }));
    expect(l.snapshot().blockedUntil).toBe(20_000);
  });

  it('reads the newer structured form with its policy: RateLimit: "default";r=0;t=20', () => {
    const { limiter: l } = limiter({ perSecond: 50 });
    l.observe(
      200,
      new Headers({
        RateLimit: '"default";r=0;t=20',
        'RateLimit-Policy': '"burst";q=100;w=1, "default";q=600;w=60',
      }),
    );
    expect(l.snapshot()).toMatchObject({
      blockedUntil: 20_000,
      providerRemaining: 0,
      perSecond: 10,
    });
  });

  it('follows RateLimit-Policy: 100;w=60 down to the provider’s sustained rate', async () => {
    const { clock, limiter: l } = limiter({ perSecond: 50, burst: 50 });
    l.observe(200, new Headers({ 'RateLimit-Policy': '100;w=60' }));
    expect(l.snapshot().perSecond).toBeCloseTo(100 / 60);
    while (l.tryAcquire()) {
      /* drain the burst */
    }
    await clock.advance(599);
    expect(l.tryAcquire()).toBe(false);
    await clock.advance(1);
    expect(l.tryAcquire()).toBe(true);

    // A provider allowing more than we are configured for does not raise our rate.
    l.observe(200, new Headers({ 'RateLimit-Policy': '10000;w=1' }));
    expect(l.snapshot().perSecond).toBe(50);
  });

  it('blocks on Retry-After (seconds) of a 429, and pushes running waits back', async () => {
    const { clock, limiter: l } = limiter({ perSecond: 10, burst: 1 });
    await l.acquire();
    const servedAt: number[] = [];
    const waiting = l.acquire().then(() => servedAt.push(clock.now())); // due at 100
    await clock.advance(40);
    l.observe(429, new Headers({ 'Retry-After': '2' }));
    expect(l.snapshot().blockedUntil).toBe(2_040);
    expect(l.tryAcquire()).toBe(false);
    await clock.advance(5_000);
    await waiting;
    expect(servedAt).toEqual([2_100]); // its remaining 60 ms, after the block
  });

  it('fails a running wait that a new block pushes past its deadline', async () => {
    const { clock, limiter: l } = limiter({ perSecond: 10, burst: 1 });
    await l.acquire();
    const waiting = l.acquire(undefined, 1_000);
    const outcome = expect(waiting).rejects.toMatchObject({ kind: 'rate_limited' });
    await clock.advance(10);
    l.observe(503, new Headers({ 'Retry-After': '5' }));
    await clock.advance(200);
    await outcome;
  });

  it('reads Retry-After as an HTTP-date on a 503, and ignores it on other statuses', () => {
    const { limiter: l } = limiter();
    l.observe(200, new Headers({ 'Retry-After': '30' }));
    expect(l.snapshot().blockedUntil).toBeNull();
    l.observe(
      503,
      new Headers({
        Date: new Date(WALL).toUTCString(),
        'Retry-After': new Date(WALL + 45_000).toUTCString(),
      }),
    );
    expect(l.snapshot().blockedUntil).toBe(45_000);
  });

  it('drains the bucket on a 429 without any hint', async () => {
    const { clock, limiter: l } = limiter({ perSecond: 10, burst: 5 });
    l.observe(429, new Headers());
    expect(l.tryAcquire()).toBe(false);
    await clock.advance(100);
    expect(l.tryAcquire()).toBe(true);
  });

  it('caps a block, so a wrong header cannot stop an integration for days', () => {
    const clock = createManualClock();
    const l = createRateLimiter(policy(), clock, { wallClock: () => WALL, maxBlockMs: 60_000 });
    l.observe(429, new Headers({ 'Retry-After': String(7 * 24 * 3600) }));
    expect(l.snapshot().blockedUntil).toBe(60_000);
  });

  it('ignores the provider when the policy is not adaptive', () => {
    const { limiter: l } = limiter({ adaptive: false });
    l.observe(429, new Headers({ 'Retry-After': '10', 'RateLimit-Policy': '1;w=60' }));
    expect(l.snapshot()).toMatchObject({
      blockedUntil: null,
      perSecond: 50,
      tokens: 50,
      headroom: 1,
    });
  });
});
