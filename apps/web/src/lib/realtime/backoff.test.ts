import { describe, expect, it } from 'vitest';
import { nextBackoff } from './backoff';

const options = { baseMs: 500, maxMs: 10_000 };

describe('nextBackoff', () => {
  it('draws between the base and three times the previous delay', () => {
    expect(nextBackoff(0, options, () => 0)).toBe(500);
    expect(nextBackoff(0, options, () => 1)).toBe(1_500);
    expect(nextBackoff(2_000, options, () => 0)).toBe(500);
    expect(nextBackoff(2_000, options, () => 1)).toBe(6_000);
  });

  it('never exceeds the cap however long it has failed', () => {
    let delay = 0;
    for (let i = 0; i < 50; i++) delay = nextBackoff(delay, options, () => 0.99);
    expect(delay).toBe(10_000);
  });

  it('spreads clients that failed together (no reconnect storm in lockstep)', () => {
    const draws = [0.1, 0.4, 0.7, 0.95].map((r) => nextBackoff(0, options, () => r));
    expect(new Set(draws).size).toBe(4);
    for (const d of draws) expect(d).toBeGreaterThanOrEqual(500);
  });
});
