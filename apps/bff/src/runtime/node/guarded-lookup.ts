// DNS-rebinding guard: a `lookup` for sockets that refuses names resolving to private, loopback or metadata addresses.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { egressRefused } from '../../upstreams/egress-guard';
import { addressRefusal, classifyIp } from '../../upstreams/ip-ranges';

/** The resolver the guard wraps: `dns.lookup` with `all: true`, or a fake in tests. */
export type Resolver = (
  hostname: string,
  options: LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolver: Resolver = (hostname, options, callback) =>
  dnsLookup(hostname, options, callback);

/**
 * A `lookup` for `net.connect` / undici's `connect` option. The egress guard checks the URL's
 * host before sending, but a public name can resolve to 127.0.0.1 (DNS rebinding); checking the
 * addresses the socket will actually use closes that gap. One refused address refuses the name:
 * mixing a private address into public answers is itself the attack.
 * @example new Agent({ connect: { lookup: createGuardedLookup({ integration: 'payments', allowPrivateNetwork: false }) } })
 */
export function createGuardedLookup(options: {
  integration: string;
  allowPrivateNetwork: boolean;
  resolve?: Resolver;
}): LookupFunction {
  const resolve = options.resolve ?? systemResolver;
  return function guardedLookup(hostname, lookupOptions, callback) {
    resolve(hostname, { ...lookupOptions, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      for (const { address } of addresses) {
        // An unparseable answer is treated as the worst case rather than trusted.
        const refusal = addressRefusal(
          classifyIp(address) ?? 'reserved',
          options.allowPrivateNetwork,
        );
        if (refusal) {
          return callback(
            egressRefused(options.integration, `${hostname} resolves to ${address}, ${refusal}`),
            '',
          );
        }
      }
      const first = addresses[0];
      if (!first) {
        const notFound: NodeJS.ErrnoException = new Error(`${hostname} has no addresses`);
        notFound.code = 'ENOTFOUND';
        return callback(notFound, '');
      }
      if (lookupOptions.all) return callback(null, addresses);
      return callback(null, first.address, first.family);
    });
  };
}
