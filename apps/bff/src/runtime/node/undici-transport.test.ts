import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { IntegrationSchema, type IntegrationConfig } from '@switchboard/shared/catalog';
import { interceptors } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/config';
import { isEgressRefusal } from '../../upstreams/egress-guard';
import type { HttpTransport, TransportRequest } from '../../upstreams/http-transport';
import type { Resolver } from './guarded-lookup';
import { createUndiciTransport, requestsWatching } from './undici-transport';
import { spkiSha256 } from './upstream-tls';
import { catchUpstreamError } from '../../resilience/catch-upstream-error';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-tls-'));
const file = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });

/** A self-signed EC certificate (fast to generate) valid for localhost and 127.0.0.1. */
function selfSigned(name: string, subject: string) {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    file(`${name}.key`),
    '-out',
    file(`${name}.crt`),
    '-days',
    '1',
    '-subj',
    subject,
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
  );
}

/** The pin as the openssl CLI computes it: an independent check of `spkiSha256`. */
function opensslPin(cert: string): string {
  const pubkey = openssl('x509', '-in', cert, '-pubkey', '-noout');
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pubkey });
  const digest = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der });
  return digest.toString('base64');
}

/** Every name resolves to loopback: a stand-in for a public name that rebinds to 127.0.0.1. */
const toLoopback: Resolver = (_hostname, _options, callback) =>
  callback(null, [{ address: '127.0.0.1', family: 4 }]);

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};
const close = async (server: Server & { closeAllConnections?: () => void }) => {
  server.closeAllConnections?.();
  await new Promise((resolve) => server.close(resolve));
};

const seen: Array<{ url: string | undefined; acceptEncoding: string | undefined; peer?: string }> =
  [];
function handler(req: IncomingMessage, res: ServerResponse) {
  const cn: string | string[] | undefined = (
    req.socket as Partial<TLSSocket>
  ).getPeerCertificate?.().subject?.CN;
  const peer = Array.isArray(cn) ? cn[0] : cn;
  seen.push({
    url: req.url,
    acceptEncoding: req.headers['accept-encoding'],
    ...(peer ? { peer } : {}),
  });
  const body = JSON.stringify({ ok: true, path: req.url, filler: 'x'.repeat(2_000) });
  if (req.url === '/gzip') {
    res.writeHead(200, { 'content-encoding': 'gzip' });
    res.end(gzipSync(body));
  } else if (req.url === '/br') {
    res.writeHead(200, { 'content-encoding': 'br' });
    res.end(brotliCompressSync(body));
  } else if (req.url === '/gzip-then-br') {
    // Codings are listed in the order they were applied: gzip first, then br.
    res.writeHead(200, { 'content-encoding': 'gzip, br' });
    res.end(brotliCompressSync(gzipSync(body)));
  } else if (req.url === '/corrupt') {
    res.writeHead(200, { 'content-encoding': 'gzip' });
    res.end('this is not gzip');
  } else if (req.url === '/bomb') {
    res.writeHead(200, { 'content-encoding': 'gzip' });
    res.end(gzipSync(Buffer.alloc(1_000_000)));
  } else if (req.url === '/headers') {
    // Raw header list: mixed case, a repeated field, a byte order mark before the JSON.
    res.writeHead(200, [
      ['Content-Type', 'application/json'],
      ['X-RateLimit-Remaining', '7'],
      ['Link', '<a>'],
      ['link', '<b>'],
    ]);
    res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"ok":true}')]));
  } else if (req.url === '/slow-body') {
    // Half a body, then nothing until the client gives up.
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    res.write('{"partial":');
  } else {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  }
}

let httpsServer: Server;
const httpServer = createHttpServer(handler);
let httpsPort = 0;
let httpPort = 0;

beforeAll(async () => {
  selfSigned('server', '/CN=localhost');
  selfSigned('client', '/CN=switchboard-client');
  selfSigned('other', '/CN=localhost');
  // The server trusts exactly our client certificate and insists on seeing one.
  httpsServer = createHttpsServer(
    {
      cert: readFileSync(file('server.crt')),
      key: readFileSync(file('server.key')),
      ca: readFileSync(file('client.crt')),
      requestCert: true,
      rejectUnauthorized: true,
    },
    handler,
  );
  httpsPort = await listen(httpsServer);
  httpPort = await listen(httpServer);
});
afterAll(async () => {
  await Promise.all([close(httpsServer), close(httpServer)]);
  rmSync(dir, { recursive: true, force: true });
});

