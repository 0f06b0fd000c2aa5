'use strict';
/**
 * `countInstances(className)` and `expectInstances(className, n)`: exact live-instance counts of a
 * class (DevTools' Summary "count" for that constructor) from a settled snapshot of this thread.
 *
 * `className` is a constructor name as the Summary view shows it ("Foo", "Map", "Array"), or a
 * Summary row's exact `key` (",Map"; "81,0,23,Foo" for a constructor defined in a script).
 * Prototype objects are not instances (DevTools lists them apart).
 */
const assert = require('node:assert');
const { LeakError } = require('./leak-error.js');
const { withSnapshot } = require('./snapshot.js');
const { invalidArgType, invalidArgValue, validateNumber } = require('../errors.js');

function checkName(className) {
  if (typeof className !== 'string' || !className) throw invalidArgType('className', 'a non-empty string', className);
}

/** The number of live instances of `className` in this thread's heap. */
async function countInstances(className, options = {}) {
  checkName(className);
  return withSnapshot((snap) => snap.instances(className).length, options);
}

/**
 * Asserts exactly `expected` live instances. More → LeakError (ERR_HEAPSNAP_LEAK) naming the
 * count and the retainer path of the newest instance (the largest id: the most recently seen
 * object, usually the one that should have gone). Fewer → AssertionError (ERR_ASSERTION).
 */
async function expectInstances(className, expected, options = {}) {
  checkName(className);
  validateNumber(expected, 'expected');
  if (!Number.isInteger(expected) || expected < 0) throw invalidArgValue('expected', expected, 'must be an integer >= 0');
  const outcome = await withSnapshot((snap) => {
    const ids = snap.instances(className);
    if (ids.length <= expected) return { count: ids.length };
    const newest = ids.reduce((a, b) => (b > a ? b : a));
    const path = snap.retainerPath(newest);
    const node = snap.node(newest);
    return {
      count: ids.length,
      sample: {
        id: newest,
        retainedSize: node?.retainedSize ?? 0,
        path: path ? path.text : '(no path from a root)',
        pathSteps: path ? path.steps : [],
      },
    };
  }, options);
  const { count, sample } = outcome;
  if (count === expected) return count;
  if (count < expected) {
    throw new assert.AssertionError({
      message: `expected ${expected} live ${className} instance(s), found ${count}`,
      actual: count,
      expected,
      operator: 'expectInstances',
      stackStartFn: expectInstances,
    });
  }
  const err = new LeakError(
    `expected ${expected} live ${className} instance(s), found ${count}; the newest (@${sample.id}) is retained by:\n    ${sample.path}`,
    { kind: 'expectInstances', className, expected, count, sample },
  );
  Error.captureStackTrace?.(err, expectInstances);
  throw err;
}

module.exports = { countInstances, expectInstances };
