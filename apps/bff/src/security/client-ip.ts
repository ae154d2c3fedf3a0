// Who is calling: the client address from the socket, and X-Forwarded-For only as far as proxies we trust wrote it.
import type { Context } from 'hono';

/** Reads the socket's peer address; on Node, `(c) => getConnInfo(c).remote.address`. */
export type RemoteAddress = (c: Context) => string | undefined;

export interface ClientIpOptions {
  /**
   * Addresses or CIDR ranges of proxies in front of the BFF (`10.0.0.0/8`, `::1`, `fd00::/8`).
   * Only a peer in this list may tell us, through X-Forwarded-For, who its client was.
   */
  trustedProxies: readonly string[];
  /** The socket's peer address, from the runtime adapter; keeps this module runtime-neutral. */
  remoteAddress: RemoteAddress;
}

/** What `createClientIp` answers when the runtime gave no socket address (e.g. `app.request()`). */
export const unknownClientIp = 'unknown';

/**
 * Builds a function giving the address of the client behind a request, for rate limits and logs.
 *
 * The socket's peer is the answer unless it is a trusted proxy. Then X-Forwarded-For is walked
 * right to left (each proxy appends the peer it saw), skipping trusted hops; the first untrusted
 * address is the client. Anything an untrusted peer put in the header is never read, so a spoofed
 * X-Forwarded-For cannot change the answer. Addresses come back canonical (IPv4-mapped IPv6 as
 * IPv4, IPv6 in RFC 5952 form) so one client never gets two keys.
 *
 * Blank entries are skipped. An entry that is not an IP address (`unknown`, an obfuscated RFC 7239
 * name) ends the walk at the trusted hop that wrote it: whatever lies left of it is out of reach
 * of any proxy we trust, so reading further would let a client choose its own address.
 *
 * @example
 * const clientIp = createClientIp({
 *   trustedProxies: ['10.0.0.0/8'],
 *   remoteAddress: (c) => getConnInfo(c).remote.address,
 * });
 * app.use('*', rateLimit({ name: 'ip', points: 100, durationSec: 60, key: clientIp }));
 */
export function createClientIp(options: ClientIpOptions): (c: Context) => string {
  const clientAddress = createClientAddress(options.trustedProxies);
  const { remoteAddress } = options;
  return function clientIp(c) {
    return clientAddress(remoteAddress(c), (name) => c.req.header(name));
  };
}

/**
 * `createClientIp`'s rule without a Hono context: the socket's peer address and a header lookup
 * in, the client's address out. For a runtime adapter that serves a route straight from its own
 * request object (the webhook ingest on Node).
 * @example const clientAddress = createClientAddress(['10.0.0.0/8']);
 * clientAddress(req.socket.remoteAddress, (name) => header(req, name));
 */
export function createClientAddress(
  trustedProxies: readonly string[],
): (peerAddress: string | undefined, header: (name: string) => string | undefined) => string {
  const isTrusted = createProxyTrust(trustedProxies);
  return function clientAddress(peerAddress, header) {
    const peer = parseIp(peerAddress ?? '');
    if (peer === undefined) return unknownClientIp;
    if (!isTrusted(peer)) return peer.text;
    const forwarded = (header('x-forwarded-for') ?? '').split(',');
    let nearest = peer;
    for (let i = forwarded.length - 1; i >= 0; i--) {
      const entry = (forwarded[i] ?? '').trim();
      if (entry === '') continue;
      const hop = parseForwardedEntry(entry);
      if (hop === undefined) return nearest.text;
      if (!isTrusted(hop)) return hop.text;
      nearest = hop;
    }
    // Every hop was a trusted proxy: the request started inside our own network.
    return nearest.text;
  };
}

/**
 * Builds a function telling whether the client reached us over TLS: the request URL is https, or
 * the peer is a trusted proxy whose X-Forwarded-Proto (its own, the last value) says https.
 *
 * @example
 * secureHeaders({ isTls: createIsTls({ trustedProxies, remoteAddress }) });
 */
export function createIsTls(options: ClientIpOptions): (c: Context) => boolean {
  const tlsOf = createTlsCheck(options.trustedProxies);
  const { remoteAddress } = options;
  return function isTls(c) {
    if (c.req.url.startsWith('https:')) return true;
    return tlsOf(remoteAddress(c), (name) => c.req.header(name));
  };
}

/**
 * The same check from the socket's address and a header lookup, for a request reached over plain
 * HTTP (the Node server's own listeners): TLS only as a trusted proxy's X-Forwarded-Proto says.
 */
export function createTlsCheck(
  trustedProxies: readonly string[],
): (peerAddress: string | undefined, header: (name: string) => string | undefined) => boolean {
  const isTrusted = createProxyTrust(trustedProxies);
  return function forwardedTls(peerAddress, header) {
    const peer = parseIp(peerAddress ?? '');
    if (peer === undefined || !isTrusted(peer)) return false;
    // The last value is the one our nearest proxy wrote; earlier ones may come from the client.
    const proto = (header('x-forwarded-proto') ?? '').split(',').at(-1);
    return proto?.trim().toLowerCase() === 'https';
  };
}

