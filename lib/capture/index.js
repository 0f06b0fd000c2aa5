'use strict';
/**
 * heapsnap's capture side: every way to get a V8 heap snapshot out of a Node process, written
 * safely (mode 0600, atomically, never a half-written file) or parsed on the fly.
 *
 *   writeHeapSnapshot(filename?, options?)  this process → file (drop-in for v8.writeHeapSnapshot)
 *   takeSnapshot(options?)                  this process → HeapSnapshot, streamed, no file
 *   captureWorker(worker, options?)         a worker thread → file or HeapSnapshot
 *   installSignalHandler(options?)          kill -USR2 → file, with rotation
 *   captureOnNearHeapLimit(options?)        near OOM → file (Node's own writer)
 *   captureRemote(target, options?)         another process (pid/port/url) → file or HeapSnapshot
 *   analyzeInWorker(files, task, options?)  parse and analyse in a child process → plain JSON
 *   start/stopAllocationTracking()          allocation stacks in this process's snapshots
 *
 * Each lives in its own file here (the inspector client in inspector/); errors carry a stable
 * `code` (see ../errors.js).
 */
const { writeHeapSnapshot } = require('./write-heap-snapshot.js');
const { takeSnapshot } = require('./take-snapshot.js');
const { captureWorker } = require('./capture-worker.js');
const { installSignalHandler } = require('./signal-handler.js');
const { captureOnNearHeapLimit } = require('./near-heap-limit.js');
const { captureRemote } = require('./capture-remote.js');
const { analyzeInWorker } = require('./analyze-in-worker.js');
const { startAllocationTracking, stopAllocationTracking } = require('./allocation-tracking.js');

module.exports = {
  writeHeapSnapshot,
  takeSnapshot,
  captureWorker,
  installSignalHandler,
  captureOnNearHeapLimit,
  captureRemote,
  analyzeInWorker,
  startAllocationTracking,
  stopAllocationTracking,
};
