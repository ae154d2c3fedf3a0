// Time-ordered job ids: valid version 7 UUIDs that sort by creation time.
import { describe, expect, it } from 'vitest';
import { timeOrderedId } from './job-id';

describe('timeOrderedId', () => {
  it('is a version 7 UUID carrying the time in its first 48 bits', () => {
    const id = timeOrderedId(Date.UTC(2026, 10, 22));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(Date.UTC(2026, 10, 22));
  });

  it('sorts by time, and differs within a millisecond', () => {
    const [a = '', b = '', c = '', d = ''] = [1_000, 2_000, 2_000, 3_000].map(timeOrderedId);
    expect(a < b && a < c && b < d && c < d).toBe(true);
    expect(b).not.toBe(c);
  });
});
