'use strict';
/**
 * `writeHeapSnapshot(filename?, options?)`: a drop-in for `v8.writeHeapSnapshot` that never leaves a
 * half-written or world-readable file behind.
 *
 * V8 streams the snapshot to disk from C++ (the lowest-memory way to capture), but it writes
 * straight onto the final name: when the disk fills up (or RLIMIT_FSIZE bites) it throws and leaves a
 * truncated file that looks like a snapshot. Older Nodes also create it with the default umask.
 * So we let V8 write into a private directory (mode 0700) made beside the destination, check that
 * the file is complete, fsync it, and place it onto the final name with the package's one atomic
 * writer (lib/fs.js: 0600, rename within one filesystem, only ever over a regular file); the
 * private directory is removed in every case.
 *
 * Differences from `v8.writeHeapSnapshot`: the return value is the absolute path; a `dir` option
 * places the file (a relative `filename` is resolved against it); a failure throws an error with
 * `code: 'ERR_HEAPSNAP_CAPTURE'` and the final name is never created. Like V8's, it is synchronous
 * and blocks the event loop for the whole capture.
 */
const fs = require('node:fs');
const v8 = require('node:v8');
const { resolveTarget } = require('./filename.js');
const { snapshotOptions } = require('./snapshot-options.js');
const { withAllocationTracking } = require('./allocation-tracking.js');
const { privateTempFile, placeFile, destinationOf } = require('../fs.js');
const { captureError, describeCause, validateObject } = require('../errors.js');

/**
 * Throws ERR_HEAPSNAP_CAPTURE unless `file` starts like a heap snapshot and ends with its closing
 * brace (the cheap test that catches truncation without reading the whole file); then fsyncs it.
 */
function assertCompleteSnapshot(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(64, size));
    fs.readSync(fd, head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(64, size));
    fs.readSync(fd, tail, 0, tail.length, size - tail.length);
    const ok = /^\s*\{\s*"snapshot"\s*:/.test(head.toString('latin1')) && /\}\s*$/.test(tail.toString('latin1'));
    if (!ok) throw captureError(`the heap snapshot written to ${file} is incomplete (${size} bytes)`, { path: file });
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * writeHeapSnapshot([filename][, options]) → absolute path
 * writeHeapSnapshot(options) → absolute path
 *
 * options: { dir, exposeInternals, exposeNumericValues, trackAllocations (see allocation-tracking.js) }
 */
function writeHeapSnapshot(filename, options) {
  if (filename !== null && typeof filename === 'object' && !(filename instanceof URL) && options === undefined) {
    options = filename;
    filename = undefined;
  }
  if (options === undefined || options === null) options = {};
  validateObject(options, 'options');
  const passThrough = snapshotOptions(options);
  const finalPath = resolveTarget({ file: filename, dir: options.dir });
  destinationOf(finalPath, 'a heap snapshot'); // refuse a directory or a device before capturing

  const temp = privateTempFile(finalPath, 'a heap snapshot');
  try {
    try {
      withAllocationTracking(options, () => (passThrough ? v8.writeHeapSnapshot(temp.path, passThrough) : v8.writeHeapSnapshot(temp.path)));
    } catch (err) {
      throw captureError(`writing the heap snapshot for ${finalPath} failed: ${describeCause(err)}`, { cause: err, path: finalPath });
    }
    if (!fs.existsSync(temp.path)) throw captureError(`V8 did not write a heap snapshot for ${finalPath}`, { path: finalPath });
    assertCompleteSnapshot(temp.path);
    try {
      return placeFile(temp.path, finalPath, 'a heap snapshot');
    } catch (err) {
      if (err.code === 'ERR_HEAPSNAP_CAPTURE') throw err;
      throw captureError(`cannot move the heap snapshot onto ${finalPath}: ${describeCause(err)}`, { cause: err, path: finalPath });
    }
  } catch (err) {
    if (err && err.code === 'ERR_HEAPSNAP_CAPTURE') throw err;
    throw captureError(`writing the heap snapshot ${finalPath} failed: ${describeCause(err)}`, { cause: err, path: finalPath });
  } finally {
    temp.remove();
  }
}

module.exports = { writeHeapSnapshot, assertCompleteSnapshot };
