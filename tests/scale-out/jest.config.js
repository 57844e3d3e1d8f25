import { jestConfig } from '../../jest.preset.js';

// Never skipped: without a database the run fails and says how to get one (test/support/postgres-schema.ts).
export default jestConfig({ testTimeout: 300_000 });
