'use strict';
/**
 * `captureWorker(worker, options?)`: the heap of a `worker_threads.Worker`, taken from the parent.
 *
 * `worker.getHeapSnapshot()` asks the worker's isolate for a snapshot and resolves with a Readable
 * of its bytes. We pump those bytes either into a 0600 file written atomically (`{ file }` and/or
 * `{ dir }`; the default name carries the worker's threadId) and resolve with its path, or, with
 * `{ parse: true }`, straight into the native streaming parser and resolve with a HeapSnapshot.
 * The destination file is created before the capture, so an unwritable directory fails before
 * the worker is paused for a snapshot.
 *
 * options: { file, dir, parse, signal, exposeInternals, exposeNumericValues }
 */
const { resolveTarget } = require('./filename.js');
const { snapshotOptions } = require('./snapshot-options.js');
const { Parser } = require('../snapshot.js');
const { AtomicFile } = require('../fs.js');
const { pump, pushSink } = require('../streams.js');
const { captureError, invalidArgType, optionsObject, validateAbortSignal, throwIfAborted, describeCause } = require('../errors.js');

async function captureWorker(worker, options) {
  if (!worker || typeof worker.getHeapSnapshot !== 'function') throw invalidArgType('worker', 'a worker_threads.Worker', worker);
  const o = optionsObject(options);
  validateAbortSignal(o.signal);
  const { signal } = o;
  const v8opts = snapshotOptions(o);
  const threadId = worker.threadId;
  const what = `the heap snapshot of worker ${threadId}`;
  throwIfAborted(signal, `Capturing worker ${threadId}`);

  // Acquire the sink first: fail on an unwritable directory before capturing.
  const parser = o.parse ? new Parser() : null;
  const file = parser ? null : new AtomicFile(resolveTarget({ file: o.file, dir: o.dir, threadId }), { what: 'heap snapshot' });

  let stream;
  try {
    stream = await (v8opts ? worker.getHeapSnapshot(v8opts) : worker.getHeapSnapshot());
  } catch (err) {
    if (file) file.abort();
    throw captureError(`cannot capture the heap of worker ${threadId}: ${describeCause(err)}`, { cause: err });
  }
  if (parser) {
    await pump(stream, pushSink((chunk) => parser.push(chunk)), { signal, what, capture: true });
    return parser.finish();
  }
  await pump(stream, file, { signal, what, capture: true });
  return file.path;
}

module.exports = { captureWorker };
