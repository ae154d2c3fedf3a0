// Retries of one upstream call: decorrelated jitter, Retry-After, idempotency, a shared budget, the deadline.
import type { RetryPolicySchema } from '@switchboard/shared/catalog';
import type { ErrorKind } from '@switchboard/shared/upstreams';
import type { z } from 'zod';
import type { Clock } from './clock';
import { SlidingWindow } from './sliding-window';
import { isUpstreamError } from './upstream-error';

/** The retry policy with every default applied. */
export type RetryPolicy = z.output<typeof RetryPolicySchema>;
export type RetryBudgetPolicy = RetryPolicy['budget'];

/**
 * What happened after one attempt. `retry` is the only one followed by another attempt;
 * the rest say why the call stopped.
 */
export type RetryDecision =
  | 'succeeded'
  | 'retry'
  | 'cancelled'
  | 'not_retryable'
  | 'not_idempotent'
  | 'attempts_exhausted'
  | 'budget_exhausted'
  | 'deadline';

/** Reported once per attempt, so the caller can publish one event per attempt. */
export interface RetryAttempt {
  /** 1 for the first attempt. */
  attempt: number;
  durationMs: number;
  /** The attempt's failure; absent when it succeeded. */
  error?: unknown;
  /** The wait before the next attempt; 0 when none follows. */
  delayMs: number;
  decision: RetryDecision;
}

export interface RetryCallOptions {
  /**
   * Whether sending the request twice is safe: true for GET/HEAD/PUT/DELETE, or with an
   * idempotency key. A non-idempotent call is never retried.
   */
  idempotent: boolean;
  signal?: AbortSignal;
  /** Clock time the caller's deadline ends: a wait that would reach it is not started. */
  deadlineAt?: number;
  onAttempt?: (attempt: RetryAttempt) => void;
}

export interface RetryOptions {
  /** Shared by every operation of one integration. */
  budget?: RetryBudget;
  /**
   * Without a `deadlineAt`, the longest Retry-After the call will wait for; a provider asking for
   * longer ends the retries. Default 60 s.
   */
  maxRetryAfterMs?: number;
}

export interface Retry {
  /**
   * Runs `fn` (given the attempt number, from 1) until it succeeds or a retry is not allowed,
   * then rethrows the last error; an abort while waiting rejects with the signal's reason.
   */
  execute<T>(
    fn: (attempt: number, signal: AbortSignal) => Promise<T>,
    options: RetryCallOptions,
  ): Promise<T>;
}

export interface RetryBudgetSnapshot {
  /** First attempts over the window. */
  calls: number;
  retries: number;
  /** Retries the window allows in all: max(minPerSecond × window seconds, ratio × calls). */
  allowed: number;
}

/** Envoy-style retry budget: retries may add at most `ratio` of the calls over the window. */
export interface RetryBudget {
  /** Counts a call (its first attempt). */
  recordCall(): void;
  /** Whether one more retry fits: retries + 1 <= max(minPerSecond × window seconds, ratio × calls). */
  canRetry(): boolean;
  recordRetry(): void;
  snapshot(): RetryBudgetSnapshot;
}

/**
 * AWS "decorrelated jitter": the next wait is uniform between the base and three times the
 * previous wait, capped: `min(max, between(base, previous * 3))`. Waits grow on average but
 * never in lockstep across callers.
 * @example let d = base; d = decorrelatedJitter(d, base, max, Math.random);
 */
export function decorrelatedJitter(
  previousMs: number,
  baseMs: number,
  maxMs: number,
  random: () => number,
): number {
  const high = Math.max(baseMs, previousMs * 3);
  return Math.min(maxMs, baseMs + random() * (high - baseMs));
}

// Products like 0.29 * 100 land just under the integer they mean; don't lose a retry to that.
const EPSILON = 1e-9;
const CALLS = 0;
const RETRIES = 1;

/**
 * Creates the retry budget of one integration: calls and retries counted over a sliding
 * `windowMs` (in buckets), so retries cannot multiply load on an upstream that is failing.
 * @example
 * const budget = createRetryBudget(policy.retry.budget, clock);
 * const retry = createRetry(policy.retry, clock, Math.random, { budget });
 */
