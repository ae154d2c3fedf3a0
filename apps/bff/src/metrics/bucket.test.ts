import { describe, expect, it } from 'vitest';
import { upstreamCall } from '../events/fixtures';
import { addCall, bucketJson, createAccumulator, finishBucket, mergeBucket } from './bucket';

describe('bucketJson', () => {
  it('is the JSON of finishBucket, for an empty, a filled and a merged accumulator', () => {
    const empty = createAccumulator();
    expect(bucketJson(empty)).toBe(JSON.stringify(finishBucket(empty)));

    const filled = createAccumulator();
    for (let i = 1; i <= 50; i++) {
      addCall(
        filled,
        upstreamCall('users', {
          latencyMs: i * 3.7,
          outcome: i % 9 === 0 ? 'error' : 'ok',
          ...(i % 9 === 0 && { kind: 'timeout' }),
          attempts: 1 + (i % 3),
          cache: i % 4 === 0 ? 'hit' : 'miss',
          ...(i % 10 === 0 && { provider: 'users-backup', fallback: 'failover' }),
        }),
      );
    }
    expect(bucketJson(filled)).toBe(JSON.stringify(finishBucket(filled)));
    expect(JSON.parse(bucketJson(filled))).toMatchObject({ calls: 50, errors: 5 });

    const merged = createAccumulator();
    mergeBucket(merged, finishBucket(filled));
    mergeBucket(merged, finishBucket(filled));
    expect(bucketJson(merged)).toBe(JSON.stringify(finishBucket(merged)));
    expect(JSON.parse(bucketJson(merged))).toMatchObject({ calls: 100 });
  });
});
