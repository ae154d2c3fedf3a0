// Reads the catalog file named by SWITCHBOARD_CONFIG at start-up; parsing and checks live in catalog-parse.ts.
import { readFileSync } from 'node:fs';
import type { Catalog } from '@switchboard/shared/catalog';
import { parseCatalog } from './catalog-parse';
import { ConfigError } from './config';

/**
 * Loads and validates the catalog file (YAML, or JSON, which is YAML too). Synchronous: it runs
 * once before the server listens. Throws a ConfigError (one `file:line:col path: problem` per line).
 * @example const catalog = loadCatalogFile(config.configFile ?? 'switchboard.config.yaml');
 */
export function loadCatalogFile(path: string): Catalog {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why =
      code === 'ENOENT'
        ? 'no such file (set SWITCHBOARD_CONFIG to the catalog file)'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory, not a file'
            : `cannot be read${typeof code === 'string' ? ` (${code})` : ''}`;
    throw new ConfigError([`${path}: ${why}`], 'Cannot load the configuration file');
  }
  return parseCatalog(text, path);
}
