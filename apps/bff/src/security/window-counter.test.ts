// The fixed-window counter: points per window per key, the window restarting after it ends.
import { describe, expect, it } from 'vitest';
import { createWindowCounter } from './window-counter';

describe('createWindowCounter', () => {
  it('allows `points` per window per key, then refuses until the window ends', () => {
    let t = 1_000;
    const counter = createWindowCounter(2, 60_000, () => t);
    expect({ ...counter.consume('a') }).toEqual({
      allowed: true,
      remaining: 1,
      msBeforeNext: 60_000,
    });
    t += 10_000;
    expect({ ...counter.consume('a') }).toEqual({
      allowed: true,
      remaining: 0,
      msBeforeNext: 50_000,
    });
    expect({ ...counter.consume('a') }).toEqual({
      allowed: false,
      remaining: 0,
      msBeforeNext: 50_000,
    });
    expect(counter.consume('b').allowed).toBe(true);
    t += 50_000;
    expect({ ...counter.consume('a') }).toEqual({
      allowed: true,
      remaining: 1,
      msBeforeNext: 60_000,
    });
  });

  it('forgets expired windows once many keys were seen', () => {
    let t = 0;
    const counter = createWindowCounter(1, 1_000, () => t);
    for (let i = 0; i < 1024; i++) counter.consume(`k${i}`);
    t = 2_000;
    // A key seen in the expired window starts afresh after the sweep the 1,025th key triggers.
    expect(counter.consume('new').allowed).toBe(true);
    expect(counter.consume('k1').allowed).toBe(true);
    expect(counter.consume('k1').allowed).toBe(false);
  });

  it('refuses nonsense limits when created', () => {
    expect(() => createWindowCounter(0, 1000, Date.now)).toThrow(TypeError);
    expect(() => createWindowCounter(1, 0.5, Date.now)).toThrow(TypeError);
  });
});
