'use strict';
/**
 * `captureOnNearHeapLimit({ dir, maxCount })`: arm `v8.setHeapSnapshotNearHeapLimit(maxCount)`,
 * the run-time twin of `--heapsnapshot-near-heap-limit`, with the failure modes made loud.
 *
 * What Node does, and therefore what this can honestly promise:
 * - When the heap nears its limit, Node writes `Heap.<date>.<time>.<pid>.<tid>.<seq>.heapsnapshot`
 *   into `--diagnostic-dir`, or the current working directory if that flag is not set, at most
 *   `maxCount` times. It writes from C++ in the middle of an allocation; no JavaScript runs, so
 *   heapsnap cannot redirect, rename or atomically commit that file. (Node 20 creates it 0600.)
 * - The directory cannot be changed at run time (process.chdir would move the whole app, which is
 *   not acceptable). So `dir` is a check, not a redirect: if it is not where Node will write, we
 *   throw ERR_HEAPSNAP_UNSUPPORTED saying to start Node with `--diagnostic-dir=<dir>` (or
 *   `NODE_OPTIONS=--diagnostic-dir=<dir>`). Without `dir` the result tells you where files go.
 * - Node silently ignores the call when `--heapsnapshot-near-heap-limit` was given or when it was
 *   already called; we throw ERR_HEAPSNAP_UNSUPPORTED instead, and also where the API is missing
 *   (Node < 18.10).
 * - Taking a snapshot needs about as much memory again as the heap; a container memory limit can
 *   kill the process mid-write (nodejs/node#50711), leaving a truncated file. Since Node 22.14 the
 *   flag has been reported not to produce a dump at all; V8's `--heap-snapshot-on-oom` is the fallback.
 *
 * returns { dir, maxCount, pattern }: where the files will appear and the glob they match.
 */
const path = require('node:path');
const v8 = require('node:v8');
const { nodeFlag } = require('./node-flags.js');
const { toPath } = require('../fs.js');
const { unsupportedError, optionsObject, validateInteger } = require('../errors.js');

let armed = false;

function diagnosticDir() {
  const d = nodeFlag('--diagnostic-dir');
  return typeof d === 'string' && d ? path.resolve(d) : process.cwd();
}

function captureOnNearHeapLimit(options = {}) {
  options = optionsObject(options);
  const { maxCount = 1 } = options;
  validateInteger(maxCount, 'options.maxCount', 1);
  const given = toPath(options.dir, 'options.dir', { optional: true });
  if (typeof v8.setHeapSnapshotNearHeapLimit !== 'function') {
    throw unsupportedError(`v8.setHeapSnapshotNearHeapLimit is not available in Node ${process.version} (needs >= 18.10)`);
  }
  const flag = nodeFlag('--heapsnapshot-near-heap-limit');
  // `=0` means off (Node 22's test runner passes it to its children): only a count arms it
  if (flag !== undefined && String(flag) !== '0') {
    throw unsupportedError(`Node was started with --heapsnapshot-near-heap-limit=${flag}, which makes v8.setHeapSnapshotNearHeapLimit a no-op`);
  }
  if (armed) throw unsupportedError('near-heap-limit snapshots are already armed in this process; Node ignores a second call');
  const where = diagnosticDir();
  if (given !== undefined) {
    const want = path.resolve(given);
    if (want !== where) {
      throw unsupportedError(
        `Node writes near-heap-limit snapshots into ${where} (--diagnostic-dir, else the working directory) and cannot be redirected at run time; ` +
          `start node with --diagnostic-dir=${want} (or NODE_OPTIONS=--diagnostic-dir=${want}) to get them in ${want}`,
        { path: want },
      );
    }
  }
  v8.setHeapSnapshotNearHeapLimit(maxCount);
  armed = true;
  return { dir: where, maxCount, pattern: 'Heap.*.heapsnapshot' };
}

module.exports = { captureOnNearHeapLimit };
