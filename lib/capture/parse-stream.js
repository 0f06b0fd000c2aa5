'use strict';
/**
 * Feeds a Readable of snapshot bytes into the native streaming parser, chunk by chunk.
 *
 * We listen to 'data' rather than `for await`: the async iterator calls `read()`, which hands over
 * everything already buffered at once, and `v8.getHeapSnapshot()` buffers the whole snapshot
 * before the first read (napi-notes §2.5: one 87 MB chunk instead of 1326 × 64 KiB). With 'data'
 * each ≤64 KiB chunk goes to the parser and can be collected, so no JS string or Buffer of the
 * whole snapshot ever exists. If `push` returns a promise we pause the stream until it settles.
 */
const { newParser } = require('./addon');
const { captureError, abortError, describeCause } = require('./errors');

function disposeQuietly(parser) {
  for (const m of ['abort', 'dispose']) {
    if (parser && typeof parser[m] === 'function') {
      try {
        parser[m]();
      } catch {
        // best effort
      }
      return;
    }
  }
}

/**
 * parseStream(readable, { signal, what }) → Promise<HeapSnapshot>
 * `what` names the source in error messages ("the heap of worker 3").
 */
async function parseStream(readable, { signal, what = 'the heap snapshot stream', parser } = {}) {
  if (!parser) {
    try {
      parser = newParser();
    } catch (err) {
      readable.destroy();
      throw err;
    }
  }
  let onAbort;
  try {
    await new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err) => {
        if (settled) return;
        settled = true;
        readable.destroy();
        reject(err);
      };
      if (signal) {
        if (signal.aborted) return fail(abortError(signal, 'Taking the heap snapshot'));
        onAbort = () => fail(abortError(signal, 'Taking the heap snapshot'));
        signal.addEventListener('abort', onAbort, { once: true });
      }
      readable.on('data', (chunk) => {
        if (settled) return;
        let r;
        try {
          r = parser.push(chunk);
        } catch (err) {
          return fail(err);
        }
        if (r && typeof r.then === 'function') {
          readable.pause();
          r.then(() => settled || readable.resume(), fail);
        }
      });
      readable.once('error', (err) => fail(captureError(`reading ${what} failed: ${describeCause(err)}`, { cause: err })));
      readable.once('end', () => {
        if (settled) return;
        settled = true;
        resolve();
      });
      readable.once('close', () => {
        if (!readable.readableEnded) fail(captureError(`${what} closed before its end`));
      });
    });
  } catch (err) {
    disposeQuietly(parser);
    throw err;
  } finally {
    if (signal && onAbort) signal.removeEventListener('abort', onAbort);
  }
  return parser.finish();
}

module.exports = { parseStream, disposeQuietly };
