// Retry delays for jobs: exponential from `baseMs`, capped at `maxMs`, with "equal jitter".
import type { BackoffPolicy } from './queue';

/**
 * The wait after failed attempt `attempt` (1-based): half the exponential step fixed, half random,
 * so retries spread out without ever collapsing to zero.
 * @example backoffDelay({ baseMs: 1000, maxMs: 60_000 }, 3, Math.random) // 2000..4000
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number) {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
