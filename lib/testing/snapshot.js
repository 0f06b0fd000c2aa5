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
const v8 = require('node:v8');
const { getGc, tick } = require('./settle.js');
const { takeSnapshot } = require('../capture/take-snapshot.js');
const { throwIfAborted } = require('../errors.js');

/**
 * Settles the heap, then takes and parses this thread's heap snapshot. The caller disposes it.
 * (A GC and event-loop turns; the snapshot's own GCs are the second half of settle.js.)
 */
async function takeSettled({ signal } = {}) {
  throwIfAborted(signal);
  getGc()();
  for (let i = 0; i < 3; i++) await tick();
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
 * Writes this thread's heap snapshot synchronously (no settling: that needs the event loop):
 * V8 writes it into a private temporary folder (0700: snapshots hold every string of the heap;
 * the file is read once and deleted, so it needs neither the atomic rename nor the fsync of
 * `writeHeapSnapshot`). Returns the file and `remove()`, which deletes the folder.
 */
function writePrivateSnapshot() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heapsnap-test-'));
  try {
    return { file: v8.writeHeapSnapshot(path.join(dir, 'heap.heapsnapshot')), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

module.exports = { withSnapshot, writePrivateSnapshot };
