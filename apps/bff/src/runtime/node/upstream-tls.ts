// TLS for one integration's connections: mTLS material and private CAs read at start-up, SPKI pinning at handshake.
import { X509Certificate, createHash } from 'node:crypto';
import {
  checkServerIdentity,
  createSecureContext,
  rootCertificates,
  type ConnectionOptions,
  type PeerCertificate,
} from 'node:tls';
import type { IntegrationConfig } from '@switchboard/shared/catalog';
import { ConfigError } from '../../config/config';
import { hostEntryCovers, parseHostEntry, type HostEntry } from '../../upstreams/egress-guard';
import { UpstreamError } from '../../resilience/upstream-error';

/**
 * Base64 SHA-256 of a certificate's DER SubjectPublicKeyInfo: the pin format of HPKP (RFC 7469),
 * and what `openssl x509 -pubkey | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64` prints.
 * @example spkiSha256(readFileSync('server.pem', 'utf8'))
 */
export function spkiSha256(certificate: string | Buffer | X509Certificate): string {
  const x509 =
    certificate instanceof X509Certificate ? certificate : new X509Certificate(certificate);
  const der = x509.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

/**
 * Connection options for one integration: client certificate and key (mTLS), extra trusted CAs,
 * and a `checkServerIdentity` that enforces the pins. Files are read now, so a missing or broken
 * one stops start-up with a ConfigError naming the integration and the field.
 * @example new Agent({ connect: { ...upstreamTlsOptions('payments', integration, readFile) } })
 */
export function upstreamTlsOptions(
  integrationName: string,
  integration: IntegrationConfig,
  readFile: (path: string) => string,
): ConnectionOptions {
  const tls = integration.tls;
  if (!tls) return {};
  const problems: string[] = [];
  const read = (field: string, path: string | undefined) => {
    if (path === undefined) return undefined;
    try {
      return readFile(path);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      problems.push(
        `integration ${integrationName}: tls.${field}: cannot read ${path}${typeof code === 'string' ? ` (${code})` : ''}`,
      );
      return undefined;
    }
  };
  const cert = read('clientCertFile', tls.clientCertFile);
  const key = read('clientKeyFile', tls.clientKeyFile);
  const ca = read('caFile', tls.caFile);

  const options: ConnectionOptions = {};
  if (cert !== undefined && key !== undefined) Object.assign(options, { cert, key });
  // A private CA is added to the public roots (not instead of them), so a public token endpoint of
  // the same integration still verifies; pins, where set, are the narrower control.
  if (ca !== undefined) options.ca = [...rootCertificates, ca];
  if (problems.length === 0) {
    try {
      // Fails now on a key that does not match its certificate, or PEM that is not PEM.
      createSecureContext(options);
    } catch (err) {
      // OpenSSL's reason (e.g. "key values mismatch") names no key material.
      const reason = err instanceof Error ? err.message : String(err);
      problems.push(
        `integration ${integrationName}: tls: the certificate files are unusable (${reason})`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems, 'Invalid TLS settings');

  if (tls.pinnedSpkiSha256) {
    options.checkServerIdentity = createPinCheck(
      integrationName,
      new Set(tls.pinnedSpkiSha256),
      pinnedHosts(integration),
    );
  }
  return options;
}

/**
 * The hosts the pins apply to: the baseUrl's and `allowedHosts`. A separate OAuth token host is
 * someone else's server with someone else's key, so it is verified normally but not pinned.
 */
function pinnedHosts(integration: IntegrationConfig): HostEntry[] {
  const base = new URL(integration.baseUrl);
  const hosts: HostEntry[] = [{ hostname: base.hostname, wildcard: false, port: base.port }];
  for (const entry of integration.allowedHosts ?? []) {
    const parsed = parseHostEntry(entry, base.protocol);
    if (parsed) hosts.push(parsed);
  }
  return hosts;
}

function createPinCheck(
  integration: string,
  pins: ReadonlySet<string>,
  hosts: HostEntry[],
): NonNullable<ConnectionOptions['checkServerIdentity']> {
  return function checkPinnedIdentity(hostname, cert) {
    // Pinning narrows normal verification; it never replaces the name check.
    const identityError = checkServerIdentity(hostname, cert);
    if (identityError) return identityError;
    const bare = hostname.replace(/^\[|\]$/g, '');
    if (!hosts.some((h) => hostEntryCovers(h, bare) || hostEntryCovers(h, `[${bare}]`))) {
      return undefined;
    }
    // Any key along the verified chain may be pinned (leaf, intermediate or CA), as in RFC 7469,
    // so pinning a CA survives leaf rotation.
    for (const c of chainOf(cert)) {
      if (pins.has(spkiSha256(new X509Certificate(c.raw)))) return undefined;
    }
    return new UpstreamError(
      'network',
      `the certificate of ${hostname} matches none of the pinned keys (tls.pinnedSpkiSha256) of ${integration}`,
    );
  };
}

function* chainOf(cert: PeerCertificate): Generator<PeerCertificate> {
  const seen = new Set<PeerCertificate>();
  let current: PeerCertificate | undefined = cert;
  while (current && !seen.has(current) && current.raw.length > 0) {
    seen.add(current);
    yield current;
    // A self-signed root is its own issuer; `seen` stops the loop there.
    current = (current as Partial<{ issuerCertificate: PeerCertificate }>).issuerCertificate;
  }
}
