'use strict';
/**
 * `countInstances(className)` and `expectInstances(className, n)`: exact live-instance counts of a
 * class (DevTools' Summary "count" for that constructor) from a settled snapshot of this thread.
 *
 * `className` is a constructor name as the Summary view shows it ("Foo", "Map", "Array"), or a
 * Summary row's exact `key` (",Map"; "81,0,23,Foo" for a constructor defined in a script).
 * Prototype objects are not instances (DevTools lists them apart).
 *
 * Given the constructor itself (`expectInstances(Session, 0)`), the count needs no snapshot: V8's
 * `Runtime.queryObjects` (over this thread's inspector session) collects all garbage, walks the
 * heap once and hands back every object with `Session.prototype` on its prototype chain; those
 * whose own prototype it is are the instances of exactly that class (a subclass's instances are
 * its own row in the Summary, as here). A few ms on a small heap instead of a snapshot. Only a
 * failing `expectInstances` (more than expected) then takes the snapshot, to name the holder.
 */
const assert = require('node:assert');
const { LeakError } = require('./leak-error.js');
const { withSnapshot } = require('./snapshot.js');
const { post } = require('./inspector.js');
const { invalidArgType, invalidArgValue, validateNumber } = require('../errors.js');

function checkName(className) {
  if (typeof className === 'function') {
    if (!className.prototype || typeof className.prototype !== 'object') throw invalidArgValue('className', className.name || '(anonymous)', 'is a function without a prototype object (an arrow or bound function constructs nothing)');
    return;
  }
  if (typeof className !== 'string' || !className) throw invalidArgType('className', 'a non-empty string or a constructor', className);
}

const GROUP = 'heapsnap.instances';
let slot = 0;

/** Live instances of exactly the constructor `C` (own prototype `C.prototype`), from V8's queryObjects. */
function countByPrototype(C) {
  // The prototype reaches the session through a uniquely named global, removed at once; every
  // remote object made here is released with its group, so nothing is kept alive by counting.
  const name = `__heapsnapPrototype${process.pid}_${++slot}`;
  globalThis[name] = C.prototype;
  try {
    const proto = post('Runtime.evaluate', { expression: `globalThis[${JSON.stringify(name)}]`, objectGroup: GROUP });
    delete globalThis[name];
    const found = post('Runtime.queryObjects', { prototypeObjectId: proto.result.objectId, objectGroup: GROUP });
    const counted = post('Runtime.callFunctionOn', {
      objectId: found.objects.objectId,
      functionDeclaration: 'function (p) { let n = 0; for (let i = 0; i < this.length; i++) { const o = this[i]; if (Object.getPrototypeOf(o) === p && !Object.prototype.hasOwnProperty.call(o, "constructor")) n++; } return n; }',
      arguments: [{ objectId: proto.result.objectId }],
      returnByValue: true,
      objectGroup: GROUP,
    });
    return counted.result.value;
  } finally {
    delete globalThis[name];
    try {
      post('Runtime.releaseObjectGroup', { objectGroup: GROUP });
    } catch {
      // the session is gone with the thread: nothing is held
    }
  }
}

const label = (className) => (typeof className === 'function' ? className.name || '(anonymous class)' : className);

/** The number of live instances of `className` (a Summary name or key, or the constructor) in this thread's heap. */
async function countInstances(className, options = {}) {
  checkName(className);
  if (typeof className === 'function') {
    if (options && options.signal && options.signal.aborted) return withSnapshot(() => 0, options); // rejects as withSnapshot does
    return countByPrototype(className);
  }
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
  let fast = null;
  if (typeof className === 'function') {
    fast = await countInstances(className, options);
    if (fast === expected) return fast;
  }
  const key = typeof className === 'function' ? className.name : className;
  const outcome = fast !== null && fast < expected ? { count: fast } : await withSnapshot((snap) => {
    const ids = snap.instances(key);
    if (ids.length <= (fast !== null ? 0 : expected)) return { count: ids.length };
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
  const { sample } = outcome;
  // the constructor's count is exact for that class; the snapshot's is by name (classes of one
  // name in several scripts are one name row) and only names the holder
  const count = fast !== null ? fast : outcome.count;
  if (count === expected) return count;
  className = label(className);
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
    sample
      ? `expected ${expected} live ${className} instance(s), found ${count}; the newest (@${sample.id}) is retained by:\n    ${sample.path}`
      : `expected ${expected} live ${className} instance(s), found ${count}`,
    { kind: 'expectInstances', className, expected, count, sample },
  );
  Error.captureStackTrace?.(err, expectInstances);
  throw err;
}

module.exports = { countInstances, expectInstances };
