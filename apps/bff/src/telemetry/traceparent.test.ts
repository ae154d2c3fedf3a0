import { describe, expect, it } from 'vitest';
import { formatTraceparent, parseTraceparent } from './traceparent';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const parentId = '00f067aa0ba902b7';

describe('parseTraceparent', () => {
  it('reads a version-00 header', () => {
    expect(parseTraceparent(`00-${traceId}-${parentId}-01`)).toEqual({
      traceId,
      parentId,
      sampled: true,
    });
    expect(parseTraceparent(`00-${traceId}-${parentId}-00`)?.sampled).toBe(false);
  });

  it('accepts a later version with extra fields, as the spec asks', () => {
    expect(parseTraceparent(`01-${traceId}-${parentId}-01-extra`)?.traceId).toBe(traceId);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['upper-case hex', `00-${traceId.toUpperCase()}-${parentId}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${parentId}-01`],
    ['all-zero parent id', `00-${traceId}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${traceId}-${parentId}-01`],
    ['extra fields on version 00', `00-${traceId}-${parentId}-01-extra`],
    ['short trace id', `00-${traceId.slice(1)}-${parentId}-01`],
    ['garbage', 'not a traceparent'],
  ])('ignores a header that is %s', (_why, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('formats what it parses', () => {
    expect(parseTraceparent(formatTraceparent(traceId, parentId))).toMatchObject({
      traceId,
      parentId,
    });
  });
});
