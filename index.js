'use strict';
// heapsnap's public JS API: re-exports only. The engine is native (binding.js, loaded once by
// lib/native.js); lib/ holds the JS surface over it, one capability per folder.
// Capture, the agent and the test helpers are re-exported lazily (lib/lazy-exports.js), so they are loaded
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
};

const { lazyExports } = require('./lib/lazy-exports.js');

lazyExports(module.exports, require.resolve('./lib/capture/index.js'), ['writeHeapSnapshot', 'takeSnapshot', 'captureWorker', 'installSignalHandler', 'captureOnNearHeapLimit', 'captureRemote', 'analyzeInWorker', 'startAllocationTracking', 'stopAllocationTracking']);
lazyExports(module.exports, require.resolve('./lib/capture/agent.js'), ['startAgent', 'stopAgent']);
lazyExports(module.exports, require.resolve('./lib/testing/index.js'), ['assertNoLeak', 'track', 'assertCollected', 'countInstances', 'expectInstances', 'LeakError']);
