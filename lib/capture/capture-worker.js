'use strict';
/**
 * `captureWorker(worker, options?)`: the heap of a `worker_threads.Worker`, taken from the parent.
 *
 * `worker.getHeapSnapshot()` asks the worker's isolate for a snapshot and resolves with a Readable
 * of its bytes. We send those bytes either to a 0600 file written atomically (`{ file }` and/or
 * `{ dir }`; the default name carries the worker's threadId) and resolve with its path, or, with
 * `{ parse: true }`, straight into the native streaming parser and resolve with a HeapSnapshot.
 * The destination file is created before the capture, so an unwritable directory fails before
 * the worker is paused for a snapshot.
 *
 * options: { file, dir, parse, signal, exposeInternals, exposeNumericValues }
 */
const { resolveTarget } = require('./filename');
const { AtomicFile, pipeToAtomicFile } = require('./atomic-file');
const { parseStream, disposeQuietly } = require('./parse-stream');
const { newParser } = require('./addon');
const { snapshotOptions } = require('./snapshot-options');
const { captureError, invalidArg, abortError, validateSignal, describeCause } = require('./errors');

async function captureWorker(worker, options = {}) {
  if (!worker || typeof worker.getHeapSnapshot !== 'function') {
    throw invalidArg('captureWorker(worker): worker must be a worker_threads.Worker');
  }
  if (options === null || typeof options !== 'object') throw invalidArg('options must be an object');
  validateSignal(options.signal);
  const { signal } = options;
  const v8opts = snapshotOptions(options);
  const threadId = worker.threadId;
  const what = `the heap snapshot of worker ${threadId}`;
  if (signal && signal.aborted) throw abortError(signal, `Capturing worker ${threadId}`);

  // Acquire the sink first: fail on a missing addon or an unwritable directory before capturing.
  let parser = null;
  let file = null;
  if (options.parse) parser = newParser();
  else file = new AtomicFile(resolveTarget({ file: options.file, dir: options.dir, threadId }), { what });

  let stream;
  try {
    stream = await (v8opts ? worker.getHeapSnapshot(v8opts) : worker.getHeapSnapshot());
  } catch (err) {
    if (file) file.abort();
    if (parser) disposeQuietly(parser);
    throw captureError(`cannot capture the heap of worker ${threadId}: ${describeCause(err)}`, { cause: err });
  }
  if (parser) return parseStream(stream, { signal, what, parser });
  return pipeToAtomicFile(stream, file, { signal });
}

module.exports = { captureWorker };
