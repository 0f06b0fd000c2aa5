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
const { settle } = require('./settle.js');
const { takeSnapshot } = require('../capture/take-snapshot.js');
const { throwIfAborted } = require('../errors.js');

const checkSignal = (signal) => throwIfAborted(signal);

/** Settles the heap, then takes and parses this thread's heap snapshot. The caller disposes it. */
async function takeSettled({ signal } = {}) {
  checkSignal(signal);
  await settle();
  checkSignal(signal);
  return takeSnapshot(signal ? { signal } : {});
}

/**
 * A private temporary folder (mode 0700: snapshots hold every string of the heap) for snapshots
 * whose object ids are all that is needed; `using`-style: call `.remove()` in a finally.
 */
function tempSnapshots(count = 3) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heapsnap-test-'));
  // The file names exist before the first snapshot, so no string made for them is "new" in a
  // later one (they would otherwise show up as survivors of the measured rounds).
  const names = Array.from({ length: count }, (_, i) => path.join(dir, `${i + 1}.heapsnapshot`));
  let n = 0;
  return {
    /**
     * Settles the heap, then writes its snapshot with V8's own writer and returns the path.
     * No JS object of the capture exists after it (unlike a stream), and the ids-only reader
     * that `findLeaks` uses for baseline and target files skips the full analysis.
     */
    async write({ signal } = {}) {
      checkSignal(signal);
      await settle();
      checkSignal(signal);
      const file = names[n++];
      v8.writeHeapSnapshot(file);
      return file;
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
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

module.exports = { takeSettled, withSnapshot, tempSnapshots, checkSignal };
