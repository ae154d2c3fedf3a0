// Throughput between two polls of the queue statistics.
import type { QueueStats } from '@switchboard/shared/queue';
import { describe, expect, it } from 'vitest';
import { throughput } from './throughput';

const stats = (succeeded: number, dead: number): QueueStats => ({
  byType: {
    'email.send': { queued: 5, running: 1, succeeded, dead, discarded: 0 },
  },
  workers: {},
  draining: false,
});

describe('throughput', () => {
  it('has no figure from a single poll', () => {
    expect(throughput(null, { at: 0, stats: stats(10, 0) }).get('email.send')).toBeNull();
  });

  it('counts succeeded and dead jobs finished per second between two polls', () => {
    const rates = throughput({ at: 0, stats: stats(10, 1) }, { at: 2000, stats: stats(16, 2) });
    expect(rates.get('email.send')).toBe(3.5);
  });

  it('gives no figure when counts went down (the store was reset)', () => {
    const rates = throughput({ at: 0, stats: stats(10, 0) }, { at: 1000, stats: stats(2, 0) });
    expect(rates.get('email.send')).toBeNull();
  });
});
