// Outbound rate limit for one integration: a token bucket that also follows what the provider says.
import type { ResponseHeaders } from '../upstreams/http-transport';
import type { RateLimitPolicySchema } from '@switchboard/shared/catalog';
import type { z } from 'zod';
import type { Clock } from './clock';
import { readRateLimitHeaders } from './rate-limit-headers';
import { UpstreamError } from './upstream-error';

/** The rate-limit policy with every default applied. */
export type RateLimitPolicy = z.output<typeof RateLimitPolicySchema>;

export interface RateLimiterSnapshot {
  /** Tokens in the bucket; negative while callers wait for reserved ones. */
  tokens: number;
  /** The sustained rate in force: the configured one, or the provider's if lower. */
  perSecond: number;
  burst: number;
  /** Clock time until which no token is given out (provider said stop), or null. */
  blockedUntil: number | null;
  /** What the provider last said remains in its window, until that window resets. */
  providerRemaining: number | null;
  /** 0..1: how far from the limit we are (0 while blocked). */
  headroom: number;
}

export interface RateLimiter {
  /** Takes a token if one is available right now; never waits. The cheap path for pipelines. */
  tryAcquire(): boolean;
  /**
   * Takes a token now, or waits for one if it will be available before `deadlineAt`.
   * @throws UpstreamError `rate_limited` at once when the token would come too late.
   * @throws the signal's reason when it aborts while waiting (the token is given back).
   */
  acquire(signal?: AbortSignal, deadlineAt?: number): Promise<void>;
  /** Feeds a provider response's status and headers in (ignored unless the policy is adaptive). */
  observe(status: number, headers: ResponseHeaders): void;
  snapshot(): RateLimiterSnapshot;
  /** `snapshot().headroom` without building the snapshot: read on every call's events. */
  headroom(): number;
}

export interface RateLimiterOptions {
  /** Epoch milliseconds, for providers that send dates; default `Date.now`. */
  wallClock?: () => number;
  /** Cap on one block, so a wrong header cannot silence an integration for days. Default 1 h. */
  maxBlockMs?: number;
  /** Block when the provider says 0 remain but not when it resets. Default 1 s. */
  blockWithoutResetMs?: number;
}

/**
 * Creates a token bucket: `perSecond` sustained, up to `burst` at once. Callers that find no
 * token reserve the next one and wait for it (so waiters are served at the sustained rate, in
 * order), unless it would come after their deadline. With `adaptive`, `observe()` follows the
 * provider: 0 remaining or a Retry-After stops all tokens until the reset, waits already running
 * are pushed back by the same amount, and a provider policy below ours lowers the rate.
 *
 * @example
 * const limiter = createRateLimiter(policies.rateLimit, clock);
 * if (!limiter.tryAcquire()) await limiter.acquire(deadline.signal, deadline.at);
 * const res = await send(request);
 * limiter.observe(res.status, res.headers);
 */
export function createRateLimiter(
  policy: RateLimitPolicy,
  clock: Clock,
  options: RateLimiterOptions = {},
): RateLimiter {
  return new TokenBucket(policy, clock, options);
}

class TokenBucket implements RateLimiter {
  private perSecond: number;
  private burst: number;
  private tokens: number;
  private updatedAt: number;
  private blockedUntil = Number.NEGATIVE_INFINITY;
  /**
   * Total time the bucket has been stopped by blocks. A block freezes time for the bucket, so a
   * caller already waiting when one arrives waits that much longer; it notices by comparing.
   */
  private pausedMs = 0;
  private providerRemaining: number | null = null;
  private providerLimit: number | null = null;
  private providerResetAt: number | null = null;
  private readonly wallClock: () => number;
  private readonly maxBlockMs: number;
  private readonly blockWithoutResetMs: number;

  constructor(
    private readonly policy: RateLimitPolicy,
    private readonly clock: Clock,
    options: RateLimiterOptions,
  ) {
    this.perSecond = policy.perSecond;
    this.burst = policy.burst;
    this.tokens = policy.burst;
    this.updatedAt = clock.now();
    this.wallClock = options.wallClock ?? Date.now;
    this.maxBlockMs = options.maxBlockMs ?? 3_600_000;
    this.blockWithoutResetMs = options.blockWithoutResetMs ?? 1_000;
  }

