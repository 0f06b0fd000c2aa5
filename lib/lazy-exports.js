'use strict';
/**
 * Exports loaded on first use, for index.js: `lazyExports(exports, file, names)` defines each
 * name of `names` on `exports` as an accessor that requires `file` when first read. That first
 * read (or an assignment: a test's spy or stub) turns it into an ordinary writable property, so
 * from then on the export behaves as a plain one.
 */
function lazyExports(target, file, names) {
  for (const name of names) {
    const settle = (value) => Object.defineProperty(target, name, { value, writable: true, enumerable: true, configurable: true });
    Object.defineProperty(target, name, {
      enumerable: true,
      configurable: true,
      get() {
        const value = require(file)[name];
        settle(value);
        return value;
      },
      set: settle,
    });
  }
  return target;
}

module.exports = { lazyExports };
