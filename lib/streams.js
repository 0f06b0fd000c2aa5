'use strict';
/**
 * The one stream pump: a source (a Readable, or any async iterable of chunks) into a sink (a
 * Writable), on `stream/promises.pipeline`, with an AbortSignal.
 *
 * A Readable source is piped ('data' events), not read with `for await`: the async iterator
 * calls `read()`, which hands over everything already buffered at once, and
 * `v8.getHeapSnapshot()` buffers the whole snapshot before the first read (one 87 MB chunk
 * instead of 1326 × 64 KB). Piped, each ≤64 KB chunk reaches the sink and can be collected, so
 * no JS string or Buffer of a whole snapshot ever exists. Backpressure is the sink's
 * highWaterMark.
 *
 * Errors: an abort rejects with our AbortError ("Reading <what> was aborted"); the sink's own
 * errors (a parse error, a full disk) pass through with their codes; a source that fails or ends
 * early rejects with its own error (Node's ERR_STREAM_PREMATURE_CLOSE for the latter), or, with
 * `capture: true` (a stream V8 gave us), with ERR_HEAPSNAP_CAPTURE naming `what`. On any failure
 * both ends are destroyed.
 */
const { Writable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { abortError, captureError, describeCause, throwIfAborted } = require('./errors.js');

/** A Writable that hands each chunk to `push(chunk)` (synchronous; a throw fails the pump). */
function pushSink(push) {
  let sinkError = null;
  const sink = new Writable({
    objectMode: true, // strings, Buffers, typed arrays and ArrayBuffers reach `push` as given
    highWaterMark: 4,
    write(chunk, _encoding, cb) {
      try {
        push(chunk);
        cb();
      } catch (err) {
        sinkError = err;
        cb(err);
      }
    },
  });
  sink.failure = () => sinkError; // see pump: the sink's own error, not one it was destroyed with
  return sink;
}

/**
 * pump(source, sink, { signal, what, capture }) → Promise<void>, resolved when the sink has
 * finished (for an AtomicFile: when the file is in place).
 */
async function pump(source, sink, { signal, what = 'the heap snapshot stream', capture = false } = {}) {
  throwIfAborted(signal, `Reading ${what}`);
  try {
    await (signal ? pipeline(source, sink, { signal }) : pipeline(source, sink));
  } catch (err) {
    if (signal && signal.aborted) throw abortError(signal, `Reading ${what}`);
    const own = typeof sink.failure === 'function' && sink.failure(); // the sink's own error, not one it was destroyed with
    if (own) throw own;
    if (!capture || (err && typeof err.code === 'string' && (err.code.startsWith('ERR_HEAPSNAP') || err.code === 'ABORT_ERR'))) throw err;
    if (err && err.code === 'ERR_STREAM_PREMATURE_CLOSE') throw captureError(`${what} closed before its end`, { cause: err });
    throw captureError(`reading ${what} failed: ${describeCause(err)}`, { cause: err });
  }
}

module.exports = { pump, pushSink };
