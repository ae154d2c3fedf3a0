import { describe, expect, it } from 'vitest';
import { addressRefusal, classifyIp, parseIpv4, parseIpv6 } from './ip-ranges';

describe('parseIpv4', () => {
  it.each([
    ['127.0.0.1', 0x7f000001],
    ['2130706433', 0x7f000001],
    ['0x7f000001', 0x7f000001],
    ['0x7f.1', 0x7f000001],
    ['0177.0.0.1', 0x7f000001],
    ['127.1', 0x7f000001],
    ['127.0.1', 0x7f000001],
    ['127.0.0.1.', 0x7f000001],
  ])('reads %s the way inet_aton does', (text, value) => {
    expect(parseIpv4(text)).toBe(value);
  });

  it.each(['256.0.0.1', '1.2.3.4.5', '4294967296', '08.0.0.1', 'example.com', '1e100', ''])(
    'rejects %s',
    (text) => expect(parseIpv4(text)).toBeUndefined(),
  );
});

describe('parseIpv6', () => {
  it('expands :: and embedded IPv4, with or without brackets and zone', () => {
    expect(Array.from(parseIpv6('[::1]') ?? [])).toEqual([...new Array<number>(15).fill(0), 1]);
    expect(Array.from(parseIpv6('::ffff:127.0.0.1') ?? []).slice(10)).toEqual([
      0xff, 0xff, 127, 0, 0, 1,
    ]);
    expect(parseIpv6('fe80::1%eth0')?.[0]).toBe(0xfe);
  });

  it.each([':::', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '::ffff:1.2.3', 'example.com'])(
    'rejects %s',
    (text) => expect(parseIpv6(text)).toBeUndefined(),
  );
});

describe('classifyIp', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.1.1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.1', 'public'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['2130706433', 'loopback'],
    ['0x7f.1', 'loopback'],
    ['0xa9fea9fe', 'metadata'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['[::ffff:7f00:1]', 'loopback'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
  ])('%s is %s', (text, range) => {
    expect(classifyIp(text)).toBe(range);
  });

  it('is undefined for host names', () => {
    expect(classifyIp('api.example.com')).toBeUndefined();
  });
});

describe('addressRefusal', () => {
  it('refuses non-public ranges unless private networks are allowed', () => {
    expect(addressRefusal('public', false)).toBeUndefined();
    expect(addressRefusal('loopback', false)).toContain('loopback');
    expect(addressRefusal('loopback', true)).toBeUndefined();
    expect(addressRefusal('cgnat', true)).toBeUndefined();
  });

  it('never allows cloud metadata or multicast', () => {
    expect(addressRefusal('metadata', true)).toContain('metadata');
    expect(addressRefusal('multicast', true)).toContain('multicast');
  });
});
