'use strict';
/**
 * Every error heapsnap throws, in one place: stable `code`s, one `AbortError`, and the argument
 * validators (in the style of Node's lib/internal/validators.js).
 *
 * `err.code` is the contract; `err.message` is for people and says what failed and where.
 *
 *   Bad arguments — Node's own codes, so callers handle ours like Node's:
 *     ERR_INVALID_ARG_TYPE    TypeError   a value of the wrong type (a string where a number goes)
 *     ERR_INVALID_ARG_VALUE   TypeError   the right type, but not an accepted value
 *     ERR_OUT_OF_RANGE        RangeError  a number outside its range
 *   Our domain:
 *     ERR_HEAPSNAP_PARSE        the snapshot text is not a valid heap snapshot (with `field`, `offset`)
 *     ERR_HEAPSNAP_IO           a snapshot file cannot be read
 *     ERR_HEAPSNAP_DISPOSED     a HeapSnapshot was used after dispose()
 *     ERR_HEAPSNAP_MEMORY       a file would need more memory than allowed (maxMemory), or the engine could not allocate
 *     ERR_HEAPSNAP_CAPTURE      a capture or a write failed: I/O, a dead or foreign pid, a closed
 *                               port, a broken inspector connection, a truncated snapshot
 *     ERR_HEAPSNAP_UNSUPPORTED  this Node, thread, platform or set of flags cannot do what was asked
 *     ERR_HEAPSNAP_WORKER       the analysis child process crashed, ran out of memory or timed out
 *     ERR_HEAPSNAP_MISMATCH     diff/findLeaks of snapshots that come from different processes
 *     ERR_HEAPSNAP_LEAK         a test assertion found memory that should be gone (LeakError)
 *     ABORT_ERR                 an AbortSignal fired (AbortError, the reason as `cause`)
 *
 * Extra context (path, pid, port, url, exitCode, signal, field, offset) rides along as
 * properties; an underlying system error is kept as `cause`.
 */
const { inspect } = require('node:util');

/** An Error (or `Base`) with `code` and the given properties; `props.cause` becomes the cause. */
function codedError(code, message, props, Base = Error) {
  const err = new Base(message, props && props.cause !== undefined ? { cause: props.cause } : undefined);
  err.code = code;
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (k !== 'cause' && v !== undefined) err[k] = v;
    }
  }
  return err;
}

/** A capture or a write failed. `props` may carry cause, path, pid, port, url. */
const captureError = (message, props) => codedError('ERR_HEAPSNAP_CAPTURE', message, props);
/** This runtime cannot do it (old Node, wrong thread, conflicting flag, platform). */
const unsupportedError = (message, props) => codedError('ERR_HEAPSNAP_UNSUPPORTED', message, props);
/** The analysis child process failed. */
const workerError = (message, props) => codedError('ERR_HEAPSNAP_WORKER', message, props);
/** Snapshots compared by object id come from different processes. */
const mismatchError = (message, props) => codedError('ERR_HEAPSNAP_MISMATCH', message, props);
/** A file would need more memory than allowed. */
const memoryError = (message, props) => codedError('ERR_HEAPSNAP_MEMORY', message, props);

/** The shape of Node's AbortError: name 'AbortError', code 'ABORT_ERR', the signal's reason as cause. */
class AbortError extends Error {
  constructor(message = 'The operation was aborted', options = undefined) {
    super(message, options);
    this.code = 'ABORT_ERR';
    this.name = 'AbortError';
  }
}

/** An AbortError for `signal` ("<what> was aborted"). */
function abortError(signal, what) {
  const reason = signal ? signal.reason : undefined;
  return new AbortError(what ? `${what} was aborted` : undefined, reason !== undefined ? { cause: reason } : undefined);
}

/** Throws an AbortError if `signal` has fired. */
function throwIfAborted(signal, what) {
  if (signal && signal.aborted) throw abortError(signal, what);
}

// ---------------------------------------------------------------------------------------------
// Argument errors and validators. `name` is how the caller spells the argument: 'options.limit'.

