import { jestConfig } from '../../jest.preset.js';

// One browser and one gateway for the whole file; its steps run in order.
export default jestConfig({ testTimeout: 60_000 });
