// One jest setup for every package: ts-jest in ESM mode (our dependencies are
// ESM-only), `.js` stripped from relative imports so NodeNext-style specifiers
// resolve to the .ts sources, workspace packages read from their sources (no
// build needed before a test, never a stale dist), reflect-metadata loaded once.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const setupFile = `${root}jest.setup.js`;

// libphonenumber-js's ESM build imports JSON without an import attribute, which
// jest's ESM loader warns about on every import; its CommonJS build is the same code.
const requireFromProvider = createRequire(`${root}packages/provider/package.json`);
const phoneNumbersCjs = requireFromProvider.resolve('libphonenumber-js/min');

/**
 * Every workspace package, read from the folders so that a new package needs no
 * entry here: `@rota/<folder>` maps to its `src/index.ts`, and each subpath its
 * package.json exports (`./di`, `./contract`, …) to the matching source file.
 */
function workspaceMap() {
  const map = {};
  for (const parent of ['packages', 'apps']) {
    for (const folder of readdirSync(`${root}${parent}`)) {
      const manifest = `${root}${parent}/${folder}/package.json`;
      if (!existsSync(manifest)) continue;
      const { name, exports = {} } = JSON.parse(readFileSync(manifest, 'utf8'));
      for (const [subpath, target] of Object.entries(exports)) {
        const built = typeof target === 'string' ? target : target.import;
        if (typeof built !== 'string' || !built.startsWith('./dist/')) continue;
        const source = `${root}${parent}/${folder}/src/${built.slice('./dist/'.length).replace(/\.js$/, '.ts')}`;
        map[`^${name}${subpath === '.' ? '' : subpath.slice(1)}$`] = source;
      }
    }
  }
  return map;
}

/** @param {Record<string, unknown>} [overrides] */
export function jestConfig(overrides = {}) {
  const workspace = workspaceMap();
  return {
    testEnvironment: 'node',
    extensionsToTreatAsEsm: ['.ts'],
    testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    moduleNameMapper: { ...workspace, '^libphonenumber-js/min$': phoneNumbersCjs, '^(\\.{1,2}/.*)\\.js$': '$1' },
    transform: {
      '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
    },
    setupFiles: [setupFile],
    testTimeout: 20_000,
    // A test that fails half-way leaves what it started running (a ledger's pg-boss timers, a server): jest would
    // then wait for ever after its summary, and CI with it. The run ends when the tests do.
    forceExit: true,
    ...overrides,
  };
}
