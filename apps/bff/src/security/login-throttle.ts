// Sign-in brute-force protection: growing lockouts per username and per client address.
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { z } from 'zod';

/** What `check` says: go ahead, or wait `retryAfterSec` because of the username or the address. */
export type LoginVerdict =
  { allowed: true } | { allowed: false; retryAfterSec: number; reason: 'username' | 'ip' };

export interface LoginThrottle {
  /** Before verifying credentials: is this username and address allowed to try now? */
  check(username: string, ip: string): Promise<LoginVerdict>;
  /**
   * After a failed attempt (wrong password, and also unknown usernames, so the throttle does not
   * reveal which accounts exist). Answers what `check` would say now, so the caller can tell the
   * person about a lock this failure started.
   */
  recordFailure(username: string, ip: string): Promise<LoginVerdict>;
  /** After a successful sign-in: forgets the username's failures and this pair's share of the address's. */
  recordSuccess(username: string, ip: string): Promise<void>;
}

/** The counters' settings, in the shape every rate-limiter-flexible store takes. */
export interface LimiterSettings {
  keyPrefix: string;
  points: number;
  duration: number;
}

const seconds = z.number().positive();

const OptionsSchema = z.object({
  username: z
    .object({
      /** Consecutive failures allowed before the first lock. */
      freeFailures: z.int().positive().default(5),
      firstLockSec: seconds.default(60),
      maxLockSec: seconds.default(60 * 60),
      /** A username's failure streak is forgotten this long after it began (with no success). */
      forgetAfterSec: seconds.default(24 * 60 * 60),
    })
    .prefault({}),
  ip: z
    .object({
      /** Failures allowed from one address per window before it is blocked. */
      failures: z.int().positive().default(20),
      windowSec: seconds.default(15 * 60),
      firstBlockSec: seconds.default(15 * 60),
      maxBlockSec: seconds.default(6 * 60 * 60),
      /** How long an address's past blocks count towards the length of the next one. */
      forgetAfterSec: seconds.default(24 * 60 * 60),
    })
    .prefault({}),
});

export type LoginThrottleOptions = z.input<typeof OptionsSchema> & {
  /**
   * Builds each counter; `RateLimiterMemory` by default (one process). Pass e.g.
   * `(s) => new RateLimiterRedis({ storeClient, ...s })` to share counts between instances
   * (durations must then be whole seconds).
   */
  store?: (settings: LimiterSettings) => RateLimiterAbstract;
};

/**
 * Brute-force protection for sign-in, built on rate-limiter-flexible counters (the library's
 * "login endpoint protection" pattern, with growing blocks):
 * - per username (trimmed, lower-cased, NFKC, so case variants share a count): after
 *   `freeFailures` consecutive failures the username is locked for `firstLockSec`; every further
 *   failure in the streak doubles the lock, up to `maxLockSec` (defaults: 5, then 1 min, 2, 4, …, 1 h);
 * - per address: `failures` failures within `windowSec` block it for `firstBlockSec`, doubling
 *   with each block in `forgetAfterSec`, up to `maxBlockSec` (defaults: 20 per 15 min, then
 *   15 min, 30, 60, … 6 h).
 * A success clears the username's streak and takes that username's failures from this address
 * off the address's count; it does not clear the address's other failures, or an attacker with
 * one valid account could reset the address count between guesses at other accounts.
 *
 * `check` then `recordFailure` is not atomic: parallel attempts that all pass `check` are each
 * verified. The per-address request rate limit bounds how many that can be.
 *
 * @example
 * const throttle = createLoginThrottle();
 * const verdict = await throttle.check(username, clientIp(c));
 * if (!verdict.allowed) return errorResponse(c, 429, 'rate_limited', `… try again in ${verdict.retryAfterSec} s.`);
 * if (await verify(username, password)) await throttle.recordSuccess(username, ip);
 * else await throttle.recordFailure(username, ip);
 */
export function createLoginThrottle(options: LoginThrottleOptions = {}): LoginThrottle {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new TypeError(
      `createLoginThrottle: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const { username: u, ip: a } = parsed.data;
  const store = options.store ?? ((settings) => new RateLimiterMemory(settings));
  // Counters are bumped with penalty() (which never refuses) and read back; locks are block()s.
  const userStreak = store({
    keyPrefix: 'login:user-streak',
    points: u.freeFailures,
    duration: u.forgetAfterSec,
  });
  const userLock = store({ keyPrefix: 'login:user-lock', points: 1, duration: u.maxLockSec });
  const ipFailures = store({
    keyPrefix: 'login:ip-fails',
    points: a.failures,
    duration: a.windowSec,
  });
  const pairFailures = store({
    keyPrefix: 'login:pair-fails',
    points: a.failures,
    duration: a.windowSec,
  });
  const ipBlocks = store({ keyPrefix: 'login:ip-blocks', points: 1, duration: a.forgetAfterSec });
  const ipLock = store({ keyPrefix: 'login:ip-lock', points: 1, duration: a.maxBlockSec });

  // The address comes first and never contains "|", so the pair key is unambiguous.
  const pairKey = (user: string, ip: string) => `${ip}|${user}`;

  async function check(username: string, ip: string): Promise<LoginVerdict> {
    const [user, addr] = await Promise.all([
      userLock.get(normaliseUsername(username)),
      ipLock.get(ip),
    ]);
    const userMs = user?.msBeforeNext ?? 0;
    const ipMs = addr?.msBeforeNext ?? 0;
    if (userMs <= 0 && ipMs <= 0) return { allowed: true };
    // Both may apply; the longer wait is the one that matters.
    return ipMs >= userMs
      ? { allowed: false, retryAfterSec: wholeSeconds(ipMs), reason: 'ip' }
      : { allowed: false, retryAfterSec: wholeSeconds(userMs), reason: 'username' };
  }

  return {
    check,

    async recordFailure(username, ip) {
      const user = normaliseUsername(username);
      const [streak, fromIp] = await Promise.all([
        userStreak.penalty(user),
        ipFailures.penalty(ip),
        pairFailures.penalty(pairKey(user, ip)),
      ]);
      const beyond = streak.consumedPoints - u.freeFailures;
      if (beyond >= 0)
        await userLock.block(user, Math.min(u.firstLockSec * 2 ** beyond, u.maxLockSec));
      if (fromIp.consumedPoints >= a.failures) {
        const blocks = (await ipBlocks.penalty(ip)).consumedPoints;
        await ipLock.block(ip, Math.min(a.firstBlockSec * 2 ** (blocks - 1), a.maxBlockSec));
        // The block is the punishment for this window; counting starts afresh after it.
        await ipFailures.delete(ip);
      }
      return check(username, ip);
    },

    async recordSuccess(username, ip) {
      const user = normaliseUsername(username);
      const pair = await pairFailures.get(pairKey(user, ip));
      await Promise.all([
        userStreak.delete(user),
        userLock.delete(user),
        pairFailures.delete(pairKey(user, ip)),
      ]);
      const mine = pair?.consumedPoints ?? 0;
      if (mine <= 0) return;
      const current = await ipFailures.get(ip);
      // The pair's failures may be from an earlier window than the address's count: never go below 0.
      const counted = current?.consumedPoints ?? 0;
      if (counted > 0) await ipFailures.reward(ip, Math.min(mine, counted));
    },
  };
}

/**
 * One count per person however they type their name: trimmed, lower-cased, Unicode NFKC (so a
 * full-width or ligature variant is not a fresh budget).
 *
 * @example
 * normaliseUsername('  Alice@Example.COM '); // 'alice@example.com'
 */
export function normaliseUsername(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}

function wholeSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
