// W3C trace-context ids, from the web-standard crypto so the core runs on any runtime.
export function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let out = '';
  for (const b of buf) out += b.toString(16).padStart(2, '0');
  return out;
}

/**
 * A W3C span id (16 hex digits). Span ids only need to be unique within a trace, not secret, so
 * this skips the crypto source: it runs once per upstream attempt.
 */
export function spanId(): string {
  const high = (Math.random() * 0x100000000) >>> 0;
  const low = (Math.random() * 0x100000000) >>> 0 || 1;
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}
