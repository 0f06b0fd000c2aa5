'use strict';
/**
 * V8's snapshot options (`exposeInternals`, `exposeNumericValues`), validated and passed through
 * only when given, so every capture path accepts the same two switches with the same meaning as
 * `v8.writeHeapSnapshot(file, options)`. The inspector spells the second one `captureNumericValue`.
 */
const { validateBoolean } = require('../errors.js');

const KEYS = ['exposeInternals', 'exposeNumericValues'];

/** { exposeInternals?, exposeNumericValues? } or undefined when neither is set. */
function snapshotOptions(options) {
  const out = {};
  let any = false;
  for (const key of KEYS) {
    if (options && options[key] !== undefined) {
      validateBoolean(options[key], `options.${key}`);
      out[key] = options[key];
      any = true;
    }
  }
  return any ? out : undefined;
}

/** The same switches as HeapProfiler.takeHeapSnapshot parameters. */
function inspectorSnapshotParams(options) {
  const o = snapshotOptions(options) || {};
  const params = {};
  if (o.exposeInternals !== undefined) params.exposeInternals = o.exposeInternals;
  if (o.exposeNumericValues !== undefined) params.captureNumericValue = o.exposeNumericValues;
  return params;
}

module.exports = { snapshotOptions, inspectorSnapshotParams };
