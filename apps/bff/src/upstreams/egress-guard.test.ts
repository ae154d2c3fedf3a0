import { IntegrationSchema, type IntegrationConfig } from '@switchboard/shared/catalog';
import { describe, expect, it } from 'vitest';
import { isUpstreamError } from '../resilience/upstream-error';
import { createEgressGuard, isEgressRefusal } from './egress-guard';

const integration = (fields: Record<string, unknown>): IntegrationConfig =>
  IntegrationSchema.parse({ operations: { get: { path: '/x' } }, ...fields });

const guard = createEgressGuard({
  api: integration({ baseUrl: 'https://api.example.com/v1' }),
  wide: integration({
    baseUrl: 'https://api.example.com/v1/',
    allowedHosts: ['api.example.com', 'cdn.example.net:8443', '*.files.example.org'],
  }),
  // Literal addresses listed as allowed hosts, to show the address check refuses them anyway.
  literal: integration({
    baseUrl: 'http://93.184.216.34/',
    allowedHosts: [
      '93.184.216.34',
      '127.0.0.1',
      '10.0.0.1',
      '172.16.0.1',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '[::1]',
      '[fe80::1]',
      '[fc00::1]',
      '[fd00:ec2::254]',
      '[::ffff:7f00:1]',
      'localhost',
    ],
  }),
  local: integration({
    baseUrl: 'http://127.0.0.1:4010/',
    allowPrivateNetwork: true,
    allowedHosts: ['127.0.0.1:4010', '169.254.169.254', '[fd00:ec2::254]'],
  }),
  oauth: integration({
    baseUrl: 'https://api.example.com/v1',
    auth: {
      type: 'oauth2-client-credentials',
      tokenUrl: 'https://login.example.com/oauth/token',
      clientId: 'switchboard',
      clientSecretEnv: 'OAUTH_SECRET',
    },
  }),
});

/** The refusal message, or undefined when the URL is allowed. */
function refusal(name: string, url: string): string | undefined {
  try {
    guard.check(name, new URL(url));
    return undefined;
  } catch (err) {
    expect(isUpstreamError(err) && err.kind === 'network').toBe(true);
    expect(isEgressRefusal(err)).toBe(true);
    return (err as Error).message;
  }
}