const integration = (fields: Record<string, unknown>): IntegrationConfig =>
  IntegrationSchema.parse({ operations: { get: { path: '/' } }, ...fields });

const get = (
  transport: HttpTransport,
  integrationName: string | undefined,
  url: string,
  extra: Partial<TransportRequest> = {},
) =>
  transport({
    url: new URL(url),
    method: 'GET',
    headers: {},
    signal: AbortSignal.timeout(5_000),
    ...(integrationName === undefined ? {} : { integration: integrationName }),
    ...extra,
  });

describe('spkiSha256', () => {
  it('matches the pin the openssl CLI computes', () => {
    expect(spkiSha256(readFileSync(file('server.crt')))).toBe(opensslPin(file('server.crt')));
  });
});

describe('createUndiciTransport: mTLS and pinning', () => {
  const tls = (pins: string[] | undefined, withClientCert = true) =>
    integration({
      baseUrl: `https://localhost:${httpsPort}/`,
      allowPrivateNetwork: true,
      tls: {
        caFile: file('server.crt'),
        ...(withClientCert
          ? { clientCertFile: file('client.crt'), clientKeyFile: file('client.key') }
          : {}),
        ...(pins ? { pinnedSpkiSha256: pins } : {}),
      },
    });

  it('presents the client certificate and accepts a server matching the pin', async () => {
    const { transport, close } = createUndiciTransport({
      integrations: { pinned: tls([opensslPin(file('server.crt'))]) },
      resolve: toLoopback,
    });
    try {
      const response = await get(transport, 'pinned', `https://localhost:${httpsPort}/hello`);
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toMatchObject({ ok: true, path: '/hello' });
      expect(seen.at(-1)?.peer).toBe('switchboard-client');
    } finally {
      await close();
    }
  });

  it('refuses a server whose key matches none of the pins', async () => {
    const { transport, close } = createUndiciTransport({
      integrations: { pinned: tls([opensslPin(file('other.crt'))]) },
      resolve: toLoopback,
    });
    try {
      const error = await catchUpstreamError(() =>
        get(transport, 'pinned', `https://localhost:${httpsPort}/hello`),
      );
      expect(error.kind).toBe('network');
      expect(error.message).toMatch(/certificate of localhost matches none of the pinned keys/);
    } finally {
      await close();
    }
  });

  it('is turned away by a server requiring a client certificate when none is configured', async () => {
    const { transport, close } = createUndiciTransport({
      integrations: { anonymous: tls(undefined, false) },
      resolve: toLoopback,
    });
    try {
      await expect(
        get(transport, 'anonymous', `https://localhost:${httpsPort}/hello`),
      ).rejects.toMatchObject({
        // TLS 1.3 checks the client certificate after the handshake: the server then hangs up.
        code: expect.stringMatching(/^(UND_ERR_SOCKET|ECONNRESET|ERR_SSL_)/) as unknown,
      });
    } finally {
      await close();
    }
  });

  it('fails start-up with a ConfigError when a certificate file is missing', () => {
    const broken = integration({
      baseUrl: 'https://api.example/',
      tls: { clientCertFile: file('nope.crt'), clientKeyFile: file('client.key') },
    });
    expect(() => createUndiciTransport({ integrations: { broken } })).toThrow(ConfigError);
    expect(() => createUndiciTransport({ integrations: { broken } })).toThrow(
      /integration broken: tls\.clientCertFile: cannot read .*nope\.crt \(ENOENT\)/,
    );
  });
});

