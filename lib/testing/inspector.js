'use strict';
/**
 * This thread's own inspector session, for the assertions' heap profiler calls (sampling, object
 * ids). One per thread, connected on first use and never disconnected: V8 clears every heap
 * object id of the isolate when a session's heap profiler is disabled (which disconnecting does),
 * and those ids are what the exact leak check and other tools (DevTools' comparison of two
 * snapshots) count on.
 *
 * The session lives on the `node:inspector` module object under a registered symbol, so test
 * runners that load this file once per test file (jest's module registry) still share one
 * session per thread instead of leaving one behind per file.
 *
 * An in-thread session answers synchronously: `post` returns the result, and the events a
 * command emits (heap snapshot chunks, for one) reach `on` listeners before `post` returns.
 */
const inspector = require('node:inspector');
const { unsupportedError } = require('../errors.js');

const KEY = Symbol.for('heapsnap.testing.inspectorSession');

function session() {
  let s = inspector[KEY];
  if (s) return s;
  if (typeof inspector.Session !== 'function') throw unsupportedError('node:inspector is not available in this Node build');
  s = new inspector.Session();
  s.connect();
  Object.defineProperty(inspector, KEY, { value: s });
  return s;
}

/** Sends a command and returns its result; a protocol error is thrown as an Error with its code. */
function post(method, params) {
  let result;
  let error;
  let answered = false;
  session().post(method, params, (err, res) => {
    answered = true;
    error = err;
    result = res;
  });
  if (!answered) throw unsupportedError(`the inspector did not answer ${method} synchronously`);
  if (error) throw error;
  return result;
}

/** Runs `fn` with `listener` subscribed to the protocol event `event` (e.g. 'HeapProfiler.addHeapSnapshotChunk'). */
function withEvent(event, listener, fn) {
  const s = session();
  const onEvent = (message) => listener(message.params);
  s.on(event, onEvent);
  try {
    return fn();
  } finally {
    s.off(event, onEvent);
  }
}

module.exports = { session, post, withEvent };
