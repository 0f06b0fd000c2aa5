'use strict';
/**
 * `writeHeapSnapshot(filename?, options?)`: a drop-in for `v8.writeHeapSnapshot` that never leaves a
 * half-written or world-readable file behind.
 *
 * V8 streams the snapshot to disk from C++ (the lowest-memory way to capture), but it writes
 * straight onto the final name: when the disk fills up (or RLIMIT_FSIZE bites) it throws and leaves a
 * truncated file that looks like a snapshot. Older Nodes also create it with the default umask.
 * So we let V8 write into a private directory (mkdtemp, mode 0700) made inside the destination
 * directory, check that the file is complete, chmod it 0600, fsync it, and rename it onto the final
 * name (same filesystem, so the rename is atomic); the private directory is removed in every case.
 *
 * Differences from `v8.writeHeapSnapshot`: the return value is the absolute path; a `dir` option
 * places the file (a relative `filename` is resolved against it); a failure throws an error with
 * `code: 'ERR_HEAPSNAP_CAPTURE'` and the final name is never created. Like V8's, it is synchronous
 * and blocks the event loop for the whole capture.
 */
const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');
const { resolveTarget } = require('./filename');
const { captureError, invalidArg, describeCause } = require('./errors');
const { snapshotOptions } = require('./snapshot-options');
const { FILE_MODE } = require('./atomic-file');

/**
 * Throws ERR_HEAPSNAP_CAPTURE unless `file` starts like a heap snapshot and ends with its closing
 * brace: the cheap test that catches truncation without reading the whole file.
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
 * options: { dir, exposeInternals, exposeNumericValues }
 */
function writeHeapSnapshot(filename, options) {
  if (filename !== null && typeof filename === 'object' && !(filename instanceof URL) && options === undefined) {
    options = filename;
    filename = undefined;
  }
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object') throw invalidArg('options must be an object');
  const passThrough = snapshotOptions(options);
  const finalPath = resolveTarget({ file: filename, dir: options.dir });
  const dir = path.dirname(finalPath);

  let privateDir;
  try {
    privateDir = fs.mkdtempSync(path.join(dir, '.heapsnap-'));
  } catch (err) {
    throw captureError(`cannot write a heap snapshot in ${dir}: ${describeCause(err)}`, { cause: err, path: finalPath });
  }
  try {
    fs.chmodSync(privateDir, 0o700);
    const temp = path.join(privateDir, 'snapshot.heapsnapshot');
    try {
      if (passThrough) v8.writeHeapSnapshot(temp, passThrough);
      else v8.writeHeapSnapshot(temp);
    } catch (err) {
      throw captureError(`writing the heap snapshot for ${finalPath} failed: ${describeCause(err)}`, { cause: err, path: finalPath });
    }
    if (!fs.existsSync(temp)) throw captureError(`V8 did not write a heap snapshot for ${finalPath}`, { path: finalPath });
    fs.chmodSync(temp, FILE_MODE);
    assertCompleteSnapshot(temp);
    try {
      fs.renameSync(temp, finalPath);
    } catch (err) {
      throw captureError(`cannot move the heap snapshot onto ${finalPath}: ${describeCause(err)}`, { cause: err, path: finalPath });
    }
    return finalPath;
  } catch (err) {
    if (err && err.code === 'ERR_HEAPSNAP_CAPTURE') throw err;
    throw captureError(`writing the heap snapshot ${finalPath} failed: ${describeCause(err)}`, { cause: err, path: finalPath });
  } finally {
    fs.rmSync(privateDir, { recursive: true, force: true });
  }
}

module.exports = { writeHeapSnapshot, assertCompleteSnapshot };
