'use strict';
const { invalidArgType } = require('../errors.js');

/**
 * The `ignore` option of the assertions: class names (exact) and RegExps, or a single one of
 * either. Returns a predicate on a class name.
 */
function classFilter(ignore) {
  if (ignore == null) return () => false;
  const list = Array.isArray(ignore) ? ignore : [ignore];
  const names = new Set();
  const patterns = [];
  for (const item of list) {
    if (typeof item === 'string') names.add(item);
    else if (item instanceof RegExp) patterns.push(item);
    else throw invalidArgType('options.ignore', 'class names (strings) or RegExps', item);
  }
  return (className) => names.has(className) || patterns.some((re) => {
    re.lastIndex = 0;
    return re.test(className);
  });
}

module.exports = { classFilter };
