import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCatalogFile } from './catalog-file';
import { ConfigError } from './config';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-catalog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNumber = 0;
function write(text: string, ext = 'yaml'): string {
  const path = join(dir, `config-${++fileNumber}.${ext}`);
  writeFileSync(path, text);
  return path;
}

/** The ConfigError's problem lines, with the temp file's path shortened to `FILE`. */
function problems(text: string, ext?: string): string[] {
  const path = write(text, ext);
  try {
    loadCatalogFile(path);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    // One problem per line, and nothing that looks like a stack frame.
    expect(e.message).not.toMatch(/^\s+at /m);
    expect(e.message.split('\n')).toHaveLength(e.problems.length + 1);
    return e.problems.map((p) => p.replaceAll(path, 'FILE'));
  }
  throw new Error('expected the file to be refused');
}

const valid = `# a comment
integrations:
  payments:
    baseUrl: https://api.pay.example/v1
    auth:
      type: api-key
      secretEnv: PAYMENTS_API_KEY
    policies:
      retry:
        maxAttempts: 5
    healthCheck:
      operation: get-charge
    operations:
      get-charge:
        path: /charges/{id}
      create-charge:
        method: POST
        path: /charges
        fallback:
          integration: backup-payments
          operation: create
  backup-payments:
    baseUrl: https://backup.pay.example
    operations:
      create:
        method: POST
        path: /payments
views:
  order:
    sources:
      charge:
        integration: payments
        operation: get-charge
        params:
          id: ch_1
`;

