// Circuit breaker behaviour, driven by a manual clock.
import { BreakerPolicySchema } from '@switchboard/shared/catalog';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  createCircuitBreaker,
  type BreakerStateChange,
  type CircuitBreaker,
} from './circuit-breaker';
import { createManualClock } from './clock';
import { UpstreamError } from './upstream-error';

const policy = (input: z.input<typeof BreakerPolicySchema> = {}) =>
  BreakerPolicySchema.parse(input);
const upstream5xx = () => new UpstreamError('http_5xx', 'upstream said 503', { httpStatus: 503 });

/** Reports `n` calls through tickets, all with the same outcome. */
function report(breaker: CircuitBreaker, n: number, outcome: 'ok' | 'fail' | number): void {
  for (let i = 0; i < n; i++) {
    const ticket = breaker.admit();
    if (outcome === 'fail') ticket.failure(upstream5xx());
    else ticket.success(outcome === 'ok' ? 1 : outcome);
  }
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('consecutive mode', () => {
  it('opens at the threshold and then fails fast without calling', async () => {
    const clock = createManualClock();
    const breaker = createCircuitBreaker(policy({ threshold: 3 }), clock);
    report(breaker, 2, 'fail');
    expect(breaker.state).toBe('closed');
    report(breaker, 1, 'fail');
    expect(breaker.state).toBe('open');

    let called = false;
    const error = await rejectionOf(
      breaker.execute(() => {
        called = true;
        return Promise.resolve(1);
      }),
    );
    expect(called).toBe(false);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).kind).toBe('breaker_open');
    expect((error as UpstreamError).details.retryAfterMs).toBe(10_000);
  });

  it('a success resets the run of failures', () => {
    const breaker = createCircuitBreaker(policy({ threshold: 3 }), createManualClock());
    report(breaker, 2, 'fail');
    report(breaker, 1, 'ok');
    report(breaker, 2, 'fail');
    expect(breaker.state).toBe('closed');
    expect(breaker.snapshot().consecutiveFailures).toBe(2);
  });

  it('does not count cancellations, refusals or 4xx by default; handleWhen decides', () => {
    const breaker = createCircuitBreaker(policy({ threshold: 1 }), createManualClock());
    for (const kind of ['cancelled', 'bulkhead_full', 'breaker_open', 'http_4xx'] as const) {
      breaker.admit().failure(new UpstreamError(kind, kind));
    }
    expect(breaker.state).toBe('closed');
    expect(breaker.snapshot().windowCalls).toBe(0);

    const only5xx = createCircuitBreaker(policy({ threshold: 1 }), createManualClock(), {
      handleWhen: (e) => e instanceof UpstreamError && e.kind === 'http_5xx',
    });
    only5xx.admit().failure(new UpstreamError('timeout', 'slow'));
    expect(only5xx.state).toBe('closed');
    only5xx.admit().failure(upstream5xx());
    expect(only5xx.state).toBe('open');
  });

  it('counts a slow success as a failure', () => {
    const breaker = createCircuitBreaker(
      policy({ threshold: 2, slowCallMs: 100 }),
      createManualClock(),
    );
    report(breaker, 1, 150);
    expect(breaker.snapshot()).toMatchObject({
      consecutiveFailures: 1,
      windowSlow: 1,
      state: 'closed',
    });
    report(breaker, 1, 100); // not slower than the threshold: a plain success
    expect(breaker.snapshot().consecutiveFailures).toBe(0);
    report(breaker, 2, 150);
    expect(breaker.state).toBe('open');
  });

  it('times calls made through execute for the slow-call rule', async () => {
    const clock = createManualClock();
    const breaker = createCircuitBreaker(policy({ threshold: 1, slowCallMs: 100 }), clock);
    const call = breaker.execute((signal) => clock.sleep(250, signal).then(() => 'late'));
    await clock.advance(250);
    await expect(call).resolves.toBe('late');
    expect(breaker.state).toBe('open');
  });
});

describe('ratio mode', () => {
  const ratio = { mode: 'ratio', failureRatio: 0.5, minimumCalls: 10, windowMs: 10_000 } as const;

  it('waits for minimumCalls, then opens at the failure ratio', () => {
    const breaker = createCircuitBreaker(policy(ratio), createManualClock());
    report(breaker, 9, 'fail');
    expect(breaker.state).toBe('closed');
    report(breaker, 1, 'fail');
    expect(breaker.state).toBe('open');
  });

  it('stays closed below the ratio and opens when it is reached', () => {
    const changes: BreakerStateChange[] = [];
    const breaker = createCircuitBreaker(policy(ratio), createManualClock());
    breaker.onStateChange((c) => changes.push(c));
    report(breaker, 6, 'ok');
    report(breaker, 4, 'fail');
    expect(breaker.snapshot()).toMatchObject({
      state: 'closed',
      windowCalls: 10,
      failureRatio: 0.4,
    });
    report(breaker, 2, 'fail'); // 6 of 12
    expect(breaker.state).toBe('open');
    expect(changes).toEqual([
      { from: 'closed', to: 'open', forced: null, reason: 'failure_ratio', at: 0 },
    ]);
  });

  it('forgets calls older than the window', async () => {
    const clock = createManualClock();
    const breaker = createCircuitBreaker(policy(ratio), clock);
    report(breaker, 9, 'fail');
    await clock.advance(10_000);
    expect(breaker.snapshot().windowCalls).toBe(0);
    report(breaker, 1, 'fail');
    expect(breaker.state).toBe('closed');
  });

  it('opens on the slow-call ratio', () => {
    const breaker = createCircuitBreaker(
      policy({ ...ratio, minimumCalls: 4, slowCallMs: 100, slowCallRatio: 0.5 }),
      createManualClock(),
    );
    const changes: BreakerStateChange[] = [];
    breaker.onStateChange((c) => changes.push(c));
    report(breaker, 2, 'ok');
    report(breaker, 1, 500);
    expect(breaker.state).toBe('closed'); // 3 calls: under minimumCalls
    report(breaker, 1, 500);
    expect(breaker.state).toBe('open');
    expect(changes[0]?.reason).toBe('slow_call_ratio');
  });
});

