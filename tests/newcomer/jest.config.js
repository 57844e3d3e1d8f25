import { jestConfig } from '../../jest.preset.js';

// These tests start real command chains (npx → pnpm → node) and builds: minutes, not seconds.
export default jestConfig({ testTimeout: 180_000 });
