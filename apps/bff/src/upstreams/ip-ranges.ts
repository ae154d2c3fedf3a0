// Classifies IP address literals (every IPv4 spelling, IPv6, embedded IPv4) into the ranges egress rules care about.

/**
 * Where an address points. Only `public` is reachable without `allowPrivateNetwork`;
 * `metadata` and `multicast` are never reachable (see {@link addressRefusal}).
 */
export type AddressRange =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'unique-local'
  | 'unspecified'
  | 'cgnat'
  | 'multicast'
  | 'reserved';

export type ParsedIp = { version: 4; value: number } | { version: 6; bytes: Uint8Array };

/**
 * Parses an IPv4 address the way `inet_aton` and the WHATWG URL parser do: 1 to 4 parts, each
 * decimal, octal (`0177`) or hex (`0x7f`), the last part filling the remaining bytes — so
 * `2130706433`, `0x7f.1` and `127.1` are all 127.0.0.1. Attackers use these spellings to slip
 * loopback past string comparisons, so every one of them must classify the same.
 * @example parseIpv4('0x7f.1') // 2130706433
 */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  // WHATWG tolerates one trailing dot (`127.0.0.1.`).
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 0 || parts.length > 4) return undefined;
  const numbers: number[] = [];
  for (const part of parts) {
    const n = parseIpv4Part(part);
    if (n === undefined) return undefined;
    numbers.push(n);
  }
  const last = numbers.pop() ?? 0;
  let value = 0;
  for (const n of numbers) {
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  const restBytes = 4 - numbers.length;
  if (last >= 256 ** restBytes) return undefined;
  return value * 256 ** restBytes + last;
}

function parseIpv4Part(part: string): number | undefined {
  let digits = part;
  let radix = 10;
  if (/^0x/i.test(digits)) {
    digits = digits.slice(2);
    radix = 16;
    if (digits === '') return 0;
  } else if (digits.length > 1 && digits.startsWith('0')) {
    digits = digits.slice(1);
    radix = 8;
  }
  const pattern = radix === 16 ? /^[0-9a-f]+$/i : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!pattern.test(digits)) return undefined;
  const n = parseInt(digits, radix);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Parses an IPv6 address (with or without `[...]`, with `::` compression, an embedded dotted IPv4
 * tail, and a `%zone` suffix as DNS results may carry) into 16 bytes.
 * @example parseIpv6('[::ffff:127.0.0.1]')?.[15] // 1
 */
export function parseIpv6(text: string): Uint8Array | undefined {
  let s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(':')) return undefined;

  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const groups = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

function parseGroups(text: string): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (const [i, part] of parts.entries()) {
    if (i === parts.length - 1 && part.includes('.')) {
      // Embedded IPv4 (`::ffff:1.2.3.4`) is strict dotted decimal, unlike a bare IPv4 host.
      if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(part)) return undefined;
      const v4 = part.split('.').map(Number);
      if (v4.some((n) => n > 255)) return undefined;
      const [a = 0, b = 0, c = 0, d = 0] = v4;
      groups.push((a << 8) | b, (c << 8) | d);
    } else {
      if (!/^[0-9a-f]{1,4}$/i.test(part)) return undefined;
      groups.push(parseInt(part, 16));
    }
  }
  return groups;
}

/**
 * Parses any IP literal; `undefined` means the text is a host name (or garbage), not an address.
 * @example parseIp('10.0.0.1') // { version: 4, value: 167772161 }
 */
export function parseIp(text: string): ParsedIp | undefined {
  const v6 = parseIpv6(text);
  if (v6) return { version: 6, bytes: v6 };
  // A bare all-digits name like `1e100` is not an address; only the IPv4 grammar above is.
  const v4 = parseIpv4(text);
  return v4 === undefined ? undefined : { version: 4, value: v4 };
}

const ipv4 = (a: number, b: number, c: number, d: number) => ((a * 256 + b) * 256 + c) * 256 + d;
const inV4 = (value: number, base: number, bits: number) =>
  Math.floor(value / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits));

// Cloud instance-metadata endpoints: AWS/GCP/Azure, AWS ECS task credentials, Alibaba Cloud.
const V4_METADATA = new Set([
  ipv4(169, 254, 169, 254),
  ipv4(169, 254, 170, 2),
  ipv4(100, 100, 100, 200),
]);

// Checked in order, so the narrow entries (metadata) come before the ranges that contain them.
const V4_RANGES: Array<[base: number, bits: number, range: AddressRange]> = [
  [ipv4(0, 0, 0, 0), 8, 'unspecified'],
  [ipv4(10, 0, 0, 0), 8, 'private'],
  [ipv4(100, 64, 0, 0), 10, 'cgnat'],
  [ipv4(127, 0, 0, 0), 8, 'loopback'],
  [ipv4(169, 254, 0, 0), 16, 'link-local'],
  [ipv4(172, 16, 0, 0), 12, 'private'],
  [ipv4(192, 0, 0, 0), 24, 'reserved'],
  [ipv4(192, 0, 2, 0), 24, 'reserved'],
  [ipv4(192, 88, 99, 0), 24, 'reserved'],
  [ipv4(192, 168, 0, 0), 16, 'private'],
  [ipv4(198, 18, 0, 0), 15, 'reserved'],
  [ipv4(198, 51, 100, 0), 24, 'reserved'],
  [ipv4(203, 0, 113, 0), 24, 'reserved'],
  [ipv4(224, 0, 0, 0), 4, 'multicast'],
  [ipv4(240, 0, 0, 0), 4, 'reserved'],
];

