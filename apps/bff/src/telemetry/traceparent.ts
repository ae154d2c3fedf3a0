// W3C Trace Context (https://www.w3.org/TR/trace-context/#traceparent-header): reading the
// `traceparent` a caller sent, so a request continues the caller's trace instead of starting one.

export interface TraceParent {
  traceId: string;
  /** The caller's span: the parent of the span that handles this request. */
  parentId: string;
  sampled: boolean;
}

const zeroTrace = '0'.repeat(32);
const zeroSpan = '0'.repeat(16);
// Version 00 is exactly 55 characters; a later version may append fields after a dash.
const header = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * Parses a `traceparent` header; undefined for anything the spec says to ignore (bad shape,
 * upper-case hex, all-zero ids, version ff, extra fields on version 00).
 * @example parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')?.traceId
 */
export function parseTraceparent(value: string | undefined): TraceParent | undefined {
  if (value === undefined) return undefined;
  const match = header.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, parentId, flags, rest] = match;
  if (!version || !traceId || !parentId || !flags) return undefined;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === zeroTrace || parentId === zeroSpan) return undefined;
  return { traceId, parentId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

/** @example formatTraceparent(traceId, spanId) // '00-<traceId>-<spanId>-01' */
export function formatTraceparent(traceId: string, spanId: string): string {
  return `00-${traceId}-${spanId}-01`;
}
