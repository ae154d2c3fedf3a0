// Finished spans as plain data, and the client span each upstream attempt event describes.
import type { UpstreamAttemptEvent } from '@switchboard/shared/events';

export type SpanAttribute = string | number | boolean;

/** A finished span, whatever produced it; exporters turn it into their wire format. */
export interface SpanData {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: 'server' | 'client' | 'internal';
  /** Epoch milliseconds (fractions allowed). */
  startMs: number;
  endMs: number;
  attributes: Record<string, SpanAttribute>;
  status: { code: 'unset' | 'ok' | 'error'; message?: string };
}

/** Where finished spans go (e.g. a batching OTLP exporter). */
export interface SpanExporter {
  export(span: SpanData): void;
  /** Sends whatever is queued; resolves when it has been sent (or given up on). */
  flush(): Promise<void>;
}

/**
 * The client span of one upstream attempt, built from its bus event: the span id is the one the
 * attempt sent in `traceparent`, so the provider's view of the trace and ours agree.
 * @example bus.subscribe((e) => e.type === 'upstream.attempt' && exporter.export(attemptSpan(e)!));
 */
export function attemptSpan(event: UpstreamAttemptEvent): SpanData | undefined {
  if (event.spanId === undefined) return undefined;
  return {
    traceId: event.traceId,
    spanId: event.spanId,
    ...(event.parentSpanId !== undefined && { parentSpanId: event.parentSpanId }),
    name: `${event.integration}.${event.operation}`,
    kind: 'client',
    startMs: event.at,
    endMs: event.at + event.latencyMs,
    attributes: {
      'switchboard.integration': event.integration,
      'switchboard.operation': event.operation,
      'switchboard.attempt': event.attempt,
      'switchboard.breaker': event.breaker,
      ...(event.httpStatus !== undefined && { 'http.response.status_code': event.httpStatus }),
      ...(event.kind !== undefined && { 'error.type': event.kind }),
      ...(event.retryInMs !== undefined && { 'switchboard.retry_in_ms': event.retryInMs }),
    },
    status:
      event.outcome === 'ok'
        ? { code: 'ok' }
        : { code: 'error', ...(event.kind !== undefined && { message: event.kind }) },
  };
}
