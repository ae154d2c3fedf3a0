// W3C trace-context ids, from the web-standard crypto so the core runs on any runtime.
export function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let out = '';
  for (const b of buf) out += b.toString(16).padStart(2, '0');
  return out;
}

const hex32 = () => ((Math.random() * 0x100000000) >>> 0).toString(16).padStart(8, '0');

// Drawn on first use (no work at import time).
let spanPrefix: string | undefined;
let spanCounter = 0;

/**
 * A W3C span id (16 hex digits). Trace and span ids must be unique, not secret, so these skip the
 * crypto source (~6 µs a call here). Span ids run once per request and once per upstream attempt:
 * a random 32-bit prefix (new one whenever the counter wraps) and a counter, one number to format.
 */
export function spanId(): string {
  if (spanPrefix === undefined) {
    spanPrefix = hex32();
    spanCounter = (Math.random() * 0x100000000) >>> 0;
  }
  spanCounter = (spanCounter + 1) >>> 0;
  if (spanCounter === 0) spanPrefix = hex32();
  const id = spanPrefix + spanCounter.toString(16).padStart(8, '0');
  return id === '0000000000000000' ? spanId() : id;
}

/** A W3C trace id (32 hex digits), random throughout: collectors may sample on its bits. */
export function traceId(): string {
  const id = hex32() + hex32() + hex32() + hex32();
  return id === '00000000000000000000000000000000' ? traceId() : id;
}
