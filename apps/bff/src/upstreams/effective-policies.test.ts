import { describe, expect, it } from 'vitest';
import { effectivePolicies } from './effective-policies';

describe('effectivePolicies', () => {
  it('applies defaults, then the integration, then the operation, field by field', () => {
    const p = effectivePolicies(
      { retry: { maxAttempts: 5, baseDelayMs: 50 }, cache: { ttlMs: 1000 } },
      { retry: { maxAttempts: 1 } },
    );
    expect(p.retry.maxAttempts).toBe(1);
    expect(p.retry.baseDelayMs).toBe(50);
    expect(p.retry.budget).toEqual({ ratio: 0.2, minPerSecond: 3, windowMs: 10_000 });
    expect(p.cache).toEqual({ ttlMs: 1000, staleWhileRevalidateMs: 0, staleIfErrorMs: 0 });
    expect(p.breaker.mode).toBe('consecutive');
  });
});
