'use strict';
/**
 * `takeSnapshot(options?)` → Promise<HeapSnapshot>: this process's heap, parsed, with no file and
 * no JS string of the snapshot.
 *
 * `v8.getHeapSnapshot()` builds the snapshot synchronously (the event loop is blocked meanwhile, as
 * with every V8 heap snapshot) and then streams it; `parseStream` feeds the chunks to the native
 * streaming parser as they come. The parser is created before the capture, so a missing native
 * build fails fast instead of after a multi-second capture.
 *
 * options: { signal, exposeInternals, exposeNumericValues }. The signal is checked before the
 * capture and aborts the streaming/parsing after it; the synchronous capture itself cannot be
 * interrupted.
 */
const v8 = require('node:v8');
const { newParser } = require('./addon');
const { parseStream, disposeQuietly } = require('./parse-stream');
const { snapshotOptions } = require('./snapshot-options');
const { abortError, invalidArg, validateSignal, captureError, describeCause } = require('./errors');

async function takeSnapshot(options = {}) {
  if (options === null || typeof options !== 'object') throw invalidArg('options must be an object');
  validateSignal(options.signal);
  const v8opts = snapshotOptions(options);
  if (options.signal && options.signal.aborted) throw abortError(options.signal, 'Taking the heap snapshot');
  const parser = newParser();
  let stream;
  try {
    stream = v8opts ? v8.getHeapSnapshot(v8opts) : v8.getHeapSnapshot();
  } catch (err) {
    disposeQuietly(parser);
    throw captureError(`v8.getHeapSnapshot() failed: ${describeCause(err)}`, { cause: err });
  }
  return parseStream(stream, { signal: options.signal, what: "this process's heap snapshot", parser });
}

module.exports = { takeSnapshot };
