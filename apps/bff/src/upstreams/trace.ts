// W3C trace-context ids, from the web-standard crypto so the core runs on any runtime.
export function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let out = '';
  for (const b of buf) out += b.toString(16).padStart(2, '0');
  return out;
}

const hex32 = () => ((Math.random() * 0x100000000) >>> 0).toString(16).padStart(8, '0');

/**
 * A W3C span id (16 hex digits). Trace and span ids must be unique, not secret, so these skip the
 * crypto source (~6 µs a call here): they run once per view and once per upstream attempt.
 */
export function spanId(): string {
  const id = hex32() + hex32();
  return id === '0000000000000000' ? spanId() : id;
}

/** A W3C trace id (32 hex digits). */
export function traceId(): string {
  return spanId() + spanId();
}