describe('createUndiciTransport: egress', () => {
  const publicName = (allowPrivateNetwork: boolean) =>
    integration({ baseUrl: `http://public.example:${httpPort}/`, allowPrivateNetwork });

  it('refuses a public name that resolves to loopback (DNS rebinding)', async () => {
    const before = seen.length;
    const { transport, close } = createUndiciTransport({
      integrations: { rebinding: publicName(false) },
      resolve: toLoopback,
    });
    try {
      const error = await catchUpstreamError(() =>
        get(transport, 'rebinding', `http://public.example:${httpPort}/`),
      );
      expect(isEgressRefusal(error)).toBe(true);
      expect(error.message).toBe(
        'egress refused for rebinding: public.example resolves to 127.0.0.1, a loopback address',
      );
      expect(seen.length).toBe(before);
    } finally {
      await close();
    }
  });

  it('connects when the integration allows private networks', async () => {
    const { transport, close } = createUndiciTransport({
      integrations: { trusted: publicName(true) },
      resolve: toLoopback,
    });
    try {
      expect((await get(transport, 'trusted', `http://public.example:${httpPort}/`)).status).toBe(
        200,
      );
    } finally {
      await close();
    }
  });

  it('checks every URL with the egress guard before connecting', async () => {
    const before = seen.length;
    const { transport, close } = createUndiciTransport({
      integrations: { api: integration({ baseUrl: 'https://api.example/v1' }) },
    });
    try {
      const literal = await catchUpstreamError(() =>
        get(transport, 'api', `https://127.0.0.1:${httpPort}/`),
      );
      expect(literal.message).toMatch(/127\.0\.0\.1 is a loopback address/);
      const unnamed = await catchUpstreamError(() =>
        get(transport, undefined, 'https://api.example/v1'),
      );
      expect(unnamed.message).toMatch(/names no integration/);
      expect(seen.length).toBe(before);
    } finally {
      await close();
    }
  });
});

describe('createUndiciTransport: compression', () => {
  it('asks for gzip and br and decompresses both', async () => {
    const { transport, close } = createUndiciTransport();
    try {
      for (const path of ['/gzip', '/br']) {
        const response = await get(transport, undefined, `http://127.0.0.1:${httpPort}${path}`);
        expect(seen.at(-1)?.acceptEncoding).toBe('gzip, br');
        expect(JSON.parse(response.body)).toMatchObject({ ok: true, path });
      }
    } finally {
      await close();
    }
  });

  it('undoes stacked codings in reverse order, and refuses a body that does not decode', async () => {
    const { transport, close } = createUndiciTransport();
    try {
      const stacked = await get(transport, undefined, `http://127.0.0.1:${httpPort}/gzip-then-br`);
      expect(JSON.parse(stacked.body)).toMatchObject({ ok: true, path: '/gzip-then-br' });
      const corrupt = await catchUpstreamError(() =>
        get(transport, undefined, `http://127.0.0.1:${httpPort}/corrupt`),
      );
      expect([corrupt.kind, corrupt.message]).toEqual([
        'parse',
        'the response body is not valid gzip data',
      ]);
    } finally {
      await close();
    }
  });

  it('refuses a body that decompresses past maxBodyBytes, and a plain one past it', async () => {
    const { transport, close } = createUndiciTransport({ maxBodyBytes: 1_000 });
    try {
      const bomb = await catchUpstreamError(() =>
        get(transport, undefined, `http://127.0.0.1:${httpPort}/bomb`),
      );
      expect([bomb.kind, bomb.message]).toEqual([
        'parse',
        'the response body is larger than 1000 bytes',
      ]);
      const plain = await catchUpstreamError(() =>
        get(transport, undefined, `http://127.0.0.1:${httpPort}/plain`),
      );
      expect(plain.kind).toBe('parse');
    } finally {
      await close();
    }
  });
});

