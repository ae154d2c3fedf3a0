// The JSON Schema of the catalog file (input side: defaults are optional), for editors and the schema file.
import { CatalogSchema } from '@switchboard/shared/catalog';
import { z } from 'zod';

/**
 * @example
 * // switchboard.config.yaml, first line:
 * // # yaml-language-server: $schema=./switchboard.schema.json
 * writeFileSync('switchboard.schema.json', JSON.stringify(catalogJsonSchema(), null, 2));
 */
export function catalogJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(CatalogSchema, { io: 'input' });
}
