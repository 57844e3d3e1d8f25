import { z } from 'zod';
import { RotaConfigSchema } from './rota-config.js';

/** Where the generated schema is committed, relative to the repository root. */
export const CONFIG_JSON_SCHEMA_PATH = 'docs/config.schema.json';

/** What an editor sees before interpolation: any string with a `${…}` reference is checked by Rota after it. */
const INTERPOLATED_STRING = {
  type: 'string',
  pattern: '\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}',
  description: 'A ${ENV_VAR} or ${ENV_VAR:-default} reference; the value is checked after interpolation.',
};

/**
 * The JSON Schema of the configuration file as an operator writes it (zod's
 * input side: defaults are optional, the port may be a string of digits), for
 * editors (`# yaml-language-server: $schema=…`). A constrained string (length,
 * pattern) also accepts a `${VAR}` reference, since the file holds the
 * reference, not the secret. Refinements JSON Schema cannot express (distinct
 * provider types, distinct keys, URL rules) are checked by Rota only.
 */
export function buildConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(RotaConfigSchema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
    override: ({ jsonSchema }) => allowInterpolation(jsonSchema as Record<string, unknown>),
  }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    title: 'Rota configuration',
    description:
      'The Rota gateway configuration (YAML or JSON). Generated from RotaConfigSchema by `pnpm --filter @rota/gateway config:schema`; do not edit. Reference: docs/configuration.md.',
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
}

/** The file's exact text: stable key order, two-space indent, final newline. */
export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(buildConfigJsonSchema(), null, 2)}\n`;
}

function allowInterpolation(node: Record<string, unknown>): void {
  if (node.type !== 'string' || 'enum' in node || 'const' in node) return;
  if (!('pattern' in node || 'minLength' in node || 'maxLength' in node)) return;
  const { description, default: fallback, ...constraints } = node;
  for (const key of Object.keys(node)) delete node[key];
  if (description !== undefined) node.description = description;
  if (fallback !== undefined) node.default = fallback;
  node.anyOf = [constraints, INTERPOLATED_STRING];
}
