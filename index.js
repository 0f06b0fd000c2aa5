'use strict';
// heapsnap's public JS API: re-exports only. The engine is native (binding.js, loaded once by
// lib/native.js); lib/ holds the JS surface over it, one capability per folder.
// Capture, the agent and the test helpers are re-exported through getters, so they are loaded
// on first use: a program that only opens and analyses snapshots does not load them (their
// requires were ~85 ms of a 10 MB file's ~420 ms run, measured on the shared 2-core machine).

const { HeapSnapshot, Parser } = require('./lib/snapshot.js');
const { diff, findLeaks, findGrowth, formatLeaks } = require('./lib/leaks.js');

module.exports = {
  HeapSnapshot,
  Parser,
  diff,
  findLeaks,
  findGrowth,
  formatLeaks,
  get writeHeapSnapshot() { return require('./lib/capture/index.js').writeHeapSnapshot; },
  get takeSnapshot() { return require('./lib/capture/index.js').takeSnapshot; },
  get captureWorker() { return require('./lib/capture/index.js').captureWorker; },
  get installSignalHandler() { return require('./lib/capture/index.js').installSignalHandler; },
  get captureOnNearHeapLimit() { return require('./lib/capture/index.js').captureOnNearHeapLimit; },
  get captureRemote() { return require('./lib/capture/index.js').captureRemote; },
  get analyzeInWorker() { return require('./lib/capture/index.js').analyzeInWorker; },
  get startAgent() { return require('./lib/capture/agent.js').startAgent; },
  get stopAgent() { return require('./lib/capture/agent.js').stopAgent; },
  get startAllocationTracking() { return require('./lib/capture/index.js').startAllocationTracking; },
  get stopAllocationTracking() { return require('./lib/capture/index.js').stopAllocationTracking; },
  get assertNoLeak() { return require('./lib/testing/index.js').assertNoLeak; },
  get track() { return require('./lib/testing/index.js').track; },
  get assertCollected() { return require('./lib/testing/index.js').assertCollected; },
  get countInstances() { return require('./lib/testing/index.js').countInstances; },
  get expectInstances() { return require('./lib/testing/index.js').expectInstances; },
  get LeakError() { return require('./lib/testing/index.js').LeakError; },
};
