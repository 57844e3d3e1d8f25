import { jestConfig } from '../../jest.preset.js';

/*
 * Two runs of one store suite: against SQLite (in memory) and against
 * PostgreSQL (ROTA_TEST_POSTGRES_URL; the test command starts a throwaway
 * cluster). Tests of one kind only (the SQLite file, the PostgreSQL queue and
 * races) sit in their own folder.
 */
const STORE_SUITE = ['bulk', 'cancel', 'dispatch', 'idempotency', 'read-and-list', 'stats-and-retention', 'ledger-dispatch', 'ledger-reports', 'operator-overrides', 'early-results'].map(
  (name) => `<rootDir>/test/${name}.test.ts`,
);
const base = jestConfig();

export default {
  testTimeout: base.testTimeout,
  // Global options are read here, not from the projects.
  forceExit: base.forceExit,
  projects: [
    { ...base, displayName: 'sqlite', testPathIgnorePatterns: ['/test/postgres/'] },
    {
      ...base,
      displayName: 'postgres',
      testMatch: [...STORE_SUITE, '<rootDir>/test/postgres/**/*.test.ts'],
      setupFiles: [...base.setupFiles, '<rootDir>/test/postgres-kind.setup.js'],
    },
  ],
};
