// Node implementation of the HTTP transport: undici keep-alive pools per integration, with egress, DNS and TLS guards.
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, type ZlibOptions } from 'node:zlib';
import type { IntegrationConfig } from '@switchboard/shared/catalog';
import { Agent, type Dispatcher } from 'undici';
import { UpstreamError } from '../../resilience/upstream-error';
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
  /**
   * undici interceptors every pool is composed with (`interceptors.dns()`, say); none by default.
   * A composed dispatcher can throw from `dispatch` itself, where a plain one reports the error
   * through the handler: the transport releases the request either way.
   */
  interceptors?: Dispatcher.DispatcherComposeInterceptor[];
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
    return options.interceptors?.length ? agent.compose(options.interceptors) : agent;
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
    // The dispatcher's own `dispatch` with a handler that collects the body: undici's `request`
    // adds an AsyncResource, a parsed copy of every response header, a body stream and its
    // consumers per call (a large share of a call's CPU here); we need the status, a few headers
    // read in place, and the whole body.
    const answer = await new Promise<Collected>((resolve, reject) => {
      const collector = new BodyCollector(resolve, reject, signal, maxBodyBytes);
      try {
        dispatcher.dispatch(
          { origin, path, method, headers: outHeaders, body: body ?? null },
          collector,
        );
      } catch (err) {
        // undici's own dispatchers hand bad input to `onError`, but `dispatch` may throw (a
        // composed interceptor does): the collector must stop watching the signal here too, or
        // it stays in the signal's set for as long as the signal lives.
        collector.onError(err instanceof Error ? err : new Error(String(err)));
      }
    });
    const { status, raw } = answer;
    const encoding = headerIn(raw, 'content-encoding');
    let text: string;
    if (encoding === null || status === 204 || status === 304) text = utf8WithoutBom(answer.body);
    else text = (await decode(answer.body, encoding, maxBodyBytes)).toString('utf8');
    return { status, headers: new RawHeaders(raw), body: text };
  };
  return { transport, close: async () => void (await Promise.all(agents.map((a) => a.close()))) };
}

/** Whether `headers` names `lowerName`, in any case. */
function hasHeader(headers: Record<string, string>, lowerName: string): boolean {
  // Only a name of the same length can match: no lower-cased copy of every other name.
  for (const name in headers)
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) return true;
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

interface Collected {
  status: number;
  /** undici's raw header list: name, value, name, value… */
  raw: Buffer[];
  body: Buffer;
}

/**
 * undici's dispatch handler for one request: keeps the final status and raw headers, collects the
 * body (refusing one past `max` bytes, encoded or not, as reading it whole did), and aborts the
 * request when `signal` does, in the queue or on the wire (as undici's `request` does: the
 * signal's reason is the error).
 */
class BodyCollector implements Dispatcher.DispatchHandler {
  private abortRequest: ((reason: Error) => void) | undefined;
  private abortReason: Error | undefined;
  private status = 0;
  private raw: Buffer[] = [];
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private settled = false;

  constructor(
    private readonly resolve: (answer: Collected) => void,
    private readonly reject: (err: unknown) => void,
    private readonly signal: AbortSignal,
    private readonly max: number,
  ) {
    if (signal.aborted) this.abortReason = reasonOf(signal);
    else watchersOf(signal).add(this);
  }

  /** The signal aborted. */
  signalAborted(): void {
    this.abort(reasonOf(this.signal));
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.abortReason !== undefined) abort(this.abortReason);
    else this.abortRequest = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    // Informational answers (1xx) come before the final one.
    if (statusCode < 200) return true;
    this.status = statusCode;
    this.raw = rawHeaders;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.size += chunk.length;
    if (this.size > this.max) {
      this.abort(tooLarge(this.max));
      return false;
    }
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.settle()) return;
    const { chunks } = this;
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.size);
    this.resolve({ status: this.status, raw: this.raw, body });
  }

  onError(err: Error): void {
    if (this.settle()) return;
    this.reject(err);
  }

  private abort(reason: Error): void {
    if (this.abortRequest) this.abortRequest(reason);
    else this.abortReason ??= reason;
  }

  /** Stops listening; true when the request had already ended. */
  private settle(): boolean {
    if (this.settled) return true;
    this.settled = true;
    watchers.get(this.signal)?.delete(this);
    return false;
  }
}

/**
 * The requests in flight per signal, with one abort listener per signal: a view's calls share
 * their signal, and adding and removing an EventTarget listener per request cost more on Node 20
 * than the rest of the handler. The listener lives as long as the signal; the set only holds
 * requests in flight.
 */
const watchers = new WeakMap<AbortSignal, Set<BodyCollector>>();

/** How many requests in flight watch `signal` (0 once each has ended, however it ended). */
export function requestsWatching(signal: AbortSignal): number {
  return watchers.get(signal)?.size ?? 0;
}
function watchersOf(signal: AbortSignal): Set<BodyCollector> {
  let set = watchers.get(signal);
  if (set === undefined) {
    const requests = new Set<BodyCollector>();
    set = requests;
    watchers.set(signal, requests);
    signal.addEventListener(
      'abort',
      () => {
        for (const request of requests) request.signalAborted();
        requests.clear();
      },
      { once: true },
    );
  }
  return set;
}

/** As undici's `request` rejects an aborted call: with the signal's reason. */
function reasonOf(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error
    ? reason
    : new DOMException('This operation was aborted', 'AbortError');
}

/**
 * Response headers read in place from undici's raw list (names compared without case), no copy.
 * A class: an object literal's arrow would be renamed by tsx's keepNames on every response.
 */
class RawHeaders {
  constructor(private readonly raw: Buffer[]) {}

  get(name: string): string | null {
    return headerIn(this.raw, name.toLowerCase());
  }
}

/**
 * A response header's value from undici's raw list (`lowerName` in lower case), repeated fields
 * joined with ", " as `Headers.get` does; null when absent. Names are compared by length first,
 * so most fields are skipped without building a string.
 */
function headerIn(raw: Buffer[], lowerName: string): string | null {
  let value: string | null = null;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as Buffer;
    if (name.length !== lowerName.length || name.toString('latin1').toLowerCase() !== lowerName)
      continue;
    const field = (raw[i + 1] as Buffer).toString('latin1');
    value = value === null ? field : `${value}, ${field}`;
  }
  return value;
}

/** The body as UTF-8 text without a leading byte order mark, as undici's `body.text()` reads it. */
function utf8WithoutBom(body: Buffer): string {
  const bom = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
  return body.toString('utf8', bom ? 3 : 0);
}
