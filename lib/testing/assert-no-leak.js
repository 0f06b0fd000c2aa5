'use strict';
/**
 * `assertNoLeak(fn, options)`: fails when calling `fn` repeatedly leaves objects behind in a
 * number that grows with the number of calls.
 *
 * Method (three snapshots of this thread's heap, memlab's baseline/target/final shape):
 *
 *   warmup × fn      fills one-time caches, compiles, loads modules lazily
 *   S1               every live object gets a heap id; ids handed out later are larger
 *   round 1: N × fn  objects born here get ids in (max id of S1, max id of S2]
 *   S2
 *   round 2: N × fn  gives round 1's temporaries time to die: "keep the last result" caches,
 *                    pending timers and promise chains started in round 1 end here
 *   S3
 *
 * `findLeaks({ baseline: S1, target: S2, final: S3 })` lists the objects born in round 1 that are
 * still alive in S3 (V8 internals, objects only the system holds, and objects owned by another
 * leaked object are already filtered out or folded into their owner), clustered by retainer path.
 *
 * Rule: a cluster is a leak when its count is at least half the number of iterations,
 * `count >= max(2, ceil(N / 2))`. Anything that is retained per call shows at least N (one per
 * call); anything that is retained per *other* call — batching, an array that grows by one every
 * two calls — still reaches N/2. What is not a leak does not scale with N: a lazy cache filled
 * during warmup was born before S1 and is not a candidate at all; a value cached once in round 1
 * (a "last result", an interned string) is one object, not N; temporaries are collected before
 * S3. The counts come from exact snapshots, not sampled heap sizes, so for a given program the
 * verdict is the same on every run (the tests run it 50 times).
 *
 * The three snapshots are written by V8 to a private temporary folder and read back ids only; a
 * function that leaves fewer than the threshold of round-1 objects alive in all passes there.
 * Only otherwise is S3 parsed and analysed (into native memory, by findLeaks, which disposes it).
 * The files are removed before this function returns.
 */
const { formatBytes } = require('../format.js');
const { findLeaks, asIdSet } = require('../leaks.js');
const { validateFunction, validateObject, validateNumber, invalidArgValue } = require('../errors.js');
const { LeakError } = require('./leak-error.js');
const { classFilter } = require('./class-filter.js');
const { tempSnapshots, checkSignal } = require('./snapshot.js');

/** An integer >= min: a number that is not one is a bad value (ERR_INVALID_ARG_VALUE). */
function positiveInt(value, name, min) {
  validateNumber(value, name);
  if (!Number.isInteger(value) || value < min) throw invalidArgValue(name, value, `must be an integer >= ${min}`);
  return value;
}

/** The minimum cluster count that counts as a leak for `iterations` calls. */
function leakThreshold(iterations) {
  return Math.max(2, Math.ceil(iterations / 2));
}

async function runRound(fn, times, signal) {
  for (let i = 0; i < times; i++) {
    checkSignal(signal);
    await fn();
  }
}

function leakMessage(leaks, iterations) {
  const n = leaks.length;
  const lines = [
    `${n} class${n === 1 ? '' : 'es'} leaked: objects created by ${iterations} calls are still alive after ${iterations} more calls`,
  ];
  for (const l of leaks) {
    const per = Number.isInteger(l.perIteration) ? String(l.perIteration) : l.perIteration.toFixed(2);
    lines.push(`  ${l.className}: ${per} per iteration (${l.count} objects), retaining ${formatBytes(l.retainedSize)}`);
    lines.push(`    ${l.path}`);
  }
  return lines.join('\n');
}

/**
 * @param {() => unknown | Promise<unknown>} fn
 * @param {{ iterations?: number, warmup?: number, ignore?: string | RegExp | Array<string | RegExp>, signal?: AbortSignal }} [options]
 * @returns {Promise<{ iterations: number, warmup: number, threshold: number, leaks: [], candidates: object[], durationMs: number }>}
 */
async function assertNoLeak(fn, options = {}) {
  validateFunction(fn, 'fn');
  validateObject(options, 'options');
  const iterations = positiveInt(options.iterations ?? 10, 'iterations', 2);
  const warmup = positiveInt(options.warmup ?? 2, 'warmup', 0);
  const ignored = classFilter(options.ignore);
  const { signal } = options;
  const threshold = leakThreshold(iterations);
  const started = performance.now();

  await runRound(fn, warmup, signal);
  const files = tempSnapshots();
  try {
    const baseline = await files.write({ signal });
    await runRound(fn, iterations, signal);
    const target = await files.write({ signal });
    await runRound(fn, iterations, signal);
    const final = await files.write({ signal });
    const done = (leaks, candidates) => ({ iterations, warmup, threshold, leaks, candidates, durationMs: performance.now() - started });

    // Fast path: fewer survivors from round 1 than the threshold, in all, means no cluster can
    // reach it; no full analysis is needed (the common, passing case).
    const survivors = await countSurvivors(baseline, target, final, threshold, signal);
    if (survivors < threshold) return done([], []);

    // The 'assertion' profile adds the leak rules for objects a function made in this process
    // (JS heap objects only, V8's template caches excluded): see leaks/filters.rs.
    const report = await findLeaks({ baseline, target, final }, { signal, includeSystem: true, profile: 'assertion' });
    const candidates = report.clusters
      .filter((c) => !ignored(c.className))
      .map((c) => ({
        className: c.className,
        count: c.count,
        perIteration: Math.round((c.count / iterations) * 100) / 100,
        retainedSize: c.retainedSize,
        shallowSize: c.shallowSize,
        objects: c.objects,
        path: c.path.text,
        pathSteps: c.path.steps,
        sampleIds: c.sampleIds,
      }));
    const leaks = candidates.filter((c) => c.count >= threshold);
    const result = done(leaks, candidates);
    if (leaks.length) {
      const err = new LeakError(leakMessage(leaks, iterations), { kind: 'assertNoLeak', ...result });
      Error.captureStackTrace?.(err, assertNoLeak);
      throw err;
    }
    return result;
  } finally {
    files.remove();
  }
}

/**
 * JS heap objects born in round 1 that are alive in S3, counted up to `limit`, from the ids
 * alone (a fast native read of each file). V8 hands out odd ids in increasing order to JS heap
 * objects as snapshots first see them, so "born in round 1" is "odd id in (max of S1, max of
 * S2]". Returns Infinity when that range is too large to walk (then the full analysis decides).
 */
async function countSurvivors(baseline, target, final, limit, signal) {
  const [b, t, f] = await Promise.all([baseline, target, final].map((file) => asIdSet(file, { signal })));
  const lo = b.maxJsObjectId;
  const hi = t.maxJsObjectId;
  if ((hi - lo) / 2 > 200_000) return Infinity;
  let n = 0;
  for (let id = lo + 2; id <= hi && n < limit; id += 2) if (f.has(id)) n++;
  return n;
}

module.exports = { assertNoLeak };
