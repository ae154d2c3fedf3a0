// Node implementation of the HTTP transport: undici keep-alive pools per integration, with egress, DNS and TLS guards.
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, type ZlibOptions } from 'node:zlib';
import type { IntegrationConfig } from '@switchboard/shared/catalog';
import { Agent, type Dispatcher } from 'undici';
import { isUpstreamError, UpstreamError } from '../../resilience/upstream-error';
import { createEgressGuard, egressRefused, type EgressGuard } from '../../upstreams/egress-guard';
import type { HttpTransport } from '../../upstreams/http-transport';
import { createGuardedLookup, type Resolver } from './guarded-lookup';
import { upstreamTlsOptions } from './upstream-tls';

export interface UndiciTransport {
  transport: HttpTransport;
  close: () => Promise<void>;
}

export interface UndiciTransportOptions {
  connectionsPerOrigin?: number;
  /**
   * The catalog's integrations. When given, every request must name one (`integration`), is
   * checked by the egress guard, and goes through that integration's pool (its TLS settings and
   * DNS rules). When absent, requests go through one plain pool unchecked (the sandbox-only mode
   * used until every caller names its integration).
   */
  integrations?: Record<string, IntegrationConfig>;
  /** Defaults to `createEgressGuard(integrations)`. */
  egress?: EgressGuard;
  /** Reads certificate files at start-up; tests may inject. */
  readFile?: (path: string) => string;
  /** The DNS resolver the rebinding guard wraps; tests point names at loopback with it. */
  resolve?: Resolver;
  /** Largest decompressed body accepted; a bigger one (a zip bomb, say) fails as `parse`. */
  maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
const DEFAULT_CONNECT_MS = 2_000;

/**
 * @example
 * const { transport, close } = createUndiciTransport({ integrations: catalog.integrations });
 * await transport({ integration: 'payments', url, method: 'GET', headers: {}, signal });
 */
export function createUndiciTransport(options: UndiciTransportOptions = {}): UndiciTransport {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const agents: Agent[] = [];
  const pool = (connect: Agent.Options['connect']): Dispatcher => {
    const agent = new Agent({
      connections: options.connectionsPerOrigin ?? 128,
      keepAliveTimeout: 10_000,
      connect,
    });
    agents.push(agent);
    // A plain agent: undici's decompress interceptor wraps every response's handler (a large
    // share of a call's CPU), though most answers are not encoded. Encoded ones are decoded below.
    return agent;
  };

  const integrations = options.integrations;
  const egress = integrations ? (options.egress ?? createEgressGuard(integrations)) : undefined;
  const byIntegration = new Map<string, Dispatcher>();
  for (const [name, integration] of Object.entries(integrations ?? {})) {
    byIntegration.set(
      name,
      pool({
        timeout: integration.policies.timeout?.connectMs ?? DEFAULT_CONNECT_MS,
        lookup: createGuardedLookup({
          integration: name,
          allowPrivateNetwork: integration.allowPrivateNetwork,
          ...(options.resolve ? { resolve: options.resolve } : {}),
        }),
        ...upstreamTlsOptions(name, integration, readFile),
      }),
    );
  }
  const plain = integrations ? undefined : pool({ timeout: 5_000 });

  const transport: HttpTransport = async function undiciTransport({
    url,
    method,
    headers,
    body,
    signal,
    integration,
  }) {
    let dispatcher: Dispatcher | undefined = plain;
    if (egress) {
      if (integration === undefined) {
        throw egressRefused('(unnamed)', 'the request names no integration to check it against');
      }
      egress.check(integration, url);
      dispatcher = byIntegration.get(integration);
    }
    if (!dispatcher) throw egressRefused(integration ?? '(unnamed)', 'no such integration');

    // The engine names headers in lower case; anything else is searched for the slow way.
    const outHeaders =
      'accept-encoding' in headers || hasHeader(headers, 'accept-encoding')
        ? headers
        : { ...headers, 'accept-encoding': 'gzip, br' };
    const { origin, path } = targetOf(url);
    try {
      // The dispatcher's own `request`: undici's top-level `request(url)` reads the URL's origin
      // and path (each getter builds a new string) and copies the options on every call.
      const response = await dispatcher.request({
        origin,
        path,
        method,
        headers: outHeaders,
        body: body ?? null,
        signal,
      });
      const raw = response.headers;
      const encoding = raw['content-encoding'];
      let text: string;
      if (encoding === undefined || response.statusCode === 204 || response.statusCode === 304) {
        // A known length within the cap needs no chunk counting.
        const length = Number(raw['content-length']);
        text =
          length <= maxBodyBytes
            ? await response.body.text()
            : (await readBody(response.body, maxBodyBytes)).toString('utf8');
      } else {
        const encoded = await readBody(response.body, maxBodyBytes);
        text = (await decode(encoded, String(encoding), maxBodyBytes)).toString('utf8');
      }
      // undici's raw headers already have lower-case names: read them in place, no Headers copy.
      const headers = {
        get(name: string): string | null {
          const value = raw[name.toLowerCase()];
          return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
        },
      };
      return { status: response.statusCode, headers, body: text };
    } catch (err) {
      if (isUpstreamError(err)) throw err;
      // Anything else (refused, reset, DNS, abort) is classified by the caller from its code/signal.
      throw err;
    }
  };
  return { transport, close: async () => void (await Promise.all(agents.map((a) => a.close()))) };
}

/** Whether `headers` names `lowerName`, in any case. */
function hasHeader(headers: Record<string, string>, lowerName: string): boolean {
  for (const name in headers) if (name.toLowerCase() === lowerName) return true;
  return false;
}

/**
 * A URL's origin and request target, remembered per URL object: an operation without path
 * parameters sends the same URL object every time. Checked against `href`, since a URL object is
 * mutable.
 */
const targets = new WeakMap<URL, { href: string; origin: string; path: string }>();
function targetOf(url: URL): { origin: string; path: string } {
  const href = url.href;
  let target = targets.get(url);
  if (target === undefined || target.href !== href) {
    target = { href, origin: url.origin, path: `${url.pathname}${url.search}` };
    targets.set(url, target);
  }
  return target;
}

/** Reads a body whole, stopping past `max` bytes. */
async function readBody(body: AsyncIterable<Buffer> & { destroy(): void }, max: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw tooLarge(max);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const tooLarge = (max: number) =>
  new UpstreamError('parse', `the response body is larger than ${max} bytes`);

type Decoder = (input: Buffer, options: ZlibOptions) => Promise<Buffer>;
/** The codings undici's decompress interceptor decoded, minus zstd (not in Node 20's zlib). */
const decoders: Record<string, Decoder> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  br: promisify(brotliDecompress),
  deflate: promisify(inflate),
  compress: promisify(inflate),
  'x-compress': promisify(inflate),
};
/** More codings than any real server stacks is a decompression-bomb vector (CVE-2022-32206). */
const MAX_CODINGS = 5;

/**
 * Undoes `Content-Encoding` (codings are listed in the order applied), each stage's output capped
 * at `max` bytes. A coding we do not know leaves the body as it came, as the interceptor did.
 */
async function decode(body: Buffer, contentEncoding: string, max: number): Promise<Buffer> {
  const codings = contentEncoding
    .toLowerCase()
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length > MAX_CODINGS) {
    throw new UpstreamError(
      'parse',
      `the response lists ${codings.length} content codings; at most ${MAX_CODINGS} are accepted`,
    );
  }
  const chain = codings.map((c) => decoders[c]);
  if (chain.some((d) => d === undefined)) return body;
  let out = body;
  for (let i = chain.length - 1; i >= 0; i--) {
    try {
      out = await (chain[i] as Decoder)(out, { maxOutputLength: max });
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(max);
      throw new UpstreamError('parse', `the response body is not valid ${codings[i]} data`, {
        cause: err,
      });
    }
  }
  return out;
}
