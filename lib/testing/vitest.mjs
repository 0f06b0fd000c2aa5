// `heapsnap/vitest`: the leak matchers for vitest. List it in `setupFiles` (or import it at the
// top of a test file) and they are registered on vitest's `expect`:
//
//   expect(fn).not.toLeak()               synchronous fn
//   await expect(fn).not.toLeakAsync()    async fn
//
// Types: importing it extends vitest's Assertion.
import { expect } from 'vitest';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { matchers } = require('./matchers.js');
const { preventFolding } = require('./sampling.js');

preventFolding(); // before the code under test gets optimized (see sampling.js)
expect.extend(matchers);

export { matchers };