export interface IpAddress {
  version: 4 | 6;
  value: bigint;
  text: string;
}

/**
 * Parses an IPv4 or IPv6 address (no port, no zone); IPv4-mapped IPv6 (`::ffff:1.2.3.4`) comes
 * back as IPv4. Returns undefined for anything else.
 *
 * @example
 * parseIp('::FFFF:10.0.0.1')?.text; // '10.0.0.1'
 */
export function parseIp(text: string): IpAddress | undefined {
  // Every request parses its peer's address (twice: client address and TLS check), and most come
  // from a few addresses (a proxy, a load balancer): remember recent answers. Bounded, so a flood
  // from many addresses costs a clear now and then, not memory.
  const known = parsed.get(text);
  if (known !== undefined || parsed.has(text)) return known;
  if (parsed.size >= parsedCapacity) parsed.clear();
  const ip = parseIpUncached(text);
  if (ip) Object.freeze(ip);
  parsed.set(text, ip);
  return ip;
}

const parsedCapacity = 1024;
const parsed = new Map<string, IpAddress | undefined>();

function parseIpUncached(text: string): IpAddress | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { version: 4, value: v4, text: formatIpv4(v4) };
  const v6 = parseIpv6(text);
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === 0xffffn) {
    const v4 = v6 & 0xffffffffn;
    return { version: 4, value: v4, text: formatIpv4(v4) };
  }
  return { version: 6, value: v6, text: formatIpv6(v6) };
}

/**
 * Compiles a list of addresses and CIDR ranges into a membership test. Throws on an entry that is
 * neither, so a typo in configuration fails at start-up rather than trusting nothing (or everyone).
 *
 * @example
 * createProxyTrust(['10.0.0.0/8', '::1'])(parseIp('10.1.2.3')!); // true
 */
export function createProxyTrust(ranges: readonly string[]): (ip: IpAddress) => boolean {
  const compiled = ranges.map(parseCidr);
  return function isTrustedProxy(ip) {
    return compiled.some(
      (r) => r.version === ip.version && ip.value >> r.shift === r.value >> r.shift,
    );
  };
}

interface Cidr {
  version: 4 | 6;
  value: bigint;
  /** Bits below the prefix, compared away. */
  shift: bigint;
}

function parseCidr(range: string): Cidr {
  const [address = '', prefixText, ...rest] = range.trim().split('/');
  const v4 = parseIpv4(address);
  const ip = v4 ?? parseIpv6(address);
  const version = v4 !== undefined ? 4 : 6;
  const bits = version === 4 ? 32 : 128;
  const prefix =
    prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (ip === undefined || rest.length > 0 || !(prefix >= 0 && prefix <= bits)) {
    throw new TypeError(
      `Trusted proxy "${range}" is not an IP address or CIDR range (e.g. 10.0.0.0/8 or fd00::/8).`,
    );
  }
  // ::ffff:10.0.0.0/104 is the IPv4 range 10.0.0.0/8; peers arrive normalised to IPv4.
  if (version === 6 && prefix >= 96 && ip >> 32n === 0xffffn) {
    return { version: 4, value: ip & 0xffffffffn, shift: BigInt(128 - prefix) };
  }
  return { version, value: ip, shift: BigInt(bits - prefix) };
}

/** An X-Forwarded-For entry: an address, optionally with a port (`1.2.3.4:80`, `[::1]:80`). */
function parseForwardedEntry(entry: string): IpAddress | undefined {
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(entry);
  if (bracketed) return parseIp(bracketed[1] ?? '');
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(entry);
  if (v4WithPort) return parseIp(v4WithPort[1] ?? '');
  return parseIp(entry);
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // Decimal only: leading zeros are octal to some parsers, so refuse them rather than guess.
    if (!/^(?:0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.length > 45) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (half: string): number[] | undefined => {
    if (half === '') return [];
    const groups: number[] = [];
    const pieces = half.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] ?? '';
      if (i === pieces.length - 1 && piece.includes('.')) {
        // A trailing dotted quad stands for the last two groups (::ffff:1.2.3.4).
        const v4 = parseIpv4(piece);
        if (v4 === undefined) return undefined;
        groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        groups.push(parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  let value = 0n;
  for (const group of [...head, ...Array<number>(missing).fill(0), ...tail]) {
    value = (value << 16n) | BigInt(group);
  }
  return value;
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
}

/** RFC 5952: lower case, no leading zeros, the longest run (2+) of zero groups as `::`. */
function formatIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) =>
    Number((value >> BigInt(112 - 16 * i)) & 0xffffn),
  );
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
