#!/usr/bin/env node
// Writes docs/config.schema.json from RotaConfigSchema, through the built gateway
// (`pnpm --filter @rota/gateway config:schema` builds first). A test
// (src/config/config-json-schema.test.ts) fails while the committed file is stale.
import { writeFile } from 'node:fs/promises';
import { CONFIG_JSON_SCHEMA_PATH, renderConfigJsonSchema } from '../dist/config/config-json-schema.js';

const target = new URL(`../../../${CONFIG_JSON_SCHEMA_PATH}`, import.meta.url);
await writeFile(target, renderConfigJsonSchema());
process.stdout.write(`wrote ${CONFIG_JSON_SCHEMA_PATH}\n`);
