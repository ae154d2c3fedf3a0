// Resolves the secrets the catalog names (environment variables, or files via NAME_FILE) once, at start-up.
import type { Catalog } from '@switchboard/shared/catalog';
import { ConfigError } from './config';

/** One place the catalog names a secret: which integration, which field, which variable. */
export interface SecretRef {
  integration: string;
  /** e.g. `auth.clientSecretEnv` */
  field: string;
  /** The environment variable holding the secret (or, with `_FILE`, the path to it). */
  env: string;
}

export interface SecretStore {
  /** The secret held by an environment variable the catalog named; throws for any other name. */
  get: (name: string) => string;
  /** Every resolved secret value, longest first, so a logger can redact them (and substrings last). */
  values: () => string[];
}

export interface SecretStoreOptions {
  /**
   * Reads a `NAME_FILE` path (synchronously: this runs at start-up). Injected so this module stays
   * runtime-neutral; without it, a `_FILE` variable is a start-up error.
   */
  readFile?: (path: string) => string;
}

/**
 * Every secret reference in the catalog, in file order.
 * @example collectSecretRefs(catalog) // [{ integration: 'payments', field: 'auth.secretEnv', env: 'PAY_KEY' }]
 */
export function collectSecretRefs(catalog: Catalog): SecretRef[] {
  const refs: SecretRef[] = [];
  for (const [integration, { auth }] of Object.entries(catalog.integrations)) {
    switch (auth.type) {
      case 'none':
        break;
      case 'api-key':
      case 'hmac':
        refs.push({ integration, field: 'auth.secretEnv', env: auth.secretEnv });
        break;
      case 'bearer':
        refs.push({ integration, field: 'auth.tokenEnv', env: auth.tokenEnv });
        break;
      case 'oauth2-client-credentials':
        refs.push({ integration, field: 'auth.clientSecretEnv', env: auth.clientSecretEnv });
        break;
    }
  }
  for (const [source, webhook] of Object.entries(catalog.webhooks)) {
    webhook.secretsEnv.forEach((env, i) =>
      refs.push({ integration: `webhook ${source}`, field: `secretsEnv.${i}`, env }),
    );
  }
  return refs;
}

/**
 * Resolves every referenced secret now, so a missing one stops start-up with a message naming the
 * integration, the field and the variable — never the value. `NAME_FILE` (the Docker/Kubernetes
 * secrets convention) points at a file holding the secret; its trailing newline is dropped.
 * @example
 * const secrets = createSecretStore(process.env, collectSecretRefs(catalog), {
 *   readFile: (p) => readFileSync(p, 'utf8'),
 * });
 * secrets.get('PAYMENTS_API_KEY');
 */
export function createSecretStore(
  env: Record<string, string | undefined>,
  refs: readonly SecretRef[],
  options: SecretStoreOptions = {},
): SecretStore {
  const resolved = new Map<string, string>();
  const problems: string[] = [];
  const failed = new Set<string>();

  for (const ref of refs) {
    if (resolved.has(ref.env)) continue;
    const where = `integration ${ref.integration}: ${ref.field} names ${ref.env}`;
    const outcome = resolveOne(env, ref.env, options.readFile);
    if (typeof outcome === 'string') resolved.set(ref.env, outcome);
    else if (!failed.has(ref.env)) {
      // One line per variable: several integrations sharing a variable fail together.
      failed.add(ref.env);
      problems.push(`${where}, ${outcome.problem}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems, 'Missing secrets');

  const ordered = [...new Set(resolved.values())].sort((a, b) => b.length - a.length);
  return {
    get: function getSecret(name) {
      const value = resolved.get(name);
      if (value === undefined) {
        throw new Error(`the secret ${name} was not named in the catalog, so it was not loaded`);
      }
      return value;
    },
    values: () => [...ordered],
  };
}

function resolveOne(
  env: Record<string, string | undefined>,
  name: string,
  readFile: ((path: string) => string) | undefined,
): string | { problem: string } {
  const direct = env[name];
  const filePath = env[`${name}_FILE`];
  const hasDirect = direct !== undefined && direct !== '';
  const hasFile = filePath !== undefined && filePath !== '';
  if (hasDirect && hasFile) {
    return { problem: `but both ${name} and ${name}_FILE are set: keep one` };
  }
  if (hasDirect) {
    if (direct.trim() === '') return { problem: `but ${name} holds only whitespace` };
    return direct;
  }
  if (hasFile) {
    if (!readFile) {
      return { problem: `but ${name}_FILE cannot be read here: this runtime reads no files` };
    }
    let text: string;
    try {
      text = readFile(filePath);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return {
        problem: `but the file ${filePath} given by ${name}_FILE cannot be read${typeof code === 'string' ? ` (${code})` : ''}`,
      };
    }
    // Editors and `echo` add a final newline that is not part of the secret.
    const value = text.replace(/[\r\n]+$/, '');
    if (value.trim() === '') {
      return { problem: `but the file ${filePath} given by ${name}_FILE is empty` };
    }
    return value;
  }
  const state = direct === '' ? 'is empty' : 'is not set';
  return { problem: `which ${state} (set it, or ${name}_FILE to a file holding it)` };
}
