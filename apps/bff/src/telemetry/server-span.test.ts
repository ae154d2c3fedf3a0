import { describe, expect, it } from 'vitest';
import { createEventBus } from '../events/event-bus';
import { silentLogger } from '../http/logger';
import { createManualClock } from '../resilience/clock';
import type { SpanData } from './spans';
import { createTelemetry } from './telemetry';

const inboundTrace = '4bf92f3577b34da6a3ce929d0e0e4736';

function telemetryWithSpans() {
  const exported: SpanData[] = [];
  const clock = createManualClock(100);
  const telemetry = createTelemetry({
    bus: createEventBus(silentLogger),
    clock,
    wallNow: () => 1_700_000_000_000,
    integrations: [],
    spans: { export: (span) => void exported.push(span), flush: () => Promise.resolve() },
  });
  return { telemetry, exported, clock };
}

describe('startServerSpan', () => {
  it('draws its ids once, joins an inbound trace, and exports the span when it ends', async () => {
    const { telemetry, exported, clock } = telemetryWithSpans();
    const span = telemetry.startServerSpan(`00-${inboundTrace}-00f067aa0ba902b7-01`);
    const first = span.trace;
    expect(span.trace).toBe(first);
    expect(first.traceId).toBe(inboundTrace);
    expect(first.spanId).toMatch(/^[0-9a-f]{16}$/);
    await clock.advance(12);
    span.end('GET', '/api/views/:name', '/api/views/users', 200, 'req-1');
    expect(exported).toEqual([
      expect.objectContaining({
        traceId: inboundTrace,
        spanId: first.spanId,
        parentSpanId: '00f067aa0ba902b7',
        name: 'GET /api/views/:name',
        kind: 'server',
        endMs: 1_700_000_000_012,
        attributes: expect.objectContaining({ 'switchboard.request_id': 'req-1' }) as unknown,
        status: { code: 'unset' },
      }),
    ]);
    const root = telemetry.startServerSpan(undefined).trace;
    expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(root.traceId).not.toBe(inboundTrace);
    telemetry.stop();
  });

  // An object literal's `get` accessor is allocated in old space by V8, and it kept the span's
  // closure (ids, inbound trace, the span) alive through every scavenge: each request's span was
  // promoted and left for a full GC. The accessor belongs on a prototype, not on each span.
  it('carries no accessor of its own', () => {
    const { telemetry } = telemetryWithSpans();
    const span = telemetry.startServerSpan(undefined);
    expect(Object.getOwnPropertyDescriptor(span, 'trace')).toBeUndefined();
    expect(
      Object.getOwnPropertyNames(span).filter((name) => {
        const d = Object.getOwnPropertyDescriptor(span, name);
        return d?.get !== undefined || typeof d?.value === 'function';
      }),
    ).toEqual([]);
    telemetry.stop();
  });
});
