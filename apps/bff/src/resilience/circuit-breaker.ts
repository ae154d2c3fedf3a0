// Circuit breaker for one integration: stops calling an upstream that keeps failing, probes it, recovers.
import type { BreakerPolicySchema } from '@switchboard/shared/catalog';
import type { z } from 'zod';
import type { Clock } from './clock';
import { SlidingWindow, type SlidingWindowJSON } from './sliding-window';
import { UpstreamError, isUpstreamError } from './upstream-error';

/** The breaker policy with every default applied. */
export type BreakerPolicy = z.output<typeof BreakerPolicySchema>;
export type BreakerState = 'closed' | 'open' | 'half-open';
/** `open`: isolated by an operator; `closed`: held closed by an operator; `null`: automatic. */
export type BreakerForced = 'open' | 'closed' | null;
export type BreakerChangeReason =
  | 'consecutive_failures'
  | 'failure_ratio'
  | 'slow_call_ratio'
  | 'half_open_after'
  | 'probe_failed'
  | 'probes_succeeded'
  | 'forced_open'
  | 'forced_closed'
  | 'released'
  | 'reset';

/** One transition, as published on the event bus. Operator actions are reported even when the state itself stays the same. */
export interface BreakerStateChange {
  from: BreakerState;
  to: BreakerState;
  forced: BreakerForced;
  reason: BreakerChangeReason;
  /** Clock time of the change (for `half_open_after`: when the wait ended, not when it was noticed). */
  at: number;
}

export interface BreakerSnapshot {
  state: BreakerState;
  forced: BreakerForced;
  mode: BreakerPolicy['mode'];
  consecutiveFailures: number;
  windowCalls: number;
  windowFailures: number;
  windowSlow: number;
  /** windowFailures / windowCalls, 0 without calls. */
  failureRatio: number;
  /**
   * How many more failures, in a row, would open the breaker (in the mode's terms: consecutive
   * failures, or failures added to the window); 1 while half-open (one failed probe reopens it),
   * 0 while open, `null` when failures alone cannot open it (held closed, or a ratio of 1 with
   * successes still in the window).
   */
  distanceToTrip: number | null;
  openedAt: number | null;
  /** When the breaker becomes (or became) half-open; null while closed or isolated. */
  halfOpenAt: number | null;
  probesInFlight: number;
}

/**
 * Serialisable breaker state (like cockatiel's `toJSON()` / `initialState`). Times are stored
 * relative to the moment of saving, because `Clock.now()` is monotonic and means nothing in
 * another process; a breaker saved half-open comes back open with its wait already over.
 */
export interface BreakerJSON {
  v: 1;
  state: 'closed' | 'open';
  forced: BreakerForced;
  openedAgoMs: number | null;
  halfOpenInMs: number | null;
  consecutiveFailures: number;
  /** Window buckets of [calls, failures, slow]. */
  window: SlidingWindowJSON;
}

/** What the caller reports for one admitted call (the low-level alternative to `execute`). */
export interface BreakerTicket {
  /** Whether this call is a half-open probe. */
  readonly probe: boolean;
  success(durationMs: number): void;
  /** Counts only if `handleWhen(error)`; otherwise it is ignored, as `ignore()`. */
  failure(error: unknown): void;
  /** The call says nothing about the upstream (cancelled by the caller): frees a probe slot. */
  ignore(): void;
}

export interface CircuitBreakerOptions {
  /** Which failures count against the upstream; defaults to {@link countsAsBreakerFailure}. */
  handleWhen?: (error: unknown) => boolean;
  /** State saved earlier with `toJSON()`. */
  initialState?: BreakerJSON;
  /** Buckets the sliding window is cut into (resolution = windowMs / buckets). Default 10. */
  buckets?: number;
}

export interface CircuitBreaker {
  /** The current state; an open breaker whose wait is over reads (and becomes) half-open. */
  readonly state: BreakerState;
  /**
   * Runs `fn` if the breaker admits it, timing it for the slow-call rule.
   * @throws UpstreamError `breaker_open` without calling `fn` when refused.
   */
  execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /**
   * Asks to make one call, for pipelines that time calls themselves; report the outcome on the
   * ticket exactly once.
   * @throws UpstreamError `breaker_open` when refused.
   */
  admit(): BreakerTicket;
  /** Isolates the upstream: open until `release()`. */
  forceOpen(): void;
  /** Always admits and never trips; outcomes are still counted. */
  forceClosed(): void;
  /** Back to automatic: closed, counters reset. */
  release(): void;
  /**
   * Clears the failure counts without changing who holds the breaker: an automatic breaker closes,
   * a forced one stays as the operator left it (reported as a transition either way).
   */
  reset(): void;
  snapshot(): BreakerSnapshot;
  toJSON(): BreakerJSON;
  /**
   * Listens to transitions (run synchronously, after the state has changed; a listener that
   * throws is reported as an uncaught error, never to the caller whose call caused the change).
   * @returns unsubscribe
   */
  onStateChange(listener: (change: BreakerStateChange) => void): () => void;
}