/** "type string ('abc')", "an instance of Object", "null": how Node describes a received value. */
function received(value) {
  if (value == null) return ` Received ${value}`;
  if (typeof value === 'function') return ` Received function ${value.name || '(anonymous)'}`;
  if (typeof value === 'object') {
    if (value.constructor && value.constructor.name) return ` Received an instance of ${value.constructor.name}`;
    return ` Received ${inspect(value, { depth: -1 })}`;
  }
  let shown = inspect(value, { colors: false });
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return ` Received type ${typeof value} (${shown})`;
}

/** ERR_INVALID_ARG_TYPE: `name` must be `expected` (e.g. 'a function', 'an AbortSignal'). */
function invalidArgType(name, expected, value) {
  return codedError('ERR_INVALID_ARG_TYPE', `${name} must be ${expected}.${received(value)}`, undefined, TypeError);
}

/** ERR_INVALID_ARG_VALUE: `name` has the right type but is not accepted (`reason` says why). */
function invalidArgValue(name, value, reason = 'is invalid') {
  return codedError('ERR_INVALID_ARG_VALUE', `${name} ${reason}. Received ${inspect(value, { depth: 0 })}`, undefined, TypeError);
}

/** ERR_OUT_OF_RANGE: the number `name` must be `range` (e.g. '>= 1', 'an integer'). */
function outOfRange(name, range, value) {
  return codedError('ERR_OUT_OF_RANGE', `${name} is out of range. It must be ${range}. Received ${inspect(value)}`, undefined, RangeError);
}

function validateObject(value, name, { nullable = false } = {}) {
  if ((value === null && !nullable) || (value !== null && (typeof value !== 'object' || Array.isArray(value)))) {
    throw invalidArgType(name, 'an object', value);
  }
}

/** Options bags: undefined → {}, anything but a plain object → ERR_INVALID_ARG_TYPE. */
function optionsObject(value, name = 'options') {
  if (value === undefined) return {};
  validateObject(value, name);
  return value;
}

function validateFunction(value, name) {
  if (typeof value !== 'function') throw invalidArgType(name, 'a function', value);
}

function validateBoolean(value, name) {
  if (typeof value !== 'boolean') throw invalidArgType(name, 'a boolean', value);
}

function validateString(value, name) {
  if (typeof value !== 'string') throw invalidArgType(name, 'a string', value);
}

/** A number in [min, max] (NaN never is). */
function validateNumber(value, name, min = -Infinity, max = Infinity) {
  if (typeof value !== 'number') throw invalidArgType(name, 'a number', value);
  if (!(value >= min && value <= max)) {
    throw outOfRange(name, max === Infinity ? `>= ${min}` : min === -Infinity ? `<= ${max}` : `>= ${min} && <= ${max}`, value);
  }
}

/** An integer in [min, max]. */
function validateInteger(value, name, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  if (typeof value !== 'number') throw invalidArgType(name, 'a number', value);
  if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
  if (value < min || value > max) throw outOfRange(name, max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `>= ${min} && <= ${max}`, value);
}

/** One of the listed values. */
function validateOneOf(value, name, oneOf) {
  if (!oneOf.includes(value)) {
    throw invalidArgValue(name, value, `must be one of: ${oneOf.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')}`);
  }
}

/** undefined, or something that behaves as an AbortSignal. */
function validateAbortSignal(signal, name = 'options.signal') {
  if (signal === undefined) return;
  if (signal === null || typeof signal !== 'object' || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function') {
    throw invalidArgType(name, 'an AbortSignal', signal);
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

/** True for the codes of a bad argument (Node's and ours). */
function isArgumentError(err) {
  return !!err && (err.code === 'ERR_INVALID_ARG_TYPE' || err.code === 'ERR_INVALID_ARG_VALUE' || err.code === 'ERR_OUT_OF_RANGE');
}

module.exports = {
  mismatchError,
  codedError,
  captureError,
  unsupportedError,
  workerError,
  memoryError,
  AbortError,
  abortError,
  throwIfAborted,
  invalidArgType,
  invalidArgValue,
  validateObject,
  optionsObject,
  validateFunction,
  validateBoolean,
  validateString,
  validateNumber,
  validateInteger,
  validateOneOf,
  validateAbortSignal,
  describeCause,
  isArgumentError,
};
