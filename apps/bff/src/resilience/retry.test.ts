// Retry policy and retry budget, driven by a manual clock and a scripted random.
import { RetryPolicySchema } from '@switchboard/shared/catalog';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createManualClock } from './clock';
import { createRetry, createRetryBudget, decorrelatedJitter, type RetryAttempt } from './retry';
import { UpstreamError } from './upstream-error';

const policy = (input: z.input<typeof RetryPolicySchema> = {}) => RetryPolicySchema.parse(input);
const fixed = (value: number) => () => value;
/** A small seeded generator (mulberry32), so "random" runs repeat exactly. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const timeout = () => new UpstreamError('timeout', 'no answer in time');

/** A call that fails with the given errors in turn, then succeeds; records when each attempt ran. */
function script(clock: { now(): number }, ...errors: Error[]) {
  const startedAt: number[] = [];
  const fn = (attempt: number) => {
    startedAt.push(clock.now());
    const error = errors[attempt - 1];
    return error ? Promise.reject(error) : Promise.resolve(`ok after ${attempt}`);
  };
  return { fn, startedAt };
}

describe('decorrelatedJitter', () => {
  it('stays between the base and three times the previous wait, under the cap', () => {
    const random = seeded(42);
    let previous = 100;
    for (let i = 0; i < 1_000; i++) {
      const next = decorrelatedJitter(previous, 100, 2_000, random);
      expect(next).toBeGreaterThanOrEqual(100);
      expect(next).toBeLessThanOrEqual(Math.min(2_000, previous * 3));
      previous = next;
    }
  });

  it('spans the whole range: base at random 0, 3 × previous (capped) at random 1', () => {
    expect(decorrelatedJitter(300, 100, 2_000, fixed(0))).toBe(100);
    expect(decorrelatedJitter(300, 100, 2_000, fixed(1))).toBe(900);
    expect(decorrelatedJitter(900, 100, 2_000, fixed(1))).toBe(2_000);
  });
});

describe('retry', () => {
  it('retries retryable failures with growing, capped waits and reports every attempt', async () => {
    const clock = createManualClock();
    const retry = createRetry(
      policy({ maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 500 }),
      clock,
      fixed(1),
    );
    const { fn, startedAt } = script(clock, timeout(), timeout(), timeout());
    const attempts: RetryAttempt[] = [];
    const call = retry.execute(fn, { idempotent: true, onAttempt: (a) => attempts.push(a) });
    await clock.advance(10_000);
    await expect(call).resolves.toBe('ok after 4');
    // 100 → 300 → 900 capped at 500.
    expect(startedAt).toEqual([0, 300, 800, 1_300]);
    expect(attempts.map((a) => [a.attempt, a.decision, a.delayMs])).toEqual([
      [1, 'retry', 300],
      [2, 'retry', 500],
      [3, 'retry', 500],
      [4, 'succeeded', 0],
    ]);
    expect(attempts[0]?.error).toBeInstanceOf(UpstreamError);
    expect(attempts[3]?.error).toBeUndefined();
  });

  it('gives up after maxAttempts with the last error', async () => {
    const clock = createManualClock();
    const retry = createRetry(policy({ maxAttempts: 2, baseDelayMs: 10 }), clock, fixed(0));
    const last = timeout();
    const { fn } = script(clock, timeout(), last, timeout());
    const attempts: RetryAttempt[] = [];
    const call = retry.execute(fn, { idempotent: true, onAttempt: (a) => attempts.push(a) });
    // Attach before time moves: the call rejects while the clock advances.
    const outcome = expect(call).rejects.toBe(last);
    await clock.advance(1_000);
    await outcome;
    expect(attempts.map((a) => a.decision)).toEqual(['retry', 'attempts_exhausted']);
  });

  it('waits at least as long as Retry-After, even past maxDelayMs', async () => {
    const clock = createManualClock();
    const retry = createRetry(policy({ baseDelayMs: 100, maxDelayMs: 200 }), clock, fixed(0));
    const limited = new UpstreamError('rate_limited', '429', {
      httpStatus: 429,
      retryAfterMs: 1_500,
    });
    const { fn, startedAt } = script(clock, limited);
    const call = retry.execute(fn, { idempotent: true });
    await clock.advance(1_499);
    expect(startedAt).toEqual([0]);
    await clock.advance(1);
    await expect(call).resolves.toBe('ok after 2');
    expect(startedAt).toEqual([0, 1_500]);
  });

  it('does not start a wait that would pass the deadline, and rethrows', async () => {
    const clock = createManualClock();
    const retry = createRetry(policy(), clock, fixed(0));
    const limited = new UpstreamError('rate_limited', '429', { retryAfterMs: 3_000 });
    const { fn, startedAt } = script(clock, limited);
    const attempts: RetryAttempt[] = [];
    const call = retry.execute(fn, {
      idempotent: true,
      deadlineAt: 2_000,
      onAttempt: (a) => attempts.push(a),
    });
    await expect(call).rejects.toBe(limited);
    expect(startedAt).toEqual([0]);
    expect(attempts.map((a) => a.decision)).toEqual(['deadline']);
  });

  it('without a deadline, refuses a Retry-After longer than maxRetryAfterMs', async () => {
    const clock = createManualClock();
    const retry = createRetry(policy(), clock, fixed(0), { maxRetryAfterMs: 5_000 });
    const limited = new UpstreamError('rate_limited', '429', { retryAfterMs: 3_600_000 });
    await expect(retry.execute(script(clock, limited).fn, { idempotent: true })).rejects.toBe(
      limited,
    );
  });

  it('never retries a non-idempotent call', async () => {
    const clock = createManualClock();
    const retry = createRetry(policy(), clock, fixed(0));
    const failure = new UpstreamError('http_5xx', '502');
    const { fn, startedAt } = script(clock, failure);
    const attempts: RetryAttempt[] = [];
    await expect(
      retry.execute(fn, { idempotent: false, onAttempt: (a) => attempts.push(a) }),
    ).rejects.toBe(failure);
    expect(startedAt).toHaveLength(1);
    expect(attempts.map((a) => a.decision)).toEqual(['not_idempotent']);
  });

  it('retries only the kinds in retryOn', async () => {
    const clock = createManualClock();
    const retry = createRetry(policy({ retryOn: ['timeout'] }), clock, fixed(0));
    for (const error of [
      new UpstreamError('http_5xx', '500'),
      new UpstreamError('http_4xx', '404'),
      new TypeError('a bug, not an upstream failure'),
    ]) {
      const { fn, startedAt } = script(clock, error);
      await expect(retry.execute(fn, { idempotent: true })).rejects.toBe(error);
      expect(startedAt).toHaveLength(1);
    }
    const { fn, startedAt } = script(clock, timeout());
    const call = retry.execute(fn, { idempotent: true });
    await clock.advance(1_000);
    await expect(call).resolves.toBe('ok after 2');
    expect(startedAt).toHaveLength(2);
  });

  it('rejects with the signal’s reason when aborted during a wait', async () => {
    const clock = createManualClock();
    const retry = createRetry(policy({ baseDelayMs: 1_000, maxDelayMs: 1_000 }), clock, fixed(0));
    const controller = new AbortController();
    const { fn, startedAt } = script(clock, timeout());
    const call = retry.execute(fn, { idempotent: true, signal: controller.signal });
    await clock.advance(500);
    const reason = new UpstreamError('cancelled', 'client went away');
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(startedAt).toHaveLength(1);
  });

  it('hands the signal to every attempt and stops once it has aborted', async () => {
    const clock = createManualClock();
    const retry = createRetry(policy(), clock, fixed(0));
    const controller = new AbortController();
    const attempts: RetryAttempt[] = [];
    const failure = timeout();
    const call = retry.execute(
      (_attempt, signal) => {
        expect(signal).toBe(controller.signal);
        controller.abort();
        return Promise.reject(failure);
      },
      { idempotent: true, signal: controller.signal, onAttempt: (a) => attempts.push(a) },
    );
    await expect(call).rejects.toBe(failure);
    expect(attempts.map((a) => a.decision)).toEqual(['cancelled']);
  });
});