export function createRetryBudget(
  budget: RetryBudgetPolicy,
  clock: Clock,
  options: { buckets?: number } = {},
): RetryBudget {
  const window = new SlidingWindow(budget.windowMs, options.buckets ?? 10, 2, clock.now());
  const floor = budget.minPerSecond * (budget.windowMs / 1000);
  const allowed = (calls: number) => Math.max(floor, budget.ratio * calls);
  return {
    recordCall: () => window.add(clock.now(), CALLS),
    recordRetry: () => window.add(clock.now(), RETRIES),
    canRetry() {
      const now = clock.now();
      return window.total(now, RETRIES) + 1 <= allowed(window.total(now, CALLS)) + EPSILON;
    },
    snapshot() {
      const now = clock.now();
      const calls = window.total(now, CALLS);
      return {
        calls,
        retries: window.total(now, RETRIES),
        allowed: Math.floor(allowed(calls) + EPSILON),
      };
    },
  };
}

/**
 * Creates a retry policy. A failed attempt is retried only if it is an `UpstreamError` whose kind
 * is in `retryOn`, the call is idempotent, attempts remain, the wait ends before `deadlineAt`
 * and the budget has room. The wait is decorrelated jitter, raised to the error's
 * `details.retryAfterMs` when the provider sent Retry-After (which may exceed `maxDelayMs`: the
 * provider's word beats our cap, the deadline still bounds it).
 *
 * @example
 * const retry = createRetry(policies.retry, clock, Math.random, { budget });
 * const res = await retry.execute((attempt, signal) => send(request, signal), {
 *   idempotent: request.method === 'GET' || request.idempotencyKey !== undefined,
 *   signal: deadline.signal,
 *   deadlineAt: deadline.at,
 *   onAttempt: (a) => bus.publish({ type: 'upstream.attempt', ...a }),
 * });
 */
export function createRetry(
  policy: RetryPolicy,
  clock: Clock,
  random: () => number,
  options: RetryOptions = {},
): Retry {
  return new RetryRunner(policy, clock, random, options);
}

class RetryRunner implements Retry {
  private readonly retryOn: ReadonlySet<ErrorKind>;
  private readonly budget: RetryBudget | undefined;
  private readonly maxRetryAfterMs: number;
  /** Handed to `fn` when the caller gave no signal, so `fn` always gets one. */
  private readonly idleSignal = new AbortController().signal;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly clock: Clock,
    private readonly random: () => number,
    options: RetryOptions,
  ) {
    this.retryOn = new Set(policy.retryOn);
    this.budget = options.budget;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  }

  async execute<T>(
    fn: (attempt: number, signal: AbortSignal) => Promise<T>,
    options: RetryCallOptions,
  ): Promise<T> {
    const { signal, onAttempt } = options;
    signal?.throwIfAborted();
    this.budget?.recordCall();
    const fnSignal = signal ?? this.idleSignal;
    let jitter = this.policy.baseDelayMs;
    for (let attempt = 1; ; attempt++) {
      // Durations are only for onAttempt; without it the success path reads no clock.
      const start = onAttempt === undefined ? 0 : this.clock.now();
      try {
        const value = await fn(attempt, fnSignal);
        // Optional call: the event object is not even built without a listener.
        onAttempt?.({
          attempt,
          durationMs: this.clock.now() - start,
          delayMs: 0,
          decision: 'succeeded',
        });
        return value;
      } catch (error) {
        const now = this.clock.now();
        let delayMs = 0;
        let decision: RetryDecision;
        if (signal?.aborted) decision = 'cancelled';
        else if (!isUpstreamError(error) || !this.retryOn.has(error.kind))
          decision = 'not_retryable';
        else if (!options.idempotent) decision = 'not_idempotent';
        else if (attempt >= this.policy.maxAttempts) decision = 'attempts_exhausted';
        else {
          // The jitter sequence follows its own waits, so one long Retry-After does not inflate later ones.
          jitter = decorrelatedJitter(
            jitter,
            this.policy.baseDelayMs,
            this.policy.maxDelayMs,
            this.random,
          );
          const retryAfterMs = error.details.retryAfterMs ?? 0;
          const wait = Math.max(jitter, retryAfterMs);
          const fits =
            options.deadlineAt === undefined
              ? retryAfterMs <= this.maxRetryAfterMs
              : now + wait < options.deadlineAt;
          if (!fits) decision = 'deadline';
          else if (this.budget !== undefined && !this.budget.canRetry())
            decision = 'budget_exhausted';
          else {
            this.budget?.recordRetry();
            decision = 'retry';
            delayMs = wait;
          }
        }
        onAttempt?.({ attempt, durationMs: now - start, error, delayMs, decision });
        if (decision !== 'retry') throw error;
        await this.clock.sleep(delayMs, signal);
      }
    }
  }
}
