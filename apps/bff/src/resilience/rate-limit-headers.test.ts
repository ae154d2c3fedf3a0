// Parsing of provider rate-limit headers, each form on its own.
import { describe, expect, it } from 'vitest';
import { readRateLimitHeaders } from './rate-limit-headers';

const WALL = Date.UTC(2025, 0, 1, 12, 0, 0);
const read = (status: number, headers: Record<string, string>) =>
  readRateLimitHeaders(status, new Headers(headers), () => WALL);

describe('readRateLimitHeaders', () => {
  it('says nothing about a response without rate-limit headers', () => {
    expect(read(200, { 'Content-Type': 'application/json' })).toEqual({
      limit: null,
      remaining: null,
      resetMs: null,
      policyPerSecond: null,
      retryAfterMs: null,
    });
  });

  it('reads X-RateLimit-* with the reset in seconds, epoch seconds or epoch milliseconds', () => {
    const base = { 'X-RateLimit-Limit': '5000', 'X-RateLimit-Remaining': '4999' };
    expect(read(200, { ...base, 'X-RateLimit-Reset': '60' })).toMatchObject({
      limit: 5000,
      remaining: 4999,
      resetMs: 60_000,
    });
    expect(read(200, { ...base, 'X-RateLimit-Reset': String(WALL / 1000 + 90) }).resetMs).toBe(
      90_000,
    );
    expect(read(200, { ...base, 'X-RateLimit-Reset': String(WALL + 1_500) }).resetMs).toBe(1_500);
    // A reset already in the past means "now", not a negative wait.
    expect(read(200, { ...base, 'X-RateLimit-Reset': String(WALL / 1000 - 10) }).resetMs).toBe(0);
  });

  it('reads the separate RateLimit-Limit / -Remaining / -Reset headers of earlier drafts', () => {
    expect(
      read(200, { 'RateLimit-Limit': '10', 'RateLimit-Remaining': '2', 'RateLimit-Reset': '7' }),
    ).toMatchObject({
      limit: 10,
      remaining: 2,
      resetMs: 7_000,
    });
  });

  it('takes the scarcest of several policies in the newer RateLimit form', () => {
    expect(
      read(200, {
        RateLimit: '"hour";r=250;t=1800, "second";r=1;t=1',
        'RateLimit-Policy': '"hour";q=1000;w=3600, "second";q=5;w=1',
      }),
    ).toMatchObject({ remaining: 1, resetMs: 1_000, limit: 5, policyPerSecond: 1000 / 3600 });
  });

  it('reads the older RateLimit-Policy list, where the quota is the item', () => {
    expect(read(200, { 'RateLimit-Policy': '10, 10;w=1, 50;w=60' })).toMatchObject({
      limit: 10,
      policyPerSecond: 50 / 60,
    });
  });

  it('ignores values it cannot read instead of guessing', () => {
    expect(
      read(429, { 'X-RateLimit-Remaining': 'lots', RateLimit: 'nonsense', 'Retry-After': 'soon' }),
    ).toMatchObject({ remaining: null, retryAfterMs: null });
  });

  it('reads Retry-After only on 429 and 503', () => {
    expect(read(429, { 'Retry-After': '3' }).retryAfterMs).toBe(3_000);
    expect(read(503, { 'Retry-After': new Date(WALL + 10_000).toUTCString() }).retryAfterMs).toBe(
      10_000,
    );
    expect(read(500, { 'Retry-After': '3' }).retryAfterMs).toBeNull();
  });
});
