// Reconnect delays: exponential backoff with decorrelated jitter, so a server restart is not met by
// every console reconnecting in the same instant (a reconnect storm).

export interface BackoffOptions {
  /** The shortest delay, and the scale of the first one. */
  baseMs: number;
  /** No delay is longer than this. */
  maxMs: number;
}

/**
 * The next delay after `previousMs` (0 before the first retry): a random value between `baseMs` and
 * three times the previous delay, capped ("decorrelated jitter", AWS Architecture Blog, 2015). It
 * grows about threefold per failure on average, yet two clients that failed together drift apart.
 * @example let d = 0; d = nextBackoff(d, { baseMs: 500, maxMs: 10_000 }, Math.random); // 500..1500
 */
export function nextBackoff(
  previousMs: number,
  { baseMs, maxMs }: BackoffOptions,
  random: () => number,
): number {
  const upper = Math.max(baseMs, previousMs) * 3;
  return Math.min(maxMs, baseMs + random() * (upper - baseMs));
}