/**
 * The default `handleWhen`: every failure counts except those that say nothing about the
 * upstream's health: the caller gave up (`cancelled`), we refused to call (`bulkhead_full`,
 * `breaker_open`), or the request was wrong (`http_4xx`). Unclassified errors count, so a
 * failure nobody classified can still open the breaker.
 */
export function countsAsBreakerFailure(error: unknown): boolean {
  if (!isUpstreamError(error)) return true;
  switch (error.kind) {
    case 'cancelled':
    case 'bulkhead_full':
    case 'breaker_open':
    case 'http_4xx':
      return false;
    default:
      return true;
  }
}

// Window series.
const CALLS = 0;
const FAILURES = 1;
const SLOW = 2;
// Outcomes, as numbers to keep the per-call path free of string compares.
const SUCCESS = 0;
const FAILURE = 1;
const IGNORED = 2;
type Outcome = typeof SUCCESS | typeof FAILURE | typeof IGNORED;

/**
 * Creates a circuit breaker. `consecutive` mode opens after `threshold` failures in a row (a slow
 * success counts as a failure); `ratio` mode opens when, over the sliding `windowMs` and with at
 * least `minimumCalls`, failures/calls reaches `failureRatio` or slow/calls reaches
 * `slowCallRatio`. After `halfOpenAfterMs` it admits `halfOpenProbes` concurrent probes: all
 * succeed → closed, any fails → open again. No timers run: the wait is checked on the next call.
 *
 * @example
 * const breaker = createCircuitBreaker(BreakerPolicySchema.parse({ threshold: 3 }), systemClock);
 * breaker.onStateChange((c) => bus.publish({ type: 'breaker', ...c }));
 * const data = await breaker.execute((signal) => fetchQuote(signal), request.signal);
 *
 * // Or, where the pipeline times the call itself:
 * const ticket = breaker.admit();
 * try { const r = await send(); ticket.success(r.durationMs); } catch (e) { ticket.failure(e); throw e; }
 */
export function createCircuitBreaker(
  policy: BreakerPolicy,
  clock: Clock,
  options: CircuitBreakerOptions = {},
): CircuitBreaker {
  return new Breaker(policy, clock, options);
}

class Breaker implements CircuitBreaker {
  private current: BreakerState = 'closed';
  private forced: BreakerForced = null;
  /**
   * Bumped on every transition. A permit carries the generation it was issued in, so a call
   * admitted before a transition (a slow call finishing after the breaker opened, or after an
   * operator released it) cannot move the new state.
   */
  private generation = 0;
  private consecutiveFailures = 0;
  private openedAt: number | null = null;
  private halfOpenAt: number | null = null;
  private probesAdmitted = 0;
  private probeSuccesses = 0;
  private readonly window: SlidingWindow;
  private readonly listeners = new Set<(change: BreakerStateChange) => void>();
  private readonly handleWhen: (error: unknown) => boolean;
  /** Handed to `fn` when the caller gave no signal, so `fn` always gets one. */
  private readonly idleSignal = new AbortController().signal;

  constructor(
    private readonly policy: BreakerPolicy,
    private readonly clock: Clock,
    options: CircuitBreakerOptions,
  ) {
    this.handleWhen = options.handleWhen ?? countsAsBreakerFailure;
    const now = clock.now();
    this.window = new SlidingWindow(policy.windowMs, options.buckets ?? 10, 3, now);
    if (options.initialState) this.restore(options.initialState, now);
  }

  get state(): BreakerState {
    if (this.current === 'open') this.checkHalfOpen(this.clock.now());
    return this.current;
  }