describe('retry budget', () => {
  it('lets 100 failing calls add at most 20 retries at ratio 0.2', async () => {
    const clock = createManualClock();
    const p = policy({ baseDelayMs: 0, maxDelayMs: 0, budget: { ratio: 0.2, minPerSecond: 0 } });
    const budget = createRetryBudget(p.budget, clock);
    const retry = createRetry(p, clock, fixed(0), { budget });
    let attempts = 0;
    let budgetStops = 0;
    for (let i = 0; i < 100; i++) {
      await retry
        .execute(
          () => {
            attempts++;
            return Promise.reject(timeout());
          },
          {
            idempotent: true,
            onAttempt: (a) => {
              if (a.decision === 'budget_exhausted') budgetStops++;
            },
          },
        )
        .catch(() => undefined);
    }
    const retries = attempts - 100;
    expect(retries).toBeGreaterThan(0);
    expect(retries).toBeLessThanOrEqual(20);
    expect(budgetStops).toBeGreaterThan(0);
    expect(budget.snapshot()).toEqual({ calls: 100, retries, allowed: 20 });
  });

  it('holds concurrent calls to the same share', async () => {
    const clock = createManualClock();
    const p = policy({
      maxAttempts: 5,
      baseDelayMs: 0,
      maxDelayMs: 0,
      budget: { ratio: 0.2, minPerSecond: 0 },
    });
    const budget = createRetryBudget(p.budget, clock);
    const retry = createRetry(p, clock, fixed(0), { budget });
    let attempts = 0;
    const calls = Array.from({ length: 100 }, () =>
      retry
        .execute(
          () => {
            attempts++;
            return Promise.reject(timeout());
          },
          { idempotent: true },
        )
        .catch(() => undefined),
    );
    await Promise.all(calls);
    expect(attempts - 100).toBe(20);
  });

  it('always allows minPerSecond × window seconds, and forgets after the window', async () => {
    const clock = createManualClock();
    const budget = createRetryBudget({ ratio: 0, minPerSecond: 1, windowMs: 10_000 }, clock);
    for (let i = 0; i < 10; i++) {
      expect(budget.canRetry()).toBe(true);
      budget.recordRetry();
    }
    expect(budget.canRetry()).toBe(false);
    await clock.advance(10_000);
    expect(budget.canRetry()).toBe(true);
    expect(budget.snapshot()).toEqual({ calls: 0, retries: 0, allowed: 10 });
  });
});
