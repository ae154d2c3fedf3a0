import type { SequencedMessage } from '@switchboard/shared/stream';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { liveSeries, type LiveSeries } from './latency-series';

const message = (seq: number, p50: number | null): SequencedMessage => ({
  type: 'integrations.sample',
  topic: 'integrations',
  seq,
  at: seq * 1000,
  samples: [
    {
      integration: 'users',
      calls: p50 === null ? 0 : 2,
      errors: 0,
      latencyMs: p50 === null ? null : { p50, p95: p50, max: p50 },
    },
  ],
});

describe('liveSeries', () => {
  it('keeps at most `capacity` points, oldest first, and the latest sample per integration', () => {
    const messages = new Subject<SequencedMessage>();
    const seen: LiveSeries[] = [];
    liveSeries(messages, 3).subscribe((s) => seen.push(s));
    messages.next(message(1, 10));
    messages.next(message(2, null));
    messages.next(message(3, 30));
    messages.next(message(4, 40));
    const last = seen.at(-1);
    expect(last?.points).toEqual([
      { at: 2000, users: null },
      { at: 3000, users: 30 },
      { at: 4000, users: 40 },
    ]);
    expect(last?.latest.get('users')?.calls).toBe(2);
    expect(seen[0]?.points).toHaveLength(1);
  });
});
