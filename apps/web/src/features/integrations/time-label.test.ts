import { describe, expect, it } from 'vitest';
import { timeLabel } from './time-label';

describe('timeLabel', () => {
  it('reads as toLocaleTimeString without the 12-hour clock does', () => {
    for (const at of [0, Date.UTC(2026, 0, 1, 3, 4, 5), Date.UTC(2026, 6, 9, 23, 59, 59)])
      expect(timeLabel(at)).toBe(new Date(at).toLocaleTimeString([], { hour12: false }));
  });
});
