import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CONFIG_JSON_SCHEMA_PATH, renderConfigJsonSchema } from './config-json-schema.js';

const repoFile = (path: string): string => fileURLToPath(new URL(`../../../../${path}`, import.meta.url));

describe('docs/config.schema.json', () => {
  it('is the schema generated from RotaConfigSchema (regenerate: pnpm --filter @rota/gateway config:schema)', async () => {
    const committed = await readFile(repoFile(CONFIG_JSON_SCHEMA_PATH), 'utf8').catch(() => '(missing)');
    const fresh = renderConfigJsonSchema();
    if (committed !== fresh) {
      throw new Error(`${CONFIG_JSON_SCHEMA_PATH} is stale or missing: run pnpm --filter @rota/gateway config:schema and commit the result`);
    }
    expect(committed).toBe(fresh);
  });

  it('describes every provider type and refuses unknown keys', () => {
    const schema = JSON.parse(renderConfigJsonSchema()) as {
      additionalProperties: boolean;
      properties: { providers: { items: { oneOf: Array<{ properties: { type: { const: string } }; additionalProperties: boolean }> } } };
    };
    expect(schema.additionalProperties).toBe(false);
    const entries = schema.properties.providers.items.oneOf;
    expect(entries.map((e) => e.properties.type.const)).toEqual(['message-center', 'mobildev', 'figensoft', 'infobip', 'twilio']);
    for (const entry of entries) expect(entry.additionalProperties).toBe(false);
  });

  it('lets a constrained string be an ${ENV_VAR} reference, as the example files write secrets', () => {
    const text = renderConfigJsonSchema();
    const schema = JSON.parse(text) as { properties: { gateway: { properties: { adminToken: { anyOf: Array<{ pattern?: string; minLength?: number }> } } } } };
    const [direct, reference] = schema.properties.gateway.properties.adminToken.anyOf;
    expect(direct).toMatchObject({ minLength: 16 });
    expect(new RegExp(reference!.pattern!).test('${ROTA_ADMIN_TOKEN}')).toBe(true);
    expect(new RegExp(reference!.pattern!).test('${ROTA_ADMIN_TOKEN:-dev-admin-token-0123456789}')).toBe(true);
  });
});
