// ESM entry: the same API as index.js.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const api = require('./index.js');
export const {
  HeapSnapshot,
  Parser,
  diff,
  findLeaks,
  findGrowth,
  formatLeaks,
  writeHeapSnapshot,
  takeSnapshot,
  captureWorker,
  installSignalHandler,
  captureOnNearHeapLimit,
  captureRemote,
  analyzeInWorker,
  startAgent,
  stopAgent,
  startAllocationTracking,
  stopAllocationTracking,
  assertNoLeak,
  track,
  assertCollected,
  countInstances,
  expectInstances,
  LeakError,
} = api;
export default api;
