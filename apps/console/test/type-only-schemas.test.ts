import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The page types the gateway's answers by its zod schemas (@rota/api),
// but zod itself must not reach the browser: a value import would bundle zod and
// the schemas (and drag @rota/ledger's imports into Vite's graph). Every import
// of either is `import type`, which esbuild erases.
const SCHEMA_MODULES = ['zod', '@rota/api'];
const sources = fileURLToPath(new URL('../src', import.meta.url));

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** Each `import … from 'x'`, `export … from 'x'` and bare `import 'x'` of a file, with whether it is type-only. */
function importsOf(text: string): { module: string; typeOnly: boolean; statement: string }[] {
  const found: { module: string; typeOnly: boolean; statement: string }[] = [];
  for (const match of text.matchAll(/\b(import|export)\s+(type\s+)?(?:[^;'"]*?\s+from\s+)?['"]([^'"]+)['"]/g)) {
    found.push({ module: match[3]!, typeOnly: match[2] !== undefined, statement: match[0] });
  }
  return found;
}

describe('the console and the gateway\'s schemas', () => {
  it('reads the schema imports of a file, telling type-only ones apart', () => {
    expect(importsOf("import type { z } from 'zod';\nimport { z as zz } from 'zod';\nimport 'zod';\nexport { X } from '@rota/api';")).toEqual([
      { module: 'zod', typeOnly: true, statement: "import type { z } from 'zod'" },
      { module: 'zod', typeOnly: false, statement: "import { z as zz } from 'zod'" },
      { module: 'zod', typeOnly: false, statement: "import 'zod'" },
      { module: '@rota/api', typeOnly: false, statement: "export { X } from '@rota/api'" },
    ]);
  });

  it('imports zod and @rota/api for their types only, so neither is bundled into the page', () => {
    const schemaImports = sourceFiles(sources).flatMap((file) =>
      importsOf(readFileSync(file, 'utf8'))
        .filter((entry) => SCHEMA_MODULES.includes(entry.module))
        .map((entry) => ({ file: file.slice(sources.length + 1), ...entry })),
    );
    // The screens read the answers' types from the schemas: the check below has something to check.
    expect(schemaImports.map((entry) => entry.file)).toContain(join('screens', 'providers.tsx'));
    expect(schemaImports.filter((entry) => !entry.typeOnly)).toEqual([]);
  });
});
