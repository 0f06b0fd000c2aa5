'use strict';
/**
 * Allocation stacks for this process's snapshots: the `trackAllocations` option of
 * `writeHeapSnapshot` and `takeSnapshot`.
 *
 * V8 records the call stack of every allocation while the heap profiler tracks allocations
 * (the inspector's `HeapProfiler.startTrackingHeapObjects({ trackAllocations: true })`, what
 * DevTools' "Allocation instrumentation on timeline" turns on). Every snapshot taken meanwhile,
 * by any writer, carries the stacks of the objects allocated since tracking started (its
 * `trace_function_infos` and `trace_tree` sections, read by `allocationStack(id)`).
 *
 * `trackAllocations: true` turns tracking on before the snapshot (if it is not on already), so
 * passing it on the baseline gives stacks for everything allocated after it: the leaks.
 * `trackAllocations: false` turns it off after the snapshot. While on, allocation is slower and
 * the process does not exit on its own (V8's tracker keeps the event loop alive): turn it off
 * (`stopAllocationTracking()` or `trackAllocations: false` on the last snapshot) when done.
 * The in-process inspector session answers synchronously, so both writers stay synchronous
 * where they were.
 */
const inspector = require('node:inspector');
const { validateBoolean, unsupportedError, describeCause } = require('../errors.js');

let session = null;

function post(method, params) {
  let failure = null;
  session.post(method, params, (err) => {
    failure = err;
  });
  if (failure) throw unsupportedError(`${method} failed: ${describeCause(failure)}`, { cause: failure });
}

/** Starts tracking allocation stacks in this process (no-op when on). */
function startAllocationTracking() {
  if (session) return;
  const s = new inspector.Session();
  try {
    s.connect();
  } catch (err) {
    throw unsupportedError(`allocation tracking needs the inspector: ${describeCause(err)}`, { cause: err });
  }
  session = s;
  try {
    post('HeapProfiler.enable', {});
    post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
  } catch (err) {
    session = null;
    s.disconnect();
    throw err;
  }
}

/** Stops tracking allocation stacks (no-op when off). */
function stopAllocationTracking() {
  if (!session) return;
  const s = session;
  try {
    post('HeapProfiler.stopTrackingHeapObjects', {});
  } finally {
    session = null;
    s.disconnect();
  }
}

/** Whether this process is tracking allocation stacks. */
function isTrackingAllocations() {
  return session !== null;
}

/**
 * Around one capture: `trackAllocations: true` starts tracking before `capture()`, `false`
 * stops it after; absent leaves it as it is.
 */
function withAllocationTracking(options, capture) {
  const track = options ? options.trackAllocations : undefined;
  if (track !== undefined) validateBoolean(track, 'options.trackAllocations');
  if (track === true) startAllocationTracking();
  const done = () => track === false && stopAllocationTracking();
  let result;
  try {
    result = capture();
  } catch (err) {
    done();
    throw err;
  }
  // an async capture (takeSnapshot) stops tracking once its stream is read
  if (result && typeof result.then === 'function') return result.finally(done);
  done();
  return result;
}

module.exports = { startAllocationTracking, stopAllocationTracking, isTrackingAllocations, withAllocationTracking };
