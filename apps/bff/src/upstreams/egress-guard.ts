// SSRF guard: every outbound URL is checked against its integration's allowed origins, paths and address ranges.
import type { IntegrationConfig } from '@switchboard/shared/catalog';
import { UpstreamError, isUpstreamError } from '../resilience/upstream-error';
import { addressRefusal, classifyIp, type AddressRange } from './ip-ranges';

/** The `cause` of every refusal, so policies can tell "we refused" from "the network failed". */
export class EgressRefusal extends Error {
  override name = 'EgressRefusal';
  readonly code = 'ERR_EGRESS_REFUSED';
  constructor(
    readonly integration: string,
    readonly reason: string,
  ) {
    super(`${integration}: ${reason}`);
  }
}

/** True for an UpstreamError raised by the egress guard (not worth a retry: it will refuse again). */
export const isEgressRefusal = (e: unknown): e is UpstreamError =>
  isUpstreamError(e) && e.cause instanceof EgressRefusal;

/** Builds the error every egress refusal is thrown as; the DNS-time check in runtime/ uses it too. */
export function egressRefused(integration: string, reason: string): UpstreamError {
  return new UpstreamError('network', `egress refused for ${integration}: ${reason}`, {
    cause: new EgressRefusal(integration, reason),
  });
}

export interface EgressGuard {
  /** Throws an UpstreamError (kind `network`, cause {@link EgressRefusal}) when `url` is off limits. */
  check: (integration: string, url: URL) => void;
}

/** One `allowedHosts` entry, normalised. */
export interface HostEntry {
  /** Lower-case host name or IP literal (IPv6 in brackets), without a trailing dot. */
  hostname: string;
  /** `*.x`: any subdomain of x (not x itself). */
  wildcard: boolean;
  /** As in `URL.port`: '' means the scheme's default port. */
  port: string;
}

/** One place an integration may send requests to. */
interface Target extends HostEntry {
  /** Requests must stay at or under this path (`/` for anywhere), or equal it when `exact`. */
  path: string;
  exact: boolean;
}

interface Rules {
  /** An https baseUrl forbids plain http anywhere, so credentials are never sent in clear. */
  httpsOnly: boolean;
  allowPrivateNetwork: boolean;
  targets: Target[];
}

/**
 * Builds the guard from the validated catalog's integrations. Each integration may reach its
 * baseUrl (under the base path), its OAuth token URL (that exact path) and, when `allowedHosts`
 * is given, any path on those hosts (`host`, `host:port` or `*.domain`).
 * @example
 * const guard = createEgressGuard(catalog.integrations);
 * guard.check('payments', new URL('https://api.pay.example/v1/charges')); // throws when refused
 */
export function createEgressGuard(integrations: Record<string, IntegrationConfig>): EgressGuard {
  const rules = new Map<string, Rules>();
  for (const [name, integration] of Object.entries(integrations)) {
    rules.set(name, rulesFor(integration));
  }

  // The verdict depends only on the integration's rules and the URL, and most calls reuse one
  // URL object per operation (the engine parses fixed URLs once): remember it per object, checked
  // against the href in case the object was changed since.
  const verdicts = new WeakMap<
    URL,
    { integration: string; href: string; reason: string | undefined }
  >();
  return {
    check: function checkEgress(integration, url) {
      const href = url.href;
      let verdict = verdicts.get(url);
      if (verdict === undefined || verdict.integration !== integration || verdict.href !== href) {
        const r = rules.get(integration);
        if (!r) throw egressRefused(integration, 'no such integration in the catalog');
        verdict = { integration, href, reason: refusalReason(r, url) };
        verdicts.set(url, verdict);
      }
      if (verdict.reason !== undefined) throw egressRefused(integration, verdict.reason);
    },
  };
}

