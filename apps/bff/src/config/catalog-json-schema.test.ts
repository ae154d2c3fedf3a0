import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogJsonSchema } from './catalog-json-schema';

describe('catalogJsonSchema', () => {
  it('describes the input side: defaulted fields are optional, unknown fields refused', () => {
    const schema = catalogJsonSchema() as {
      $defs: { SwitchboardConfig: { required: string[]; additionalProperties: boolean } };
    };
    expect(schema.$defs.SwitchboardConfig.required).toEqual(['integrations']);
    expect(schema.$defs.SwitchboardConfig.additionalProperties).toBe(false);
  });

  it('matches the committed switchboard.schema.json (run `pnpm config:schema` after a schema change)', () => {
    const committed: unknown = JSON.parse(
      readFileSync(new URL('../../switchboard.schema.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(catalogJsonSchema());
  });
});
