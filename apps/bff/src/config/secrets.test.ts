import { CatalogSchema } from '@switchboard/shared/catalog';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config';
import { collectSecretRefs, createSecretStore, type SecretRef } from './secrets';

const catalog = CatalogSchema.parse({
  integrations: {
    open: { baseUrl: 'https://open.example', operations: { a: { path: '/' } } },
    payments: {
      baseUrl: 'https://pay.example',
      auth: { type: 'api-key', secretEnv: 'PAY_KEY' },
      operations: { a: { path: '/' } },
    },
    crm: {
      baseUrl: 'https://crm.example',
      auth: {
        type: 'oauth2-client-credentials',
        tokenUrl: 'https://login.crm.example/token',
        clientId: 'switchboard',
        clientSecretEnv: 'CRM_CLIENT_SECRET',
      },
      operations: { a: { path: '/' } },
    },
    ledger: {
      baseUrl: 'https://ledger.example',
      auth: { type: 'bearer', tokenEnv: 'LEDGER_TOKEN' },
      operations: { a: { path: '/' } },
    },
    webhooks: {
      baseUrl: 'https://hooks.example',
      auth: { type: 'hmac', secretEnv: 'HOOKS_SECRET' },
      operations: { a: { path: '/' } },
    },
  },
});
const refs = collectSecretRefs(catalog);

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('collectSecretRefs', () => {
  it('names integration, field and variable for every secret', () => {
    expect(refs).toEqual<SecretRef[]>([
      { integration: 'payments', field: 'auth.secretEnv', env: 'PAY_KEY' },
      { integration: 'crm', field: 'auth.clientSecretEnv', env: 'CRM_CLIENT_SECRET' },
      { integration: 'ledger', field: 'auth.tokenEnv', env: 'LEDGER_TOKEN' },
      { integration: 'webhooks', field: 'auth.secretEnv', env: 'HOOKS_SECRET' },
    ]);
  });
});

describe('createSecretStore', () => {
  const env = {
    PAY_KEY: 'pay-key-value',
    CRM_CLIENT_SECRET: 'crm-secret-value',
    LEDGER_TOKEN_FILE: '/run/secrets/ledger',
    HOOKS_SECRET: 'hooks-secret-value',
  };
  const files: Record<string, string> = { '/run/secrets/ledger': 'ledger-token-value\n' };
  const readFile = (path: string) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };

  it('resolves variables and NAME_FILE files (without the trailing newline)', () => {
    const store = createSecretStore(env, refs, { readFile });
    expect(store.get('PAY_KEY')).toBe('pay-key-value');
    expect(store.get('LEDGER_TOKEN')).toBe('ledger-token-value');
    expect(store.values()).toEqual([
      'ledger-token-value',
      'hooks-secret-value',
      'crm-secret-value',
      'pay-key-value',
    ]);
  });

  it('refuses names the catalog did not reference', () => {
    const store = createSecretStore(env, refs, { readFile });
    expect(() => store.get('HOME')).toThrow(/not named in the catalog/);
  });

  it('fails start-up naming integration, field and variable for each missing secret, never a value', () => {
    const error = configError(() =>
      createSecretStore({ ...env, PAY_KEY: '', CRM_CLIENT_SECRET: undefined }, refs, { readFile }),
    );
    expect(error.problems).toEqual([
      'integration payments: auth.secretEnv names PAY_KEY, which is empty (set it, or PAY_KEY_FILE to a file holding it)',
      'integration crm: auth.clientSecretEnv names CRM_CLIENT_SECRET, which is not set (set it, or CRM_CLIENT_SECRET_FILE to a file holding it)',
    ]);
    expect(error.message).not.toMatch(/value/);
  });

  it('reports unreadable, empty and doubly-set secrets without their contents', () => {
    const error = configError(() =>
      createSecretStore(
        {
          ...env,
          PAY_KEY_FILE: '/run/secrets/pay',
          LEDGER_TOKEN_FILE: '/run/secrets/empty',
          HOOKS_SECRET: undefined,
          HOOKS_SECRET_FILE: '/run/secrets/missing',
        },
        refs,
        { readFile: (p) => (p === '/run/secrets/empty' ? '\n' : readFile(p)) },
      ),
    );
    expect(error.problems).toEqual([
      'integration payments: auth.secretEnv names PAY_KEY, but both PAY_KEY and PAY_KEY_FILE are set: keep one',
      'integration ledger: auth.tokenEnv names LEDGER_TOKEN, but the file /run/secrets/empty given by LEDGER_TOKEN_FILE is empty',
      'integration webhooks: auth.secretEnv names HOOKS_SECRET, but the file /run/secrets/missing given by HOOKS_SECRET_FILE cannot be read (ENOENT)',
    ]);
    expect(error.message).not.toContain('pay-key-value');
  });

  it('refuses NAME_FILE when no file reader was given', () => {
    expect(configError(() => createSecretStore(env, refs)).problems).toEqual([
      'integration ledger: auth.tokenEnv names LEDGER_TOKEN, but LEDGER_TOKEN_FILE cannot be read here: this runtime reads no files',
    ]);
  });
});