describe('loadCatalogFile', () => {
  it('loads a valid file and applies the defaults', () => {
    const catalog = loadCatalogFile(write(valid));
    const payments = catalog.integrations.payments;
    expect(payments?.allowPrivateNetwork).toBe(false);
    expect(payments?.auth).toEqual({
      type: 'api-key',
      header: 'X-API-Key',
      secretEnv: 'PAYMENTS_API_KEY',
    });
    expect(payments?.policies.retry).toEqual({ maxAttempts: 5 });
    expect(payments?.healthCheck).toEqual({ operation: 'get-charge', intervalMs: 15_000 });
    expect(payments?.operations['get-charge']?.method).toBe('GET');
    expect(catalog.integrations['backup-payments']?.auth).toEqual({ type: 'none' });
    expect(catalog.views.order?.deadlineMs).toBe(2_000);
  });

  it('loads JSON, which is YAML too', () => {
    const json = JSON.stringify({
      integrations: {
        users: { baseUrl: 'https://users.example', operations: { list: { path: '/users' } } },
      },
    });
    const catalog = loadCatalogFile(write(json, 'json'));
    expect(catalog.integrations.users?.operations.list?.method).toBe('GET');
    expect(catalog.views).toEqual({});
  });

  it('names the field path and line:column of a value out of range', () => {
    expect(problems(valid.replace('maxAttempts: 5', 'maxAttempts: 11'))).toEqual([
      'FILE:10:22 integrations.payments.policies.retry.maxAttempts: Too big: expected number to be <=10',
    ]);
  });

  it('names the field path and line:column of a wrong type', () => {
    expect(problems(valid.replace('maxAttempts: 5', 'maxAttempts: "three"'))).toEqual([
      'FILE:10:22 integrations.payments.policies.retry.maxAttempts: Invalid input: expected number, received string',
    ]);
    // In JSON, the position is just as exact.
    const json =
      '{\n  "integrations": {\n    "a": { "baseUrl": 42, "operations": { "b": { "path": "/" } } }\n  }\n}\n';
    expect(problems(json, 'json')).toEqual(['FILE:3:23 integrations.a.baseUrl: an http(s) URL']);
  });

  it('refuses unknown fields, pointing at the key', () => {
    expect(problems(valid.replace('    policies:\n', '    polices: {}\n    policies:\n'))).toEqual([
      'FILE:8:5 integrations.payments.polices: unknown field',
    ]);
  });

  it('says which required field is missing, at its parent', () => {
    expect(problems(valid.replace('      secretEnv: PAYMENTS_API_KEY\n', ''))).toEqual([
      'FILE:5:5 integrations.payments.auth.secretEnv: required field is missing (expected string)',
    ]);
  });

  it('lists the accepted auth types for an unknown one', () => {
    const [line] = problems(valid.replace('type: api-key', 'type: apikey'));
    expect(line).toMatch(/^FILE:6:13 integrations\.payments\.auth\.type: .*'api-key'/);
  });

  it('reports YAML syntax errors with line:column', () => {
    const [line] = problems('integrations:\n  payments:\n    baseUrl: [unclosed\n');
    expect(line).toMatch(/^FILE:\d+:\d+ YAML syntax: /);
    expect(problems('integrations:\n  a: 1\n  a: 2\n')).toEqual([
      'FILE:3:3 YAML syntax: Map keys must be unique',
    ]);
  });

  it('refuses an empty file and a file that cannot be read', () => {
    expect(problems('# nothing\n')).toEqual([
      'FILE:1:1 the file is empty: declare at least `integrations:`',
    ]);
    expect(() => loadCatalogFile(join(dir, 'missing.yaml'))).toThrow(/no such file/);
  });

  it('makes inline secrets impossible: secret fields name environment variables', () => {
    const secret = 'sk_live_51HxYz';
    const lines = problems(valid.replace('secretEnv: PAYMENTS_API_KEY', `secretEnv: ${secret}`));
    expect(lines).toEqual([
      'FILE:7:18 integrations.payments.auth.secretEnv: name an environment variable (upper case, digits, _) that holds the secret',
    ]);
    // A secret pasted into a field of its own is an unknown field; its value is never echoed.
    const pasted = problems(valid.replace('secretEnv: PAYMENTS_API_KEY', `secret: ${secret}`));
    expect(pasted.join('\n')).toContain('integrations.payments.auth.secret: unknown field');
    expect(pasted.join('\n')).not.toContain(secret);
    // Nor can a credential ride in the URL.
    const inUrl = problems(
      valid.replace('https://api.pay.example', `https://u:${secret}@api.pay.example`),
    );
    expect(inUrl).toEqual([
      'FILE:4:14 integrations.payments.baseUrl: credentials in the URL are not allowed: configure auth with a secret environment variable',
    ]);
  });

  it('refuses dangling references between integrations, operations and views', () => {
    const broken = valid
      .replace('operation: get-charge\n    operations', 'operation: health\n    operations')
      .replace('integration: backup-payments', 'integration: backup-payment')
      .replace(
        '        operation: get-charge\n        params',
        '        operation: get-charg\n        params',
      ).concat(`  other:
    sources:
      a:
        integration: nowhere
        operation: x
`);
    expect(problems(broken)).toEqual([
      'FILE:12:18 integrations.payments.healthCheck.operation: payments has no operation health (known: get-charge, create-charge)',
      'FILE:20:24 integrations.payments.operations.create-charge.fallback.integration: no integration named backup-payment (did you mean backup-payments?)',
      'FILE:33:20 views.order.sources.charge.operation: payments has no operation get-charg (did you mean get-charge?)',
      'FILE:39:22 views.other.sources.a.integration: no integration named nowhere (known: payments, backup-payments)',
    ]);
  });

  it('checks path placeholders against view params, and params that wait on other sources', () => {
    const text = valid.replace('          id: ch_1\n', '          charge: ch_1\n').concat(`  chain:
    sources:
      first:
        integration: payments
        operation: get-charge
        params:
          id: \${second.chargeId}
      second:
        integration: payments
        operation: get-charge
        params:
          id: \${first.id}
      third:
        integration: payments
        operation: get-charge
        params:
          id: \${fourth.id}
`);
    expect(problems(text)).toEqual([
      'FILE:34:9 views.order.sources.charge.params: the path /charges/{id} needs {id}: add it under params',
      'FILE:35:11 views.order.sources.charge.params.charge: the path /charges/{id} has no {charge} placeholder',
      'FILE:37:5 views.chain.sources: sources wait on each other: first → second → first',
      'FILE:52:15 views.chain.sources.third.params.id: ${fourth.id} names no source of view chain (known: first, second, third)',
    ]);
  });

  it('checks allowedHosts, tls and the OAuth token URL against the baseUrl', () => {
    const text = `integrations:
  a:
    baseUrl: http://api.example.com
    allowedHosts: [cdn.example.com, "https://x/"]
    tls:
      pinnedSpkiSha256: ["${'A'.repeat(43)}="]
    auth:
      type: oauth2-client-credentials
      tokenUrl: http://login.example.com/token
      clientId: me
      clientSecretEnv: A_SECRET
    operations:
      b: { path: "/" }
  local:
    baseUrl: http://10.1.2.3:8080
    operations:
      b: { path: "/" }
`;
    expect(problems(text)).toEqual([
      "FILE:4:19 integrations.a.allowedHosts: must include the baseUrl's host api.example.com",
      'FILE:4:37 integrations.a.allowedHosts[1]: not a host name: use host, host:port or *.domain (no scheme or path)',
      'FILE:6:7 integrations.a.tls: tls settings need an https baseUrl',
      'FILE:9:17 integrations.a.auth.tokenUrl: use https: the client secret travels on this request (http is accepted only with allowPrivateNetwork, for local test servers)',
      'FILE:15:14 integrations.local.baseUrl: 10.1.2.3 is a private-network address: every call would be refused unless allowPrivateNetwork is true',
    ]);
  });
});
