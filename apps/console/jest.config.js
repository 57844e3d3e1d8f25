import { jestConfig } from '../../jest.preset.js';

// Unit tests of the page's pure parts (formatting, the API client); the page
// itself is tested in a real browser by tests/console.
export default jestConfig();
