'use strict';
/**
 * Lazy access to the native engine (`HeapSnapshot` and friends from the package entry).
 *
 * Capture must work without the addon (writing files needs no parser), and the package entry
 * may itself require this folder, so nothing here is loaded until a function actually needs to
 * parse. A missing build becomes ERR_HEAPSNAP_UNSUPPORTED with the fix in the message.
 */
const path = require('node:path');
const { unsupportedError } = require('./errors');

const ENTRY = path.join(__dirname, '..', '..', 'index.js');

/** The package's exports (`require('../../index.js')`). */
function packageExports() {
  try {
    return require(ENTRY);
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') {
      throw unsupportedError(`the heapsnap native engine is not available (${ENTRY}: ${err.message.split('\n')[0]}); build it with \`npm run build\``, {
        cause: err,
      });
    }
    throw err;
  }
}

/** The `HeapSnapshot` class. */
function HeapSnapshotClass() {
  const exp = packageExports();
  if (!exp || typeof exp.HeapSnapshot !== 'function') {
    throw unsupportedError(`${ENTRY} does not export HeapSnapshot; build the native engine with \`npm run build\``);
  }
  return exp.HeapSnapshot;
}

/** A new streaming parser: `push(chunk)` bytes, then `await finish()` → HeapSnapshot. */
function newParser() {
  const HeapSnapshot = HeapSnapshotClass();
  if (typeof HeapSnapshot.Parser !== 'function') {
    throw unsupportedError('this build of heapsnap has no HeapSnapshot.Parser (streaming parser)');
  }
  return new HeapSnapshot.Parser();
}

module.exports = { packageExports, HeapSnapshotClass, newParser, ENTRY };