function classifyV4(value: number): AddressRange {
  if (V4_METADATA.has(value)) return 'metadata';
  for (const [base, bits, range] of V4_RANGES) if (inV4(value, base, bits)) return range;
  return 'public';
}

const startsWith = (bytes: Uint8Array, prefix: number[], bits: number): boolean => {
  for (let bit = 0; bit < bits; bit += 8) {
    const i = bit / 8;
    const take = Math.min(8, bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
};
const v4At = (bytes: Uint8Array, at: number) =>
  ipv4(bytes[at] ?? 0, bytes[at + 1] ?? 0, bytes[at + 2] ?? 0, bytes[at + 3] ?? 0);

/** fd00:ec2::254, AWS's IPv6 instance-metadata address. */
const EC2_METADATA_V6 = [0xfd, 0, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54];
const isEc2Metadata = (bytes: Uint8Array) => EC2_METADATA_V6.every((b, i) => bytes[i] === b);

function classifyV6(bytes: Uint8Array): AddressRange {
  const zeroUpTo = (n: number) => bytes.subarray(0, n).every((b) => b === 0);
  if (zeroUpTo(16)) return 'unspecified';
  if (zeroUpTo(15) && bytes[15] === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and the deprecated IPv4-compatible (::a.b.c.d) forms reach the
  // embedded IPv4 address, so they are exactly as dangerous as it is.
  if (zeroUpTo(10) && bytes[10] === 0xff && bytes[11] === 0xff) return classifyV4(v4At(bytes, 12));
  if (zeroUpTo(12)) return classifyV4(v4At(bytes, 12));
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) gateways forward to the embedded IPv4 address.
  if (startsWith(bytes, [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], 96)) {
    return classifyV4(v4At(bytes, 12));
  }
  if (startsWith(bytes, [0, 0x64, 0xff, 0x9b, 0, 1], 48)) return 'private';
  if (startsWith(bytes, [0x20, 0x02], 16)) return classifyV4(v4At(bytes, 2));
  if (isEc2Metadata(bytes)) return 'metadata';
  if (startsWith(bytes, [0xfc], 7)) return 'unique-local';
  if (startsWith(bytes, [0xfe, 0x80], 10)) return 'link-local';
  if (startsWith(bytes, [0xfe, 0xc0], 10)) return 'private';
  if (startsWith(bytes, [0xff], 8)) return 'multicast';
  // Teredo (2001::/32) hides an IPv4 address; documentation (2001:db8::/32); discard (100::/64).
  if (startsWith(bytes, [0x20, 0x01, 0, 0], 32)) return 'reserved';
  if (startsWith(bytes, [0x20, 0x01, 0x0d, 0xb8], 32)) return 'reserved';
  // Only 2000::/3 is allocated global unicast; anything else is not a real upstream.
  return startsWith(bytes, [0x20], 3) ? 'public' : 'reserved';
}

/**
 * Classifies an IP literal; `undefined` when the text is not an IP address.
 * @example classifyIp('[::ffff:7f00:1]') // 'loopback'
 */
export function classifyIp(text: string): AddressRange | undefined {
  const ip = parseIp(text);
  if (!ip) return undefined;
  return ip.version === 4 ? classifyV4(ip.value) : classifyV6(ip.bytes);
}

const DESCRIPTIONS: Record<AddressRange, string> = {
  public: 'a public address',
  loopback: 'a loopback address',
  private: 'a private-network address',
  'link-local': 'a link-local address',
  metadata: 'a cloud metadata address',
  'unique-local': 'a unique-local IPv6 address',
  unspecified: 'an unspecified (0.0.0.0/8 or ::) address',
  cgnat: 'a carrier-grade NAT (100.64.0.0/10) address',
  multicast: 'a multicast address',
  reserved: 'a reserved or non-routable address',
};

/**
 * Why a connection to an address of this range is refused, or `undefined` when it is allowed.
 * `allowPrivateNetwork` opens every non-public range except cloud metadata (credentials live there;
 * no integration needs it) and multicast (never an HTTP server).
 * @example addressRefusal('loopback', false) // 'a loopback address'
 */
export function addressRefusal(
  range: AddressRange,
  allowPrivateNetwork: boolean,
): string | undefined {
  if (range === 'public') return undefined;
  if (allowPrivateNetwork && range !== 'metadata' && range !== 'multicast') return undefined;
  return DESCRIPTIONS[range];
}
