import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { isEgressRefusal } from '../../upstreams/egress-guard';
import { createGuardedLookup, type Resolver } from './guarded-lookup';

const answering =
  (...addresses: string[]): Resolver =>
  (_host, _options, callback) =>
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

function lookup(resolve: Resolver, all: boolean, allowPrivateNetwork = false) {
  const guarded = createGuardedLookup({ integration: 'api', allowPrivateNetwork, resolve });
  return new Promise<{ err: unknown; address: string | LookupAddress[]; family?: number }>((done) =>
    guarded('api.example', { all }, (err, address, family) => done({ err, address, family })),
  );
}

describe('createGuardedLookup', () => {
  it('passes public answers through in both callback shapes', async () => {
    expect(await lookup(answering('93.184.216.34', '2606:4700::1'), true)).toMatchObject({
      err: null,
      address: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:4700::1', family: 6 },
      ],
    });
    expect(await lookup(answering('93.184.216.34'), false)).toEqual({
      err: null,
      address: '93.184.216.34',
      family: 4,
    });
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.0.0.8', 'private-network'],
    ['169.254.169.254', 'cloud metadata'],
    ['::ffff:7f00:1', 'loopback'],
    ['fe80::1', 'link-local'],
  ])('refuses a name resolving to %s (%s)', async (address, what) => {
    const { err } = await lookup(answering('93.184.216.34', address), true);
    expect(isEgressRefusal(err)).toBe(true);
    expect((err as Error).message).toContain(`api.example resolves to ${address}, a ${what}`);
  });

  it('allows private answers with allowPrivateNetwork, never metadata', async () => {
    expect((await lookup(answering('127.0.0.1'), false, true)).address).toBe('127.0.0.1');
    expect(isEgressRefusal((await lookup(answering('169.254.169.254'), true, true)).err)).toBe(
      true,
    );
  });

  it('passes resolver errors on and treats an empty answer as not found', async () => {
    const failing: Resolver = (_h, _o, callback) =>
      callback(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }), []);
    expect(await lookup(failing, true)).toMatchObject({ err: { code: 'ENOTFOUND' } });
    expect(await lookup(answering(), true)).toMatchObject({ err: { code: 'ENOTFOUND' } });
  });
});