describe('half-open', () => {
  async function openBreaker(probes: number) {
    const clock = createManualClock();
    const breaker = createCircuitBreaker(
      policy({ threshold: 1, halfOpenAfterMs: 1_000, halfOpenProbes: probes }),
      clock,
    );
    report(breaker, 1, 'fail');
    await clock.advance(1_000);
    return { clock, breaker };
  }

  it('admits exactly halfOpenProbes probes and closes after they all succeed', async () => {
    const { breaker } = await openBreaker(2);
    expect(breaker.state).toBe('half-open');
    const a = breaker.admit();
    const b = breaker.admit();
    expect([a.probe, b.probe]).toEqual([true, true]);
    expect(() => breaker.admit()).toThrow(UpstreamError);
    a.success(5);
    expect(breaker.state).toBe('half-open');
    expect(() => breaker.admit()).toThrow(/probes already in flight/);
    b.success(5);
    expect(breaker.snapshot()).toMatchObject({
      state: 'closed',
      consecutiveFailures: 0,
      windowCalls: 0,
    });
  });

  it('reopens on a probe failure, with a new wait', async () => {
    const { clock, breaker } = await openBreaker(2);
    const a = breaker.admit();
    const b = breaker.admit();
    a.success(1);
    await clock.advance(300);
    b.failure(upstream5xx());
    expect(breaker.snapshot()).toMatchObject({ state: 'open', openedAt: 1_300, halfOpenAt: 2_300 });
    await clock.advance(999);
    expect(breaker.state).toBe('open');
    await clock.advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it('gives the slot of a probe that told nothing to another caller', async () => {
    const { breaker } = await openBreaker(1);
    breaker.admit().ignore();
    const next = breaker.admit();
    next.success(1);
    expect(breaker.state).toBe('closed');
  });

  it('ignores outcomes of calls admitted before a transition', async () => {
    const { clock, breaker } = await openBreaker(1);
    breaker.release();
    const early = breaker.admit(); // admitted while closed
    breaker.admit().failure(upstream5xx()); // opens it (threshold 1)
    await clock.advance(1_000);
    const probe = breaker.admit();
    early.failure(upstream5xx()); // a failure from before the breaker opened must not reopen it
    expect(breaker.state).toBe('half-open');
    probe.success(1);
    expect(breaker.state).toBe('closed');
  });
});

describe('operator controls', () => {
  it('forceOpen isolates until release, which resets the counters', async () => {
    const clock = createManualClock();
    const breaker = createCircuitBreaker(policy({ threshold: 5, halfOpenAfterMs: 1_000 }), clock);
    report(breaker, 2, 'fail');
    breaker.forceOpen();
    await clock.advance(60_000);
    expect(breaker.snapshot()).toMatchObject({
      state: 'open',
      forced: 'open',
      halfOpenAt: null,
      distanceToTrip: 0,
    });
    expect(() => breaker.admit()).toThrow(/held open by an operator/);
    breaker.release();
    expect(breaker.snapshot()).toMatchObject({
      state: 'closed',
      forced: null,
      consecutiveFailures: 0,
      windowCalls: 0,
      distanceToTrip: 5,
    });
  });

  it('forceClosed always admits and never trips, but still counts', () => {
    const breaker = createCircuitBreaker(policy({ threshold: 2 }), createManualClock());
    report(breaker, 2, 'fail');
    expect(breaker.state).toBe('open');
    breaker.forceClosed();
    report(breaker, 10, 'fail');
    expect(breaker.snapshot()).toMatchObject({
      state: 'closed',
      forced: 'closed',
      consecutiveFailures: 10,
      windowFailures: 10,
      distanceToTrip: null,
    });
    breaker.release();
    report(breaker, 2, 'fail');
    expect(breaker.state).toBe('open');
  });
});

describe('observability', () => {
  it('reports distanceToTrip in the mode’s terms', () => {
    const consecutive = createCircuitBreaker(policy({ threshold: 5 }), createManualClock());
    expect(consecutive.snapshot().distanceToTrip).toBe(5);
    report(consecutive, 3, 'fail');
    expect(consecutive.snapshot().distanceToTrip).toBe(2);

    const ratio = createCircuitBreaker(
      policy({ mode: 'ratio', failureRatio: 0.5, minimumCalls: 10 }),
      createManualClock(),
    );
    expect(ratio.snapshot().distanceToTrip).toBe(10); // minimumCalls governs
    report(ratio, 8, 'ok');
    expect(ratio.snapshot().distanceToTrip).toBe(8); // 8 of 16
    report(ratio, 2, 'fail');
    expect(ratio.snapshot().distanceToTrip).toBe(6); // 8 of 16
    report(ratio, 5, 'fail');
    expect(ratio.snapshot().distanceToTrip).toBe(1);
    report(ratio, 1, 'fail');
    expect(ratio.snapshot()).toMatchObject({ state: 'open', distanceToTrip: 0 });

    const all = createCircuitBreaker(
      policy({ mode: 'ratio', failureRatio: 1, minimumCalls: 2 }),
      createManualClock(),
    );
    report(all, 1, 'ok');
    expect(all.snapshot().distanceToTrip).toBeNull(); // a success in the window: failures alone never reach 1
  });

  it('keeps the ratio distance right where float rounding bites', () => {
    // 0.29 × 100 = 28.999999999999996 in floating point.
    const breaker = createCircuitBreaker(
      policy({ mode: 'ratio', failureRatio: 0.29, minimumCalls: 1 }),
      createManualClock(),
    );
    report(breaker, 71, 'ok');
    const { distanceToTrip } = breaker.snapshot();
    expect(distanceToTrip).toBe(29);
    report(breaker, 28, 'fail');
    expect(breaker.state).toBe('closed');
    report(breaker, 1, 'fail');
    expect(breaker.state).toBe('open');
  });

  it('emits every change with from, to, reason and time, until unsubscribed', async () => {
    const clock = createManualClock();
    const breaker = createCircuitBreaker(policy({ threshold: 1, halfOpenAfterMs: 1_000 }), clock);
    const changes: BreakerStateChange[] = [];
    const unsubscribe = breaker.onStateChange((c) => changes.push(c));
    report(breaker, 1, 'fail');
    await clock.advance(5_000);
    report(breaker, 1, 'ok'); // the probe: noticed late, dated when the wait ended
    breaker.forceOpen();
    unsubscribe();
    breaker.release();
    expect(changes).toEqual([
      { from: 'closed', to: 'open', forced: null, reason: 'consecutive_failures', at: 0 },
      { from: 'open', to: 'half-open', forced: null, reason: 'half_open_after', at: 1_000 },
      { from: 'half-open', to: 'closed', forced: null, reason: 'probes_succeeded', at: 5_000 },
      { from: 'closed', to: 'open', forced: 'open', reason: 'forced_open', at: 5_000 },
    ]);
  });

  it('round-trips its state through JSON, on another clock', async () => {
    const clock = createManualClock(50_000);
    const p = policy({
      mode: 'ratio',
      minimumCalls: 4,
      failureRatio: 0.5,
      halfOpenAfterMs: 10_000,
    });
    const breaker = createCircuitBreaker(p, clock);
    report(breaker, 2, 'ok');
    report(breaker, 2, 'fail');
    await clock.advance(4_000);
    const saved = JSON.parse(JSON.stringify(breaker)) as ReturnType<CircuitBreaker['toJSON']>;

    const later = createManualClock(7);
    const restored = createCircuitBreaker(p, later, { initialState: saved });
    expect(restored.snapshot()).toMatchObject({
      state: 'open',
      openedAt: 7 - 4_000,
      halfOpenAt: 7 + 6_000,
      windowCalls: 4,
      windowFailures: 2,
    });
    await later.advance(6_000);
    expect(restored.state).toBe('half-open');

    const closed = createCircuitBreaker(policy({ threshold: 3 }), createManualClock());
    report(closed, 2, 'fail');
    closed.forceClosed();
    const again = createCircuitBreaker(policy({ threshold: 3 }), createManualClock(), {
      initialState: closed.toJSON(),
    });
    expect(again.snapshot()).toMatchObject({
      state: 'closed',
      forced: 'closed',
      consecutiveFailures: 2,
    });
  });
});

describe('execute', () => {
  it('passes the signal down and rejects with its reason when already aborted', async () => {
    const breaker = createCircuitBreaker(policy(), createManualClock());
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    await breaker.execute((signal) => {
      seen = signal;
      return Promise.resolve();
    }, controller.signal);
    expect(seen).toBe(controller.signal);
    const reason = new UpstreamError('cancelled', 'client went away');
    controller.abort(reason);
    await expect(breaker.execute(() => Promise.resolve(1), controller.signal)).rejects.toBe(reason);
  });

  it('does not count a call the caller aborted', async () => {
    const breaker = createCircuitBreaker(policy({ threshold: 1 }), createManualClock());
    const controller = new AbortController();
    const call = breaker.execute(
      (signal) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('socket closed'))),
        ),
      controller.signal,
    );
    controller.abort();
    await expect(call).rejects.toThrow('socket closed');
    expect(breaker.state).toBe('closed');
  });
});
