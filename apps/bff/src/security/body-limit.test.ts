// Oversized bodies get 413 in the shared error shape before a handler sees them, declared or chunked.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { ErrorBodySchema } from '@switchboard/shared/errors';
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv } from '../http/app-env';
import { bodyLimit, formatBytes, type BodyLimitOptions } from './body-limit';

const KiB = 1024;
const MiB = 1024 * KiB;

function appWith(options?: BodyLimitOptions) {
  const seen: number[] = [];
  const app = new Hono<AppEnv>();
  app.use('*', requestId());
  app.use('*', bodyLimit(options));
  app.all('*', async (c) => {
    const body = await c.req.arrayBuffer();
    seen.push(body.byteLength);
    return c.json({ bytes: body.byteLength });
  });
  return { app, seen };
}

describe('bodyLimit', () => {
  it('passes bodies up to the limit and refuses a declared larger one with 413', async () => {
    const { app, seen } = appWith({ maxBytes: 10 });
    expect((await app.request('/', { method: 'POST', body: '0123456789' })).status).toBe(200);
    const refused = await app.request('/', { method: 'POST', body: '0123456789A' });
    expect(refused.status).toBe(413);
    const body = ErrorBodySchema.parse(await refused.json());
    expect(body.error).toMatchObject({
      code: 'payload_too_large',
      message:
        'The request body is larger than the 10 bytes this endpoint accepts; send a smaller one.',
      details: { maxBytes: 10 },
    });
    expect(body.error.requestId).not.toBe('unknown');
    expect(seen).toEqual([10]);
  });

  it('defaults to 1 MiB', async () => {
    const { app } = appWith();
    const ok = await app.request('/', { method: 'PUT', body: new Uint8Array(MiB) });
    expect(await ok.json()).toEqual({ bytes: MiB });
    const refused = await app.request('/', { method: 'PUT', body: new Uint8Array(MiB + 1) });
    expect(refused.status).toBe(413);
    expect(ErrorBodySchema.parse(await refused.json()).error.message).toContain('1 MiB');
  });

  it('lets a function choose the limit per request', async () => {
    const { app } = appWith({ maxBytes: (c) => (c.req.path === '/big' ? 100 : 10) });
    const body = 'x'.repeat(50);
    expect((await app.request('/big', { method: 'POST', body })).status).toBe(200);
    expect((await app.request('/small', { method: 'POST', body })).status).toBe(413);
  });

  it('lets requests without a body through', async () => {
    const { app } = appWith({ maxBytes: 0 });
    expect((await app.request('/')).status).toBe(200);
  });

  it('checks its options', () => {
    expect(() => bodyLimit({ maxBytes: -1 })).toThrow(/maxBytes/);
    expect(() => bodyLimit({ maxBytes: 1.5 })).toThrow(/maxBytes/);
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3 GiB');
  });

  describe('over a real socket, with chunked bodies and no Content-Length', () => {
    const { app, seen } = appWith({ maxBytes: 64 * KiB });
    let server: ServerType | undefined;
    let port = 0;

    beforeAll(async () => {
      await new Promise<void>((resolve) => {
        server = serve(
          { fetch: app.fetch, port: 0, hostname: '127.0.0.1' },
          (info: AddressInfo) => {
            port = info.port;
            resolve();
          },
        );
      });
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    });

    /** Streams `total` bytes in 16 KiB chunks, stopping early if the answer arrives first. */
    function postChunked(total: number) {
      return new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
        let sent = 0;
        let answered = false;
        const req = http.request({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/upload',
          headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
          agent: false,
        });
        req.on('response', (res) => {
          answered = true;
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, sent }));
        });
        // The server may close the socket while we are still sending: that is its answer, not ours.
        req.on('error', (err) => {
          if (!answered) reject(err);
        });
        const chunk = Buffer.alloc(16 * KiB, 0x61);
        const writeMore = () => {
          while (!answered && sent < total) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', writeMore);
          }
          if (!answered) req.end();
        };
        writeMore();
      });
    }

    it('refuses a chunked body over the limit without the handler ever running', async () => {
      const before = seen.length;
      const result = await postChunked(4 * MiB);
      expect(result.status).toBe(413);
      expect(ErrorBodySchema.parse(JSON.parse(result.body)).error.code).toBe('payload_too_large');
      expect(seen.length).toBe(before);
    });

    it('hands a chunked body within the limit to the handler whole', async () => {
      const result = await postChunked(48 * KiB);
      expect(result.status).toBe(200);
      expect(JSON.parse(result.body)).toEqual({ bytes: 48 * KiB });
      expect(seen.at(-1)).toBe(48 * KiB);
    });
  });
});
