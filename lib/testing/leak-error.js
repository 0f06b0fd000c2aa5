'use strict';
/**
 * `LeakError`: what every heapsnap test assertion throws when memory is held that should not be.
 *
 * It is an ordinary Error (so every test runner prints it) with a stable `code`,
 * `ERR_HEAPSNAP_LEAK`, and a `report` holding the same facts as the message as plain data, so a
 * test can assert on them and a reporter can serialise them (workers post it with
 * structuredClone). The message is written to be read in a failing test's output: one line per
 * leaking class and, under it, the retainer path of one instance — the line that says which
 * variable to fix.
 */
class LeakError extends Error {
  /**
   * @param {string} message
   * @param {object} report  plain data: { kind, ... } (see the callers)
   */
  constructor(message, report) {
    super(message);
    this.name = 'LeakError';
    this.code = 'ERR_HEAPSNAP_LEAK';
    this.report = report;
  }
}

Object.defineProperty(LeakError.prototype, 'name', { value: 'LeakError', writable: true, configurable: true });

module.exports = { LeakError };
