'use strict';
/**
 * Errors for the capture side of heapsnap.
 *
 * Every failure a caller can meet has a stable `code` (Node's own style: `err.code` is the contract,
 * `err.message` is for humans and says what failed and where):
 *
 *   ERR_HEAPSNAP_CAPTURE      a capture failed: I/O, a dead or foreign pid, a closed port, a broken
 *                             inspector connection, a truncated snapshot
 *   ERR_HEAPSNAP_UNSUPPORTED  this Node (or this thread, or these flags) cannot do what was asked
 *   ERR_HEAPSNAP_INVALID_ARG  an option has the wrong type or value (a TypeError/RangeError)
 *   ERR_HEAPSNAP_WORKER       the analysis child process crashed, ran out of memory or timed out
 *   ABORT_ERR                 an AbortSignal fired (name 'AbortError', like Node's own)
 *
 * Extra context (pid, port, path, url, exitCode, signal) rides along as properties, and the
 * underlying system error, if any, is kept as `cause`.
 */

function makeError(Base, code, message, props) {
  const err = new Base(message, props && props.cause !== undefined ? { cause: props.cause } : undefined);
  err.code = code;
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (k !== 'cause' && v !== undefined) err[k] = v;
    }
  }
  return err;
}

/** A capture failed. `props` may carry cause, path, pid, port, url. */
function captureError(message, props) {
  return makeError(Error, 'ERR_HEAPSNAP_CAPTURE', message, props);
}

/** This runtime cannot do it (old Node, wrong thread, conflicting flag, platform). */
function unsupportedError(message, props) {
  return makeError(Error, 'ERR_HEAPSNAP_UNSUPPORTED', message, props);
}

/** A bad argument: TypeError for a wrong type, RangeError for a value out of range. */
function invalidArg(message, { range = false } = {}) {
  return makeError(range ? RangeError : TypeError, 'ERR_HEAPSNAP_INVALID_ARG', message);
}

/** The analysis child process failed. */
function workerError(message, props) {
  return makeError(Error, 'ERR_HEAPSNAP_WORKER', message, props);
}

/** The same shape as Node's AbortError: name 'AbortError', code 'ABORT_ERR', the reason as cause. */
function abortError(signal, what) {
  const reason = signal && signal.reason;
  const err = new Error(`${what || 'The operation'} was aborted`, reason !== undefined ? { cause: reason } : undefined);
  err.name = 'AbortError';
  err.code = 'ABORT_ERR';
  return err;
}

/** Throws if `signal` is given but is not an AbortSignal. */
function validateSignal(signal, name = 'options.signal') {
  if (signal === undefined || signal === null) return;
  if (typeof signal !== 'object' || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function') {
    throw invalidArg(`${name} must be an AbortSignal`);
  }
}

/** Short text of a system error for messages: "EACCES: permission denied". */
function describeCause(err) {
  if (!err) return 'unknown error';
  if (err.code && typeof err.message === 'string' && err.message.startsWith(err.code)) {
    // Node's fs messages repeat the path we already print; keep "EACCES: permission denied".
    const m = /^([A-Z0-9_]+: [^,]+)/.exec(err.message);
    return m ? m[1] : err.message;
  }
  return err.code ? `${err.code}: ${err.message}` : String(err.message || err);
}

module.exports = { captureError, unsupportedError, invalidArg, workerError, abortError, validateSignal, describeCause };
