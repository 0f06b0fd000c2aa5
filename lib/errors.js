'use strict';
// Errors with stable codes. The binding sends "CODE|field|offset|message"; this turns it into
// an Error with `code`, `field` and `offset` (a byte offset into the snapshot, when known).

function toError(e) {
  if (!(e instanceof Error) || typeof e.message !== 'string') return e;
  if (e.code && String(e.code).startsWith('ERR_HEAPSNAP')) return e;
  const m = /^([A-Z_]+)\|([^|]*)\|(\d*)\|([\s\S]*)$/.exec(e.message);
  if (!m) return e;
  const err = new Error(m[4]);
  err.code = m[1];
  if (m[2]) err.field = m[2];
  if (m[3]) err.offset = Number(m[3]);
  return err;
}

function abortError(signal) {
  const err = new Error('The operation was aborted');
  err.name = 'AbortError';
  err.code = 'ABORT_ERR';
  if (signal?.reason !== undefined) err.cause = signal.reason;
  return err;
}

function codedError(code, message, props) {
  const err = new Error(message);
  err.code = code;
  if (props) Object.assign(err, props);
  return err;
}

module.exports = { toError, abortError, codedError };