describe('createUndiciTransport: responses', () => {
  it('reads header fields without case, joins repeated ones, and drops a byte order mark', async () => {
    const { transport, close } = createUndiciTransport();
    try {
      const response = await get(transport, undefined, `http://127.0.0.1:${httpPort}/headers`);
      expect(response.status).toBe(200);
      expect(response.headers.get('X-Ratelimit-Remaining')).toBe('7');
      expect(response.headers.get('link')).toBe('<a>, <b>');
      expect(response.headers.get('retry-after')).toBeNull();
      expect(JSON.parse(response.body)).toEqual({ ok: true });
    } finally {
      await close();
    }
  });

  it("ends a request whose signal aborts while its body is arriving, with the signal's reason", async () => {
    const { transport, close } = createUndiciTransport();
    try {
      const controller = new AbortController();
      const pending = get(transport, undefined, `http://127.0.0.1:${httpPort}/slow-body`, {
        signal: controller.signal,
      });
      const reason = new Error('the caller left');
      setTimeout(() => controller.abort(reason), 50);
      await expect(pending).rejects.toBe(reason);
      // Requests sharing a signal (a view's calls) all end when it aborts, finished ones aside.
      const shared = new AbortController();
      const done = await get(transport, undefined, `http://127.0.0.1:${httpPort}/plain`, {
        signal: shared.signal,
      });
      expect(done.status).toBe(200);
      const inFlight = [1, 2, 3].map(() =>
        get(transport, undefined, `http://127.0.0.1:${httpPort}/slow-body`, {
          signal: shared.signal,
        }),
      );
      const sharedReason = new Error('the view ended');
      setTimeout(() => shared.abort(sharedReason), 50);
      for (const pending of inFlight) await expect(pending).rejects.toBe(sharedReason);
      // Aborted before it was sent: refused at once with the same reason.
      await expect(
        get(transport, undefined, `http://127.0.0.1:${httpPort}/plain`, {
          signal: controller.signal,
        }),
      ).rejects.toBe(reason);
    } finally {
      await close();
    }
  });
});

describe('createUndiciTransport: releasing the signal', () => {
  // A request watches its caller's signal (one listener per signal, a set of the requests in
  // flight on it) until it ends. One left in the set after it ended would be kept, with its
  // promise's callbacks, for as long as the signal lives.
  it('stops watching the signal however the request ends', async () => {
    const undici = createUndiciTransport();
    const { transport } = undici;
    // A port nothing listens on any more.
    const gone = createHttpServer();
    const closed = await listen(gone);
    await close(gone);
    try {
      const signal = new AbortController().signal;
      const at = (path: string) => `http://127.0.0.1:${httpPort}${path}`;
      // Success, and a request still in flight counts.
      const inFlight = get(transport, undefined, at('/plain'), { signal });
      expect(requestsWatching(signal)).toBe(1);
      expect((await inFlight).status).toBe(200);
      expect(requestsWatching(signal)).toBe(0);
      // Bad input, which undici's own dispatcher reports through the handler at once.
      await expect(
        get(transport, undefined, at('/plain'), { signal, headers: { 'x-bad': 'a\r\nb' } }),
      ).rejects.toThrow(/invalid x-bad header/);
      expect(requestsWatching(signal)).toBe(0);
      // An error later (nothing listens on the port).
      await expect(
        get(transport, undefined, `http://127.0.0.1:${closed}/`, { signal }),
      ).rejects.toThrow();
      expect(requestsWatching(signal)).toBe(0);
      // Aborted while the body arrives.
      const controller = new AbortController();
      const slow = get(transport, undefined, at('/slow-body'), { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('the caller left')), 50);
      await expect(slow).rejects.toThrow('the caller left');
      expect(requestsWatching(controller.signal)).toBe(0);
    } finally {
      await undici.close();
    }
  });

  it('stops watching the signal when a composed dispatcher throws from dispatch itself', async () => {
    // undici's DNS interceptor parses the request's origin before dispatching, synchronously: a
    // URL without an origin (file:, data:) makes `dispatch` throw instead of calling `onError`.
    const { transport, close } = createUndiciTransport({ interceptors: [interceptors.dns()] });
    try {
      const signal = new AbortController().signal;
      await expect(get(transport, undefined, 'file:///etc/hostname', { signal })).rejects.toThrow(
        TypeError,
      );
      expect(requestsWatching(signal)).toBe(0);
      // The composed pool still carries requests (an IP literal skips the lookup).
      const done = await get(transport, undefined, `http://127.0.0.1:${httpPort}/plain`, {
        signal,
      });
      expect(done.status).toBe(200);
      expect(requestsWatching(signal)).toBe(0);
    } finally {
      await close();
    }
  });
});
