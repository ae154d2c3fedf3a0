// The client address honours X-Forwarded-For only from trusted proxies, and only as far as they wrote it.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import {
  createClientIp,
  createIsTls,
  createProxyTrust,
  parseIp,
  unknownClientIp,
  type ClientIpOptions,
} from './client-ip';

// The socket address stands in as a test header: app.request() has no socket.
const remoteAddress: ClientIpOptions['remoteAddress'] = (c) => c.req.header('x-test-peer');

async function ipOf(trustedProxies: string[], peer: string | undefined, xff?: string | string[]) {
  const clientIp = createClientIp({ trustedProxies, remoteAddress });
  const app = new Hono().get('/', (c) => c.text(clientIp(c)));
  const headers = new Headers();
  if (peer !== undefined) headers.set('x-test-peer', peer);
  for (const value of typeof xff === 'string' ? [xff] : (xff ?? []))
    headers.append('x-forwarded-for', value);
  return (await app.request('/', { headers })).text();
}

describe('parseIp', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['::FFFF:a00:1', '10.0.0.1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::', '::'],
    ['fe80::', 'fe80::'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ])('%s is %s', (input, text) => {
    expect(parseIp(input)?.text).toBe(text);
  });

  it.each([
    '',
    'unknown',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3.4 ',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    '12345::',
    'fe80::1%eth0',
    '::ffff:1.2.3.256',
    '1:2:3:4:5:6:7::8',
  ])('rejects %j', (input) => {
    expect(parseIp(input)).toBeUndefined();
  });
});

describe('createProxyTrust', () => {
  const trust = createProxyTrust([
    '10.0.0.0/8',
    '192.168.1.7',
    'fd00::/8',
    '::ffff:172.16.0.0/108',
  ]);
  const trusted = (ip: string) => {
    const parsed = parseIp(ip);
    if (!parsed) throw new Error(`bad test address ${ip}`);
    return trust(parsed);
  };

  it('matches IPv4 and IPv6 ranges and single addresses', () => {
    expect(trusted('10.255.0.1')).toBe(true);
    expect(trusted('11.0.0.1')).toBe(false);
    expect(trusted('192.168.1.7')).toBe(true);
    expect(trusted('192.168.1.8')).toBe(false);
    expect(trusted('fd12:3456::1')).toBe(true);
    expect(trusted('fe80::1')).toBe(false);
  });

  it('treats IPv4-mapped IPv6 as IPv4, in addresses and in ranges', () => {
    expect(trusted('::ffff:10.1.2.3')).toBe(true);
    expect(trusted('172.16.9.9')).toBe(true);
    expect(trusted('172.32.0.1')).toBe(false);
  });

  it('accepts /0 and refuses entries that are not ranges, when created', () => {
    expect(createProxyTrust(['0.0.0.0/0'])({ version: 4, value: 1n, text: '0.0.0.1' })).toBe(true);
    for (const bad of ['10.0.0.0/33', '::/129', 'localhost', '10.0.0.0/8/8', '10.0.0.0/x', ''])
      expect(() => createProxyTrust([bad]), bad).toThrow(/not an IP address or CIDR range/);
  });
});

