'use strict';
/**
 * heapsnap's leak assertions for test suites (node:test, jest, vitest, mocha; main thread and
 * worker threads). Each assertion settles the heap, takes exact snapshots of the current thread,
 * parses them into native memory and frees them before it returns; none needs --expose-gc.
 *
 *   assertNoLeak(fn, { iterations, warmup, ignore, signal })  repeated calls must not pile up objects
 *   track(object, label?) → handle; handle.assertCollected()  this object must be garbage
 *   assertCollected(...handles)                               the same for several, one snapshot
 *   countInstances(className)                                 live instances of a class
 *   expectInstances(className, n)                             exactly n live instances
 *   LeakError                                                 what they throw (code ERR_HEAPSNAP_LEAK)
 */
const { assertNoLeak } = require('./assert-no-leak.js');
const { track, assertCollected } = require('./track.js');
const { countInstances, expectInstances } = require('./instances.js');
const { LeakError } = require('./leak-error.js');

module.exports = { assertNoLeak, track, assertCollected, countInstances, expectInstances, LeakError };
