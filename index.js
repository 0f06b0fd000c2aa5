'use strict';
// heapsnap's public JS API: re-exports only. The engine is native (binding.js, loaded once by
// lib/native.js); lib/ holds the JS surface over it, one capability per folder.

const { HeapSnapshot, Parser } = require('./lib/snapshot.js');
const { diff, findLeaks, findGrowth, formatLeaks } = require('./lib/leaks.js');
const capture = require('./lib/capture/index.js');
const testing = require('./lib/testing/index.js');
const agent = require('./lib/capture/agent.js');

module.exports = {
  HeapSnapshot,
  Parser,
  diff,
  findLeaks,
  findGrowth,
  formatLeaks,
  writeHeapSnapshot: capture.writeHeapSnapshot,
  takeSnapshot: capture.takeSnapshot,
  captureWorker: capture.captureWorker,
  installSignalHandler: capture.installSignalHandler,
  captureOnNearHeapLimit: capture.captureOnNearHeapLimit,
  captureRemote: capture.captureRemote,
  analyzeInWorker: capture.analyzeInWorker,
  startAgent: agent.startAgent,
  stopAgent: agent.stopAgent,
  startAllocationTracking: capture.startAllocationTracking,
  stopAllocationTracking: capture.stopAllocationTracking,
  assertNoLeak: testing.assertNoLeak,
  track: testing.track,
  assertCollected: testing.assertCollected,
  countInstances: testing.countInstances,
  expectInstances: testing.expectInstances,
  LeakError: testing.LeakError,
};