describe('createClientIp', () => {
  it('answers the socket address when there is no proxy', async () => {
    expect(await ipOf([], '203.0.113.9')).toBe('203.0.113.9');
    expect(await ipOf([], '::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(await ipOf([], '2001:DB8::0001')).toBe('2001:db8::1');
  });

  it('ignores X-Forwarded-For from an untrusted peer, however it is spoofed', async () => {
    for (const xff of ['1.1.1.1', '10.0.0.1', '1.1.1.1, 10.0.0.2', 'unknown', ''])
      expect(await ipOf(['10.0.0.0/8'], '203.0.113.9', xff)).toBe('203.0.113.9');
  });

  it('takes the client from X-Forwarded-For when the peer is a trusted proxy', async () => {
    expect(await ipOf(['10.0.0.0/8'], '10.0.0.2', '198.51.100.4')).toBe('198.51.100.4');
    expect(await ipOf(['10.0.0.0/8'], '::ffff:10.0.0.2', '::ffff:198.51.100.4')).toBe(
      '198.51.100.4',
    );
  });

  it('walks right to left past trusted hops, never reading what the client wrote', async () => {
    // The client claimed 1.1.1.1; our edge proxy appended the real client, then an inner proxy.
    const xff = '1.1.1.1, 198.51.100.4, 10.0.0.9';
    expect(await ipOf(['10.0.0.0/8'], '10.0.0.2', xff)).toBe('198.51.100.4');
    // Several headers are one list, in order.
    expect(await ipOf(['10.0.0.0/8'], '10.0.0.2', ['1.1.1.1', '198.51.100.4, 10.0.0.9'])).toBe(
      '198.51.100.4',
    );
    expect(
      await ipOf(['10.0.0.0/8', '2001:db8::/32'], '10.0.0.2', '2001:db9::7, 2001:db8::1'),
    ).toBe('2001:db9::7');
  });

  it('reads ports and brackets in entries', async () => {
    expect(await ipOf(['10.0.0.0/8'], '10.0.0.2', '198.51.100.4:5123')).toBe('198.51.100.4');
    expect(await ipOf(['10.0.0.0/8'], '10.0.0.2', '[2001:db8::5]:443')).toBe('2001:db8::5');
  });

  it('skips blank entries and stops at a non-address, answering the hop that wrote it', async () => {
    expect(await ipOf(['10.0.0.0/8'], '10.0.0.2', '198.51.100.4, , ')).toBe('198.51.100.4');
    // Reading past "unknown" would hand the answer to whatever the client put before it.
    expect(await ipOf(['10.0.0.0/8'], '10.0.0.2', '1.1.1.1, unknown, 10.0.0.9')).toBe('10.0.0.9');
    expect(await ipOf(['10.0.0.0/8'], '10.0.0.2', '1.1.1.1, not-an-ip')).toBe('10.0.0.2');
  });

  it('answers the furthest trusted hop when every hop is trusted, and the peer with no header', async () => {
    expect(await ipOf(['10.0.0.0/8'], '10.0.0.2', '10.0.0.7, 10.0.0.9')).toBe('10.0.0.7');
    expect(await ipOf(['10.0.0.0/8'], '10.0.0.2')).toBe('10.0.0.2');
  });

  it('answers "unknown" when the runtime gives no socket address, and trusts no header then', async () => {
    expect(await ipOf(['0.0.0.0/0'], undefined, '198.51.100.4')).toBe(unknownClientIp);
    expect(await ipOf([], 'garbage')).toBe(unknownClientIp);
  });

  it('refuses a bad trusted-proxy entry when created', () => {
    expect(() => createClientIp({ trustedProxies: ['10.0.0.0/99'], remoteAddress })).toThrow(
      /10\.0\.0\.0\/99/,
    );
  });
});

describe('createIsTls', () => {
  const isTls = createIsTls({ trustedProxies: ['10.0.0.0/8'], remoteAddress });
  const app = new Hono().get('/', (c) => c.text(String(isTls(c))));
  const ask = async (url: string, headers: Record<string, string>) =>
    (await app.request(url, { headers })).text();

  it('is true for an https URL', async () => {
    expect(await ask('https://switchboard.test/', { 'x-test-peer': '203.0.113.9' })).toBe('true');
  });

  it('believes X-Forwarded-Proto only from a trusted proxy, and only its own last value', async () => {
    const proto = (peer: string, value: string) =>
      ask('http://switchboard.test/', { 'x-test-peer': peer, 'x-forwarded-proto': value });
    expect(await proto('10.0.0.2', 'https')).toBe('true');
    expect(await proto('10.0.0.2', 'HTTPS')).toBe('true');
    expect(await proto('203.0.113.9', 'https')).toBe('false');
    expect(await proto('10.0.0.2', 'https, http')).toBe('false');
    expect(await proto('10.0.0.2', 'http, https')).toBe('true');
    expect(await ask('http://switchboard.test/', { 'x-test-peer': '10.0.0.2' })).toBe('false');
  });
});
