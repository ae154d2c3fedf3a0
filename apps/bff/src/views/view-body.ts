// A view's response body and its ETag from one serialisation of each source's data: the data is
// most of the bytes, and serialising it once for the validator and again for the body was the view
// route's largest own cost (JSON.stringify runs inside the caller's frame in a CPU profile).
import type { SourceResult, ViewResult } from '@switchboard/shared/upstreams';

/** What the view route sends: the JSON text of the result and a weak validator of its content. */
export interface ViewBody {
  /** Exactly `JSON.stringify(result)`. */
  json: string;
  /** `W/"<16 hex digits>"`, over outcomes and data only (see {@link viewEtag}). */
  etag: string;
}

const text = JSON.stringify;
/** A number as `JSON.stringify` writes it (`null` for NaN and the infinities). */
const num = (n: number) => (Number.isFinite(n) ? String(n) : 'null');

/**
 * Serialises `result` once. The body is byte-for-byte `JSON.stringify(result)` for the results
 * `runView` builds (fields in the order `toSection` sets them; tested against `JSON.stringify`),
 * and the ETag is {@link viewEtag}'s, computed over the same data text.
 *
 * @example const { json, etag } = viewBody(await runView(deps, plan, watch));
 */
export function viewBody(result: ViewResult): ViewBody {
  let body = `{"view":${text(result.view)},"generatedAt":${text(result.generatedAt)},"deadlineMs":${num(result.deadlineMs)},"latencyMs":${num(result.latencyMs)},"sources":{`;
  let content = '[';
  let first = true;
  for (const id in result.sources) {
    const s = result.sources[id] as SourceResult;
    const data = s.data === undefined ? undefined : text(s.data);
    const idText = text(id);
    if (!first) {
      body += ',';
      content += ',';
    }
    first = false;
    body += `${idText}:${sectionJson(s, data)}`;
    content += `[${idText},${text(s.status)},${text(s.provider)},${data ?? 'null'},${s.error === undefined ? 'null' : text(s.error.kind)}]`;
  }
  body += '}}';
  content += ']';
  return { json: body, etag: etagOfContent(content) };
}

/** Whether an If-None-Match header names `etag` (or is `*`): the answer is then 304. */
export const etagMatches = (header: string | undefined, etag: string) =>
  header !== undefined &&
  (header.trim() === '*' || header.split(',').some((t) => t.trim() === etag));

/**
 * The ETag of a result, computed on its own (what {@link viewBody} returns with the body): a weak
 * validator over what a reader cares about — each source's status, provider, data and error kind,
 * not timings — so it changes only when the content does.
 */
export function viewEtag(result: ViewResult): string {
  return etagOfContent(
    text(
      Object.entries(result.sources).map(([id, s]) => [
        id,
        s.status,
        s.provider,
        s.data ?? null,
        s.error?.kind ?? null,
      ]),
    ),
  );
}

/**
 * Two FNV-1a lanes (64 bits) over the text, synchronously: it only needs to change when the
 * content does, and a digest through WebCrypto would cost a thread-pool round trip on every view.
 */
function etagOfContent(content: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ content.length;
  for (let i = 0; i < content.length; i++) {
    const c = content.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return `W/"${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}"`;
}

/**
 * One section in `toSection`'s field order, with its data text spliced in. A section built any
 * other way (a new field, another order) still serialises correctly: anything but the fields
 * listed here goes through `JSON.stringify` of the whole section.
 */
function sectionJson(s: SourceResult, data: string | undefined): string {
  if (!hasOnlyKnownFields(s)) return text(s);
  let out = `{"integration":${text(s.integration)},"operation":${text(s.operation)},"startedAtMs":${num(s.startedAtMs)},"latencyMs":${num(s.latencyMs)},"attempts":${num(s.attempts)},"cache":${text(s.cache)},"provider":${text(s.provider)},"status":${text(s.status)}`;
  if (data !== undefined) out += `,"data":${data}`;
  if (s.error !== undefined) out += `,"error":${text(s.error)}`;
  return `${out}}`;
}

/** The keys `toSection` sets, in its order; data and error are optional and come last. */
const sectionKeys = [
  'integration',
  'operation',
  'startedAtMs',
  'latencyMs',
  'attempts',
  'cache',
  'provider',
  'status',
];

function hasOnlyKnownFields(s: SourceResult): boolean {
  let i = 0;
  for (const key in s) {
    if (i < sectionKeys.length) {
      if (key !== sectionKeys[i]) return false;
    } else if (
      !(key === 'data' && i === sectionKeys.length) &&
      !(key === 'error' && (i === sectionKeys.length || i === sectionKeys.length + 1))
    )
      return false;
    i++;
  }
  return i >= sectionKeys.length;
}
