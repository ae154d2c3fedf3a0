// What hono/compress's `compress()` (default options, as app.ts uses it on /api/views/*) does to a
// response, as one function over a plain header record, so the lean view path (view-get.ts) can
// answer a request with Accept-Encoding exactly as the app does. It reuses hono's own Accept parser
// and content-type rule, and compresses with the same global CompressionStream; its agreement with
// compress() itself is tested over a matrix of requests and responses (view-compression.test.ts).
import { COMPRESSIBLE_CONTENT_TYPE_REGEX } from 'hono/compress';
import { parseAccept } from 'hono/utils/accept';

/** The encodings compress() offers, in its order of preference at equal quality. */
export type ViewEncoding = 'gzip' | 'deflate';
const encodings: readonly ViewEncoding[] = ['gzip', 'deflate'];

/** compress()'s default `threshold`: it only reads it from a Content-Length header. */
export const compressThreshold = 1024;

const noTransform = /(?:^|,)\s*?no-transform\s*?(?:,|$)/i;
const varyAcceptEncoding = /(?:^|,)\s*accept-encoding\s*(?:,|$)/i;

/** compress()'s `selectEncoding`: the first with q=1, else the highest q > 0; `*` stands in. */
function selectEncoding(header: string | undefined): ViewEncoding | undefined {
  if (header === undefined) return undefined;
  const accepts = parseAccept(header);
  const wildcardQ = accepts.find((a) => a.type === '*')?.q;
  let best: { encoding: ViewEncoding; q: number } | undefined;
  for (const encoding of encodings) {
    const explicit = accepts.find((a) => a.type.toLowerCase() === encoding);
    const q = explicit ? explicit.q : (wildcardQ ?? 0);
    if (q === 1) return encoding;
    if (q > 0 && (!best || q > best.q)) best = { encoding, q };
  }
  return best?.encoding;
}

/**
 * Applies compress()'s decision to `headers` (lower-case names, changed in place as compress()
 * changes the response's) and returns the encoding to compress the body with, if any:
 * - nothing for a 206, a response that already has Content-Encoding or Transfer-Encoding, HEAD, a
 *   Content-Length under the threshold (no Content-Length: no threshold), a Content-Type outside
 *   hono's compressible list, or `Cache-Control: no-transform`;
 * - otherwise `Vary: Accept-Encoding` (appended, unless Vary is `*` or names it already), even when
 *   the request asks for no encoding compress() offers;
 * - then, for a body and an accepted gzip or deflate: Content-Length removed, Content-Encoding set,
 *   a strong ETag made weak.
 *
 * @example const encoding = compressionOf('GET', 200, headers, req.header('accept-encoding'), true);
 */
export function compressionOf(
  method: string,
  status: number,
  headers: Record<string, string>,
  acceptEncoding: string | undefined,
  hasBody: boolean,
): ViewEncoding | undefined {
  const contentLength = headers['content-length'];
  const contentType = headers['content-type'];
  const cacheControl = headers['cache-control'];
  if (
    status === 206 ||
    headers['content-encoding'] !== undefined ||
    headers['transfer-encoding'] !== undefined ||
    method === 'HEAD' ||
    (contentLength && Number(contentLength) < compressThreshold) ||
    !contentType ||
    !COMPRESSIBLE_CONTENT_TYPE_REGEX.test(contentType) ||
    (cacheControl && noTransform.test(cacheControl))
  )
    return undefined;
  const vary = headers.vary;
  if (vary !== '*' && !(vary && varyAcceptEncoding.test(vary)))
    headers.vary = vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding';
  const encoding = selectEncoding(acceptEncoding);
  if (!encoding || !hasBody) return undefined;
  delete headers['content-length'];
  headers['content-encoding'] = encoding;
  const etag = headers.etag;
  if (etag && !etag.startsWith('W/')) headers.etag = `W/${etag}`;
  return encoding;
}

/**
 * `text` compressed as compress() compresses a string response: its UTF-8 bytes as one chunk
 * through the global CompressionStream, so the bytes are the same.
 */
export function compressedStream(text: string, encoding: ViewEncoding): ReadableStream<Uint8Array> {
  const stream = new CompressionStream(encoding);
  const writer = stream.writable.getWriter();
  // Failures surface on the readable side, which the caller reads.
  writer.write(new TextEncoder().encode(text)).catch(() => undefined);
  writer.close().catch(() => undefined);
  return stream.readable;
}
