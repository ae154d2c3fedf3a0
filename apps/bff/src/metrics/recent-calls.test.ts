import { describe, expect, it } from 'vitest';
import { upstreamCall } from '../events/fixtures';
import { createRecentCalls } from './recent-calls';

const call = (integration: string) => upstreamCall(integration);

describe('createRecentCalls', () => {
  it('keeps the last `capacity` calls, numbered, and answers deltas after `since`', () => {
    const calls = createRecentCalls(3);
    for (const name of ['a', 'b', 'a', 'b', 'a']) calls.record(call(name));
    expect(calls.list({ limit: 10 }).items.map((c) => c.seq)).toEqual([3, 4, 5]);
    expect(calls.list({ since: 4, limit: 10 })).toMatchObject({
      items: [{ seq: 5 }],
      latestSeq: 5,
    });
    expect(calls.list({ since: 5, limit: 10 })).toEqual({ items: [], latestSeq: 5 });
    expect(calls.list({ integration: 'a', limit: 10 }).items.map((c) => c.seq)).toEqual([3, 5]);
    expect(calls.list({ limit: 2 }).items.map((c) => c.seq)).toEqual([3, 4]);
  });
});
