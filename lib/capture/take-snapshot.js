'use strict';
/**
 * `takeSnapshot(options?)` → Promise<HeapSnapshot>: this process's heap, parsed, with no file and
 * no JS string of the snapshot.
 *
 * `v8.getHeapSnapshot()` builds the snapshot synchronously (the event loop is blocked meanwhile, as
 * with every V8 heap snapshot) and then streams it; the pump (lib/streams.js) feeds the chunks to
 * the native streaming parser as they come.
 *
 * options: { signal, exposeInternals, exposeNumericValues, trackAllocations }. The signal is checked before the
 * capture and aborts the streaming/parsing after it; the synchronous capture itself cannot be
 * interrupted.
 */
const v8 = require('node:v8');
const { Parser } = require('../snapshot.js');
const { pump, pushSink } = require('../streams.js');
const { snapshotOptions } = require('./snapshot-options.js');
const { withAllocationTracking } = require('./allocation-tracking.js');
const { optionsObject, validateAbortSignal, throwIfAborted, captureError, describeCause } = require('../errors.js');

/**
 * `internal.afterCapture()` (the leak assertions) runs once V8 has built the snapshot and before
 * it is streamed: the snapshot's content is final then.
 */
async function takeSnapshot(options, internal) {
  const o = optionsObject(options);
  validateAbortSignal(o.signal);
  const v8opts = snapshotOptions(o);
  throwIfAborted(o.signal, 'Taking the heap snapshot');
  const parser = new Parser();
  // `trackAllocations` (see allocation-tracking.js): on before the capture, off after its stream
  await withAllocationTracking({ trackAllocations: o.trackAllocations }, async () => {
    let stream;
    try {
      stream = v8opts ? v8.getHeapSnapshot(v8opts) : v8.getHeapSnapshot();
    } catch (err) {
      throw captureError(`v8.getHeapSnapshot() failed: ${describeCause(err)}`, { cause: err });
    } finally {
      internal?.afterCapture?.();
    }
    await pump(stream, pushSink((chunk) => parser.push(chunk)), { signal: o.signal, what: "this process's heap snapshot", capture: true });
  });
  return parser.finish();
}

module.exports = { takeSnapshot };