  async execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    const permit = this.admitPermit();
    // Clock reads cost ~0.1 µs on a VM: read the start only when the slow-call rule needs it.
    const timed = this.policy.slowCallMs > 0;
    const start = timed ? this.clock.now() : 0;
    let value: T;
    try {
      value = await fn(signal ?? this.idleSignal);
    } catch (error) {
      this.record(
        permit,
        signal?.aborted === true || !this.handleWhen(error) ? IGNORED : FAILURE,
        0,
      );
      throw error;
    }
    const end = this.clock.now();
    this.record(permit, SUCCESS, timed ? end - start : 0, end);
    return value;
  }

  admit(): BreakerTicket {
    return new Ticket(this, this.admitPermit());
  }

  forceOpen(): void {
    this.forced = 'open';
    this.transition('open', 'forced_open', this.clock.now());
  }

  forceClosed(): void {
    this.forced = 'closed';
    this.transition('closed', 'forced_closed', this.clock.now());
  }

  release(): void {
    this.forced = null;
    const now = this.clock.now();
    this.transition('closed', 'released', now);
    this.resetCounters(now);
  }

  reset(): void {
    const now = this.clock.now();
    const to = this.forced === null ? 'closed' : this.current;
    this.transition(to, 'reset', now);
    this.resetCounters(now);
  }

  snapshot(): BreakerSnapshot {
    const now = this.clock.now();
    if (this.current === 'open') this.checkHalfOpen(now);
    const calls = this.window.total(now, CALLS);
    const failures = this.window.total(now, FAILURES);
    return {
      state: this.current,
      forced: this.forced,
      mode: this.policy.mode,
      consecutiveFailures: this.consecutiveFailures,
      windowCalls: calls,
      windowFailures: failures,
      windowSlow: this.window.total(now, SLOW),
      failureRatio: calls > 0 ? failures / calls : 0,
      distanceToTrip: this.distanceToTrip(calls, failures),
      openedAt: this.openedAt,
      halfOpenAt: this.halfOpenAt,
      probesInFlight: this.current === 'half-open' ? this.probesAdmitted - this.probeSuccesses : 0,
    };
  }

  toJSON(): BreakerJSON {
    const now = this.clock.now();
    if (this.current === 'open') this.checkHalfOpen(now);
    return {
      v: 1,
      state: this.current === 'closed' ? 'closed' : 'open',
      forced: this.forced,
      openedAgoMs: this.openedAt === null ? null : now - this.openedAt,
      // Probes in flight are not saved: a restored half-open breaker probes afresh.
      halfOpenInMs:
        this.current === 'half-open'
          ? 0
          : this.halfOpenAt === null
            ? null
            : Math.max(0, this.halfOpenAt - now),
      consecutiveFailures: this.consecutiveFailures,
      window: this.window.toJSON(now),
    };
  }

  onStateChange(listener: (change: BreakerStateChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Admits one call or throws `breaker_open`. The permit is `generation * 2 + isProbe`: a plain
   * number, so `execute` allocates nothing per call.
   */
  admitPermit(): number {
    // Closed (automatic or held closed) is the hot path: no clock read.
    if (this.current === 'closed') return this.generation * 2;
    const now = this.clock.now();
    if (this.current === 'open') {
      this.checkHalfOpen(now);
      if (this.current === 'open') throw this.openError(now);
    }
    if (this.probesAdmitted < this.policy.halfOpenProbes) {
      this.probesAdmitted++;
      return this.generation * 2 + 1;
    }
    throw this.openError(now);
  }

  handles(error: unknown): boolean {
    return this.handleWhen(error);
  }

  /** Applies the outcome of a call admitted with `permit`; `at` saves a clock read when known. */
  record(permit: number, outcome: Outcome, durationMs: number, at?: number): void {
    const probe = permit % 2 === 1;
    // Admitted before the last transition: its outcome belongs to a state that is gone.
    if ((permit - (probe ? 1 : 0)) / 2 !== this.generation) return;
    if (outcome === IGNORED && !probe) return;
    const now = at ?? this.clock.now();
    const slow =
      outcome === SUCCESS && this.policy.slowCallMs > 0 && durationMs > this.policy.slowCallMs;
    if (probe) {
      if (outcome === IGNORED) {
        // The probe told us nothing; let another call probe instead.
        this.probesAdmitted--;
      } else if (outcome === FAILURE || slow) {
        // Where slow calls can open the breaker, a slow probe keeps it open.
        this.transition('open', 'probe_failed', now);
      } else if (++this.probeSuccesses >= this.policy.halfOpenProbes) {
        this.transition('closed', 'probes_succeeded', now);
        this.resetCounters(now);
      }
      return;
    }
    this.window.advance(now);
    this.window.bump(CALLS);
    if (outcome === FAILURE) {
      this.window.bump(FAILURES);
      this.consecutiveFailures++;
    } else if (slow) {
      this.window.bump(SLOW);
      if (this.policy.mode === 'consecutive') this.consecutiveFailures++;
      else this.consecutiveFailures = 0;
    } else {
      this.consecutiveFailures = 0;
    }
    if (this.forced !== null) return;
    const reason = this.tripReason();
    if (reason !== null) this.transition('open', reason, now);
  }

  /** Whether the counts, just updated (the window already advanced), open the breaker. */
  private tripReason(): BreakerChangeReason | null {
    const p = this.policy;
    if (p.mode === 'consecutive') {
      return this.consecutiveFailures >= p.threshold ? 'consecutive_failures' : null;
    }
    const calls = this.window.current(CALLS);
    if (calls < p.minimumCalls) return null;
    if (this.ratioTrips(calls, this.window.current(FAILURES))) return 'failure_ratio';
    const slow = this.window.current(SLOW);
    if (p.slowCallMs > 0 && slow > 0 && slow / calls >= p.slowCallRatio) return 'slow_call_ratio';
    return null;
  }

  private ratioTrips(calls: number, failures: number): boolean {
    return (
      calls >= this.policy.minimumCalls &&
      failures > 0 &&
      failures / calls >= this.policy.failureRatio
    );
  }

  private distanceToTrip(calls: number, failures: number): number | null {
    if (this.forced === 'closed') return null;
    if (this.current === 'open') return 0;
    if (this.current === 'half-open') return 1;
    const p = this.policy;
    if (p.mode === 'consecutive') return Math.max(1, p.threshold - this.consecutiveFailures);
    const r = p.failureRatio;
    // With r = 1 every call in the window must have failed; new failures cannot outweigh old successes.
    if (r >= 1 && failures < calls) return null;
    // Smallest k with (failures + k) / (calls + k) >= r and calls + k >= minimumCalls, then
    // nudged against the breaker's own test so float rounding cannot put it off by one.
    let k = Math.max(
      1,
      p.minimumCalls - calls,
      r < 1 ? Math.ceil((r * calls - failures) / (1 - r)) : 1,
    );
    while (k > 1 && this.ratioTrips(calls + k - 1, failures + k - 1)) k--;
    while (!this.ratioTrips(calls + k, failures + k)) k++;
    return k;
  }

  private checkHalfOpen(now: number): void {
    if (this.forced === null && this.halfOpenAt !== null && now >= this.halfOpenAt) {
      this.transition('half-open', 'half_open_after', this.halfOpenAt);
    }
  }

  private openError(now: number): UpstreamError {
    if (this.forced === 'open') {
      return new UpstreamError('breaker_open', 'circuit breaker held open by an operator');
    }
    if (this.current === 'half-open') {
      return new UpstreamError(
        'breaker_open',
        'circuit breaker half-open: probes already in flight',
      );
    }
    // Lets a retry policy that retries `breaker_open` wait exactly until the probes start.
    const retryAfterMs = this.halfOpenAt === null ? undefined : Math.max(0, this.halfOpenAt - now);
    return new UpstreamError('breaker_open', 'circuit breaker is open', { retryAfterMs });
  }

  private transition(to: BreakerState, reason: BreakerChangeReason, at: number): void {
    const from = this.current;
    this.current = to;
    this.generation++;
    this.probesAdmitted = 0;
    this.probeSuccesses = 0;
    if (to === 'open') {
      // Re-forcing an already isolated breaker keeps its original opening time.
      if (from !== 'open' || this.openedAt === null) this.openedAt = at;
      this.halfOpenAt = this.forced === 'open' ? null : at + this.policy.halfOpenAfterMs;
    } else if (to === 'half-open') {
      this.halfOpenAt = at;
    } else {
      this.openedAt = null;
      this.halfOpenAt = null;
      // Old failures must not re-trip a breaker that has just recovered.
      if (from !== 'closed') this.resetCounters(at);
    }
    // State is complete before listeners run, so they may read snapshot().
    const change: BreakerStateChange = { from, to, forced: this.forced, reason, at };
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        // A broken listener must not turn the call that caused the change into a failure, nor
        // be silenced: it surfaces as an uncaught error, as with an EventTarget listener.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  private resetCounters(now: number): void {
    this.consecutiveFailures = 0;
    this.window.reset(now);
  }

  private restore(json: BreakerJSON, now: number): void {
    this.forced = json.forced;
    this.consecutiveFailures = json.consecutiveFailures;
    this.window.restore(json.window, now);
    if (json.state === 'open') {
      this.current = 'open';
      this.openedAt = now - (json.openedAgoMs ?? 0);
      this.halfOpenAt =
        json.forced === 'open' ? null : now + (json.halfOpenInMs ?? this.policy.halfOpenAfterMs);
    }
  }
}

/** One admitted call; reports once, later reports are dropped. */
class Ticket implements BreakerTicket {
  private settled = false;
  constructor(
    private readonly breaker: Breaker,
    private readonly permit: number,
  ) {}

  get probe(): boolean {
    return this.permit % 2 === 1;
  }

  success(durationMs: number): void {
    this.settle(SUCCESS, durationMs);
  }

  failure(error: unknown): void {
    this.settle(this.breaker.handles(error) ? FAILURE : IGNORED, 0);
  }

  ignore(): void {
    this.settle(IGNORED, 0);
  }

  private settle(outcome: Outcome, durationMs: number): void {
    if (this.settled) return;
    this.settled = true;
    this.breaker.record(this.permit, outcome, durationMs);
  }
}
