'use strict';
/**
 * Taking this thread's heap snapshot for an assertion, with the two guarantees assertions need:
 * the heap is settled first (see settle.js), and the parsed snapshot — which lives in native
 * memory, off the JS heap it describes — is disposed before the caller's function returns,
 * whatever happens. Repeated assertions therefore leave nothing behind that would show up in
 * (and grow) the next snapshot, unlike parsers that build the graph out of JS objects.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { settle } = require('./settle.js');
const { takeSnapshot } = require('../capture/take-snapshot.js');
const { writeHeapSnapshot } = require('../capture/write-heap-snapshot.js');
const { HeapSnapshot } = require('../snapshot.js');
const { throwIfAborted } = require('../errors.js');

/** Settles the heap, then takes and parses this thread's heap snapshot. The caller disposes it. */
async function takeSettled({ signal } = {}) {
  throwIfAborted(signal);
  await settle();
  throwIfAborted(signal);
  return takeSnapshot(signal ? { signal } : {});
}

/** Runs `fn(snapshot)` on a fresh settled snapshot and disposes it before returning. */
async function withSnapshot(fn, options) {
  const snap = await takeSettled(options);
  try {
    return await fn(snap);
  } finally {
    snap.dispose();
  }
}

/**
 * This thread's heap snapshot, synchronously (no settling: that needs the event loop): V8 writes
 * it into a private temporary folder (0700, the file 0600; snapshots hold every string of the
 * heap), it is parsed, and the folder is removed. The caller disposes the snapshot.
 */
function takeSnapshotSync() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heapsnap-test-'));
  try {
    return HeapSnapshot.openSync(writeHeapSnapshot(path.join(dir, 'heap.heapsnapshot')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { withSnapshot, takeSnapshotSync };
