'use strict';
/**
 * Bringing the heap to rest before a measurement: a full GC, then a few macrotask turns so
 * FinalizationRegistry callbacks, promise reactions and `setImmediate`/`process.nextTick` work
 * queued by the code under test run and drop what they hold, then a GC again.
 *
 * Works without `--expose-gc`: when `globalThis.gc` is missing we turn the flag on for a moment
 * and take `gc` from a fresh context (the trick jest's LeakDetector uses), then turn it off
 * again so the process's own flags stay as they were. V8 also collects before every heap
 * snapshot, so this is belt and braces for snapshots and the only GC for `assertCollected`'s fast
 * path.
 *
 * The timer functions come from `node:timers`, not the global: jest and vitest fake timers patch
 * the global `setImmediate`, and a faked one would never fire.
 */
const v8 = require('node:v8');
const vm = require('node:vm');
const timers = require('node:timers');

let cachedGc;

/** A function that runs a full, synchronous GC. */
function getGc() {
  if (cachedGc) return cachedGc;
  if (typeof globalThis.gc === 'function') return (cachedGc = globalThis.gc);
  const flags = process.execArgv.join(' ') + ' ' + (process.env.NODE_OPTIONS || '');
  v8.setFlagsFromString('--expose-gc');
  try {
    cachedGc = vm.runInNewContext('gc');
  } finally {
    if (!/--expose[-_]gc\b/.test(flags)) v8.setFlagsFromString('--no-expose-gc');
  }
  return cachedGc;
}

const tick = () => new Promise((resolve) => timers.setImmediate(resolve));

/**
 * gc → `turns` macrotask turns → gc. Objects held only until a pending callback ran are gone
 * afterwards.
 */
async function settle({ turns = 3 } = {}) {
  const gc = getGc();
  gc();
  for (let i = 0; i < turns; i++) await tick();
  gc();
}

module.exports = { getGc, settle, tick };
