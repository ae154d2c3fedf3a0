// Writes apps/bff/switchboard.schema.json from CatalogSchema, for completion and checks in editors.
// Run with `pnpm --filter @switchboard/bff config:schema` (node --import tsx) after changing the schema.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format } from 'prettier';
import { catalogJsonSchema } from './catalog-json-schema';

const target = fileURLToPath(new URL('../../switchboard.schema.json', import.meta.url));
// Formatted like the rest of the repository, so `prettier --check` passes on the generated file.
const text = await format(JSON.stringify(catalogJsonSchema()), { parser: 'json', printWidth: 100 });
writeFileSync(target, text);
process.stdout.write(`wrote ${target}\n`);