function rulesFor(integration: IntegrationConfig): Rules {
  const base = new URL(integration.baseUrl);
  const targets: Target[] = [
    {
      hostname: base.hostname,
      wildcard: false,
      port: base.port,
      path: base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`,
      exact: false,
    },
  ];
  if (integration.auth.type === 'oauth2-client-credentials') {
    // The token endpoint is named explicitly in the config, so it is as trusted as the baseUrl.
    const token = new URL(integration.auth.tokenUrl);
    targets.push({
      hostname: token.hostname,
      wildcard: false,
      port: token.port,
      path: token.pathname,
      exact: true,
    });
  }
  for (const entry of integration.allowedHosts ?? []) {
    // Entries the parser rejects were already reported by the config loader.
    const host = parseHostEntry(entry, base.protocol);
    if (host) targets.push({ ...host, path: '/', exact: false });
  }
  return {
    httpsOnly: base.protocol === 'https:',
    allowPrivateNetwork: integration.allowPrivateNetwork,
    targets,
  };
}

/**
 * Parses an `allowedHosts` entry (`api.example.com`, `api.example.com:8443`, `*.example.com`,
 * `[::1]:8080`) through the URL parser so it is normalised exactly like the URLs it is compared to.
 * @example parseHostEntry('API.Example.com:8443') // { hostname: 'api.example.com', wildcard: false, port: '8443' }
 */
export function parseHostEntry(entry: string, protocol = 'https:'): HostEntry | undefined {
  const wildcard = entry.startsWith('*.');
  const rest = wildcard ? entry.slice(2) : entry;
  if (rest === '' || /[/?#@\s]/.test(rest)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(`${protocol}//${rest}`);
  } catch {
    return undefined;
  }
  return { hostname: stripDot(parsed.hostname), wildcard, port: parsed.port };
}

/** Whether a host name (no port) is covered by an entry, ignoring the entry's port. */
export function hostEntryCovers(entry: HostEntry, hostname: string): boolean {
  const host = stripDot(hostname.toLowerCase());
  return entry.wildcard ? host.endsWith(`.${entry.hostname}`) : entry.hostname === host;
}

const stripDot = (host: string) => (host.endsWith('.') ? host.slice(0, -1) : host);
const isLocalhostName = (host: string) => host === 'localhost' || host.endsWith('.localhost');

function refusalReason(rules: Rules, url: URL): string | undefined {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `the ${url.protocol} scheme is not allowed (only http and https)`;
  }
  if (rules.httpsOnly && url.protocol !== 'https:') {
    return 'plain http is not allowed for an integration whose baseUrl is https';
  }
  // Credentials in the URL would bypass the secret store and end up in logs.
  if (url.username !== '' || url.password !== '') {
    return 'credentials in the URL (user@host) are not allowed';
  }
  const hostname = stripDot(url.hostname);

  const range: AddressRange | undefined =
    classifyIp(hostname) ?? (isLocalhostName(hostname) ? 'loopback' : undefined);
  if (range) {
    const refusal = addressRefusal(range, rules.allowPrivateNetwork);
    if (refusal) {
      return `${hostname} is ${refusal} (set allowPrivateNetwork only for trusted local upstreams)`;
    }
  }

  const onHost = rules.targets.filter((t) => t.port === url.port && hostEntryCovers(t, hostname));
  if (onHost.length === 0) return `${url.host} is not an allowed host`;

  const pathProblem = suspiciousPath(url.pathname);
  if (pathProblem) return pathProblem;

  const pathAllowed = onHost.some((t) =>
    t.exact
      ? url.pathname === t.path
      : t.path === '/' || url.pathname.startsWith(t.path) || `${url.pathname}/` === t.path,
  );
  if (!pathAllowed) return `the path ${url.pathname} is outside the integration's base path`;
  return undefined;
}

/**
 * The URL parser already resolves `..` and `%2e%2e`; what survives are forms an upstream (or a
 * proxy in front of it) may still resolve: doubly-encoded dot segments, encoded slashes and
 * backslashes, and empty segments (`//evil.example` reads as a new authority to some servers).
 */
function suspiciousPath(pathname: string): string | undefined {
  if (pathname.includes('//')) return 'an empty path segment (//) is not allowed';
  for (const segment of pathname.split('/')) {
    let decoded = segment;
    // Three rounds cover `%25252e`; an upstream decoding more often than that is already broken.
    for (let round = 0; round < 3 && decoded.includes('%'); round++) {
      try {
        decoded = decodeURIComponent(decoded);
      } catch {
        break;
      }
      if (decoded === '.' || decoded === '..') {
        return 'an encoded dot segment (%2e%2e) in the path is not allowed';
      }
      if (decoded.includes('/') || decoded.includes('\\')) {
        return 'an encoded slash or backslash in the path is not allowed';
      }
    }
  }
  return undefined;
}
