// One jest setup for every package: ts-jest in ESM mode (our dependencies are
// ESM-only), `.js` stripped from relative imports so NodeNext-style specifiers
// resolve to the .ts sources, workspace packages read from their sources (no
// build needed before a test, never a stale dist), reflect-metadata loaded once.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const setupFile = `${root}jest.setup.js`;

// libphonenumber-js's ESM build imports JSON without an import attribute, which
// jest's ESM loader warns about on every import; its CommonJS build is the same code.
const requireFromCore = createRequire(`${root}packages/core/package.json`);
const phoneNumbersCjs = requireFromCore.resolve('libphonenumber-js/min');

const APPS = new Set(['figensoft-sandbox', 'gateway']);
const workspaceSource = (name) => `${root}${APPS.has(name) ? 'apps' : 'packages'}/${name}/src`;

/** @param {Record<string, unknown>} [overrides] */
export function jestConfig(overrides = {}) {
  const names = ['core', 'testkit', 'figensoft', 'message-center', 'mobildev', 'infobip', 'twilio', 'figensoft-sandbox', 'gateway'];
  const workspaceMap = {};
  for (const name of names) {
    workspaceMap[`^@rota/${name}$`] = `${workspaceSource(name)}/index.ts`;
    workspaceMap[`^@rota/${name}/di$`] = name === 'core' ? `${workspaceSource(name)}/di/module.ts` : `${workspaceSource(name)}/di.ts`;
  }
  workspaceMap['^@rota/testkit/contract$'] = `${workspaceSource('testkit')}/contract.ts`;
  return {
    testEnvironment: 'node',
    extensionsToTreatAsEsm: ['.ts'],
    testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    moduleNameMapper: { ...workspaceMap, '^libphonenumber-js/min$': phoneNumbersCjs, '^(\\.{1,2}/.*)\\.js$': '$1' },
    transform: {
      '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
    },
    setupFiles: [setupFile],
    testTimeout: 20_000,
    ...overrides,
  };
}
