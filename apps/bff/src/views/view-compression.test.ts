// compressionOf + compressedStream against hono/compress's compress() itself: the same responses
// through a Hono app with compress() and through the function must end with the same status,
// headers and bytes, over a matrix of Accept-Encoding values and responses.
import { Hono } from 'hono';
import { compress } from 'hono/compress';
import { describe, expect, it } from 'vitest';
import { compressionOf, compressedStream, compressThreshold } from './view-compression';

const big = JSON.stringify({ items: Array.from({ length: 80 }, (_, i) => ({ id: i, ok: true })) });
const small = '{"ok":true}';
const json = 'application/json';

interface Case {
  name: string;
  method?: 'GET' | 'HEAD';
  status: 200 | 206 | 304;
  headers: Record<string, string>;
  body: string | null;
}

const cases: Case[] = [
  { name: 'json, no length', status: 200, headers: { 'content-type': json }, body: big },
  { name: 'small json, no length', status: 200, headers: { 'content-type': json }, body: small },
  {
    name: 'length under the threshold',
    status: 200,
    headers: { 'content-type': json, 'content-length': String(small.length) },
    body: small,
  },
  {
    name: 'length at the threshold',
    status: 200,
    headers: { 'content-type': json, 'content-length': String(compressThreshold) },
    body: 'x'.repeat(compressThreshold),
  },
  {
    name: 'event stream',
    status: 200,
    headers: { 'content-type': 'text/event-stream' },
    body: big,
  },
  { name: 'image', status: 200, headers: { 'content-type': 'image/png' }, body: big },
  {
    name: 'no-transform',
    status: 200,
    headers: { 'content-type': json, 'cache-control': 'no-cache, no-transform' },
    body: big,
  },
  {
    name: 'already encoded',
    status: 200,
    headers: { 'content-type': json, 'content-encoding': 'br' },
    body: big,
  },
  {
    name: 'vary Origin',
    status: 200,
    headers: { 'content-type': json, vary: 'Origin' },
    body: big,
  },
  { name: 'vary *', status: 200, headers: { 'content-type': json, vary: '*' }, body: big },
  {
    name: 'vary named',
    status: 200,
    headers: { 'content-type': json, vary: 'accept-encoding' },
    body: big,
  },
  {
    name: 'strong etag',
    status: 200,
    headers: { 'content-type': json, etag: '"abc"', 'cache-control': 'no-cache' },
    body: big,
  },
  {
    name: 'weak etag',
    status: 200,
    headers: { 'content-type': json, etag: 'W/"abc"', vary: 'Accept-Encoding' },
    body: big,
  },
  { name: 'partial', status: 206, headers: { 'content-type': json }, body: big },
  { name: 'not modified', status: 304, headers: { etag: 'W/"abc"' }, body: null },
  { name: 'HEAD', method: 'HEAD', status: 200, headers: { 'content-type': json }, body: big },
];

const accepts = [
  undefined,
  '',
  'gzip',
  'deflate',
  'gzip, deflate, br',
  'br',
  'identity',
  '*',
  '*;q=0',
  'GZIP',
  'gzip;q=0',
  'gzip;q=0.5, deflate',
  'gzip;q=0.5, deflate;q=0.8',
  'deflate;q=0.1, *;q=0.2',
];

async function bytesOf(stream: ReadableStream<Uint8Array> | null): Promise<Buffer> {
  return stream ? Buffer.from(await new Response(stream).arrayBuffer()) : Buffer.alloc(0);
}

describe('compressionOf: compress() as a function over a header record', () => {
  const app = new Hono();
  app.use(compress());
  let current: Case | undefined;
  app.get('/', (c) => {
    if (!current) throw new Error('no case');
    const { body, status, headers } = current;
    // Only the 304 case has no body.
    return status === 304 ? c.body(null, status, headers) : c.body(body ?? '', status, headers);
  });

  it.each(cases)('answers as compress() does: $name', async (testCase) => {
    current = testCase;
    let compressed = 0;
    for (const accept of accepts) {
      const method = testCase.method ?? 'GET';
      const res = await app.request('/', {
        method,
        headers: accept === undefined ? {} : { 'accept-encoding': accept },
      });
      const headers = { ...testCase.headers };
      const encoding = compressionOf(
        method,
        testCase.status,
        headers,
        accept,
        testCase.body !== null,
      );
      const label = `${testCase.name}, Accept-Encoding: ${String(accept)}`;
      expect(res.status, label).toBe(testCase.status);
      expect(Object.fromEntries(res.headers), label).toEqual(headers);
      const body = await bytesOf(res.body);
      if (encoding === undefined) {
        if (method === 'GET') expect(body.toString(), label).toBe(testCase.body ?? '');
      } else {
        compressed += 1;
        expect(await bytesOf(compressedStream(testCase.body ?? '', encoding)), label).toEqual(body);
      }
    }
    // The cases that compress at all do for the accepted encodings (not a matrix of no-ops).
    const compressible = [
      'json, no length',
      'small json, no length',
      'length at the threshold',
      'strong etag',
      'weak etag',
    ];
    if (compressible.includes(testCase.name) || testCase.name.startsWith('vary')) {
      expect(compressed).toBeGreaterThan(5);
    }
  });
});
