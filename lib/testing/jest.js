'use strict';
/**
 * `heapsnap/jest`: the leak matchers for jest. List it in `setupFilesAfterEnv` (or require it
 * at the top of a test file) and they are registered on jest's `expect`:
 *
 *   expect(fn).not.toLeak()               synchronous fn
 *   await expect(fn).not.toLeakAsync()    async fn
 *
 * Types: `import 'heapsnap/jest'` (or add it to tsconfig "types") extends jest.Matchers.
 */
const { matchers } = require('./matchers.js');
const { preventFolding } = require('./sampling.js');

preventFolding(); // before the code under test gets optimized (see sampling.js)
if (typeof expect === 'function' && typeof expect.extend === 'function') expect.extend(matchers);

module.exports = { matchers };
