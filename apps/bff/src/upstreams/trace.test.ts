import { describe, expect, it } from 'vitest';
import { spanId, traceId } from './trace';

describe('trace ids', () => {
  it('are lower-case hex of the W3C lengths, never all zeros, and differ between calls', () => {
    const traces = new Set(Array.from({ length: 1000 }, traceId));
    const spans = new Set(Array.from({ length: 1000 }, spanId));
    expect(traces.size).toBe(1000);
    expect(spans.size).toBe(1000);
    for (const t of traces) expect(t).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
    for (const s of spans) expect(s).toMatch(/^(?!0{16})[0-9a-f]{16}$/);
  });
});