  tryAcquire(): boolean {
    const now = this.clock.now();
    this.refill(now);
    if (now < this.blockedUntil || this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  async acquire(signal?: AbortSignal, deadlineAt?: number): Promise<void> {
    signal?.throwIfAborted();
    const now = this.clock.now();
    this.refill(now);
    // While blocked the bucket does not fill, so the deficit is made up from the end of the block.
    let readyAt =
      Math.max(now, this.blockedUntil) +
      (this.tokens >= 1 ? 0 : ((1 - this.tokens) * 1000) / this.perSecond);
    if (readyAt > now && deadlineAt !== undefined && readyAt >= deadlineAt) {
      throw tooLate(readyAt - now);
    }
    this.tokens -= 1;
    if (readyAt <= now) return;
    let paused = this.pausedMs;
    try {
      for (;;) {
        await this.clock.sleep(readyAt - this.clock.now(), signal);
        if (this.pausedMs === paused) return;
        readyAt += this.pausedMs - paused;
        paused = this.pausedMs;
        if (deadlineAt !== undefined && readyAt >= deadlineAt) {
          throw tooLate(readyAt - this.clock.now());
        }
      }
    } catch (error) {
      // The reserved token was never used: give it back.
      this.tokens = Math.min(this.burst, this.tokens + 1);
      throw error;
    }
  }

  observe(status: number, headers: ResponseHeaders): void {
    if (!this.policy.adaptive) return;
    const said = readRateLimitHeaders(status, headers, this.wallClock);
    const now = this.clock.now();
    this.refill(now);
    if (said.policyPerSecond !== null && said.policyPerSecond > 0) {
      // Follow the provider down (never up past our own configuration). A quota of 0 is left to
      // `remaining: 0`, which blocks until the reset instead of stopping the bucket for good.
      this.perSecond = Math.min(this.policy.perSecond, said.policyPerSecond);
    }
    if (said.limit !== null) {
      this.providerLimit = said.limit;
      this.burst = Math.max(1, Math.min(this.policy.burst, Math.floor(said.limit)));
      this.tokens = Math.min(this.tokens, this.burst);
    }
    if (said.remaining !== null) {
      this.providerRemaining = said.remaining;
      this.providerResetAt = said.resetMs === null ? null : now + said.resetMs;
      if (said.remaining > 0) {
        // Never hold more tokens than the provider will honour.
        this.tokens = Math.min(this.tokens, said.remaining);
      } else {
        // Nothing until the reset; then the provider's window is fresh, so one call may go at once.
        this.tokens = Math.min(this.tokens, 1);
        this.block(now, said.resetMs ?? this.blockWithoutResetMs);
      }
    }
    if (said.retryAfterMs !== null) this.block(now, said.retryAfterMs);
    else if (status === 429 && said.remaining === null) {
      // Throttled without a hint: drain the bucket so the next call waits one interval.
      this.tokens = Math.min(this.tokens, 0);
    }
  }

  snapshot(): RateLimiterSnapshot {
    const now = this.clock.now();
    const headroom = this.headroomAt(now);
    const blocked = now < this.blockedUntil;
    return {
      tokens: this.tokens,
      perSecond: this.perSecond,
      burst: this.burst,
      blockedUntil: blocked ? this.blockedUntil : null,
      providerRemaining: this.providerRemainingAt(now),
      headroom,
    };
  }

  headroom(): number {
    return this.headroomAt(this.clock.now());
  }

  private providerRemainingAt(now: number): number | null {
    const windowOpen = this.providerResetAt === null || now < this.providerResetAt;
    return windowOpen ? this.providerRemaining : null;
  }

  private headroomAt(now: number): number {
    this.refill(now);
    if (now < this.blockedUntil) return 0;
    let headroom = Math.min(1, Math.max(0, this.tokens / this.burst));
    const providerRemaining = this.providerRemainingAt(now);
    if (providerRemaining !== null && this.providerLimit !== null && this.providerLimit > 0) {
      headroom = Math.min(headroom, Math.max(0, providerRemaining / this.providerLimit));
    }
    return headroom;
  }

  private refill(now: number): void {
    if (now <= this.updatedAt) return;
    const from = Math.max(this.updatedAt, this.blockedUntil);
    if (now > from) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - from) * this.perSecond) / 1000);
    }
    this.updatedAt = now;
  }

  private block(now: number, forMs: number): void {
    const until = now + Math.min(forMs, this.maxBlockMs);
    if (until <= this.blockedUntil) return;
    this.pausedMs += until - Math.max(now, this.blockedUntil);
    this.blockedUntil = until;
  }
}

function tooLate(waitMs: number): UpstreamError {
  return new UpstreamError('rate_limited', 'would exceed provider rate limit before the deadline', {
    retryAfterMs: Math.max(0, waitMs),
  });
}