describe('createEgressGuard', () => {
  it('allows the base URL and paths under it', () => {
    expect(refusal('api', 'https://api.example.com/v1')).toBeUndefined();
    expect(refusal('api', 'https://api.example.com/v1/users/7?expand=1')).toBeUndefined();
  });

  it('refuses schemes other than http and https', () => {
    expect(refusal('api', 'file:///etc/passwd')).toMatch(/file: scheme is not allowed/);
    expect(refusal('api', 'ftp://api.example.com/v1/x')).toMatch(/scheme is not allowed/);
    expect(refusal('api', 'gopher://api.example.com/v1/x')).toMatch(/scheme is not allowed/);
  });

  it('refuses plain http when the baseUrl is https', () => {
    expect(refusal('api', 'http://api.example.com/v1/x')).toMatch(/plain http/);
  });

  it('refuses hosts other than the baseUrl host by default', () => {
    expect(refusal('api', 'https://evil.example/v1/x')).toMatch(
      /evil.example is not an allowed host/,
    );
    expect(refusal('api', 'https://api.example.com.evil.example/v1')).toMatch(
      /not an allowed host/,
    );
    expect(refusal('api', 'https://api.example.com:8443/v1/x')).toMatch(/not an allowed host/);
  });

  it('allows allowedHosts, with their port and subdomain wildcards', () => {
    expect(refusal('wide', 'https://cdn.example.net:8443/any/path')).toBeUndefined();
    expect(refusal('wide', 'https://a.b.files.example.org/f')).toBeUndefined();
    expect(refusal('wide', 'https://files.example.org/f')).toMatch(/not an allowed host/);
    expect(refusal('wide', 'https://cdn.example.net/any')).toMatch(/not an allowed host/);
    // Listing the base host in allowedHosts opens every path on it.
    expect(refusal('wide', 'https://api.example.com/admin')).toBeUndefined();
  });

  it('allows the OAuth token URL, and only that path of its host', () => {
    expect(refusal('oauth', 'https://login.example.com/oauth/token')).toBeUndefined();
    expect(refusal('oauth', 'https://login.example.com/admin')).toMatch(/outside/);
  });

  it.each([
    ['http://127.0.0.1/', 'loopback'],
    ['http://2130706433/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://0177.0.0.1/', 'loopback'],
    ['http://127.1/', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://localhost/', 'loopback'],
    ['http://10.0.0.1/', 'private-network'],
    ['http://172.16.0.1/', 'private-network'],
    ['http://192.168.0.1/', 'private-network'],
    ['http://169.254.169.254/latest/meta-data/', 'metadata'],
    ['http://[fd00:ec2::254]/', 'metadata'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://[fc00::1]/', 'unique-local'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://100.64.0.1/', 'carrier-grade NAT'],
  ])('refuses %s (%s)', (url, what) => {
    expect(refusal('literal', url)).toContain(what);
  });

  it('allows a public literal address that is listed', () => {
    expect(refusal('literal', 'http://93.184.216.34/x')).toBeUndefined();
  });

  it('allows private addresses with allowPrivateNetwork, but never cloud metadata', () => {
    expect(refusal('local', 'http://127.0.0.1:4010/x')).toBeUndefined();
    expect(refusal('local', 'http://169.254.169.254/latest')).toContain('metadata');
    expect(refusal('local', 'http://[fd00:ec2::254]/')).toContain('metadata');
  });

  it('refuses credentials in the URL without repeating them', () => {
    expect(refusal('api', 'https://user@api.example.com/v1/x')).toMatch(/credentials in the URL/);
    const message = refusal('api', 'https://user:hunter2@api.example.com/v1/x');
    expect(message).toMatch(/credentials in the URL/);
    expect(message).not.toContain('hunter2');
  });

  it('refuses paths that escape the base path', () => {
    expect(refusal('api', 'https://api.example.com/v1/../admin')).toMatch(/outside/);
    expect(refusal('api', 'https://api.example.com/v1/%2e%2e/admin')).toMatch(/outside/);
    expect(refusal('api', 'https://api.example.com/v1/%2E%2e/admin')).toMatch(/outside/);
    expect(refusal('api', 'https://api.example.com/v10/x')).toMatch(/outside/);
    expect(refusal('api', 'https://api.example.com/v1/%252e%252e/admin')).toMatch(/dot segment/);
    expect(refusal('api', 'https://api.example.com/v1/..%2fadmin')).toMatch(/encoded slash/);
    expect(refusal('api', 'https://api.example.com/v1/..%5cadmin')).toMatch(/encoded slash/);
  });

  it('refuses a // that would start a new authority', () => {
    const base = new URL('https://api.example.com/v1/');
    expect(refusal('api', new URL('//evil.example/x', base).href)).toMatch(/not an allowed host/);
    expect(refusal('api', 'https://api.example.com/v1//evil.example/x')).toMatch(/empty path/);
  });

  it('checks a reused URL object again once it has changed, and per integration', () => {
    const url = new URL('https://api.example.com/v1/users');
    expect(() => guard.check('api', url)).not.toThrow();
    url.hostname = 'evil.example';
    expect(() => guard.check('api', url)).toThrow(/not an allowed host/);
    url.hostname = 'api.example.com';
    expect(() => guard.check('api', url)).not.toThrow();
    expect(() => guard.check('nope', url)).toThrow(/no such integration/);
  });

  it('refuses integrations it does not know', () => {
    expect(refusal('nope', 'https://api.example.com/v1')).toMatch(/no such integration/);
  });
});
