'use strict';
/**
 * The cheap screen of `assertNoLeak`: no heap snapshot, one GC. It decides "clearly clean";
 * anything else goes to the exact measurement (exact.js), so the screen can pass a function but
 * never fail one.
 *
 *   start sampling every allocation (sampling.js)
 *   for each of 3 rounds: a marker, N calls, 3 event-loop turns
 *   stop: a full GC, then the live samples
 *
 * r1 = objects allocated in round 1 still alive at the end (what the exact method calls the
 * candidates, before its filters and clustering); r2, r3 the same for rounds 2 and 3. The
 * function is clearly clean when one of them is below the threshold.
 *
 * Why that never passes a leak the exact method would report: the exact method fails a function
 * when one cluster of round-1 objects alive after a further round holds at least `threshold`
 * objects, so r1 >= threshold; and what leaks per call leaks in every round, so r2 and r3 are
 * as large. What makes one round large and not the others is one-time work that fell into it:
 * V8 allocating feedback vectors after the eighth call and compiling baseline code a little
 * later, a lazily filled cache, Node's timer lists growing once; or, in the last round, the
 * results a function keeps until the next call. The exact method would filter those out at the
 * price of a snapshot.
 *
 * The screen counts every object, V8's own included, with fewer GCs than a snapshot takes: it
 * can only see more survivors than the exact method, not fewer.
 */
const sampling = require('./sampling.js');
const { getGc } = require('./settle.js');

const TURNS = 3;
const ROUNDS = 3;
let primed = false;
const noop = () => {};

// The markers live here between `mark()` and `stop()`; fixed slots, so holding them allocates
// nothing inside the measured rounds.
const held = new Array(ROUNDS).fill(null);

/**
 * Steps (guard.js) of the screen.
 * @returns {Generator<unknown, { verdict: 'clean' | 'suspicious' | 'unavailable', objects?: number[], reason?: string, survivors?: object[] }>}
 *   objects: r1, r2, r3; survivors: their samples (sampling.js), which tell where a leak found
 *   next by the exact measurement was allocated
 */
function* screen(fn, { iterations, threshold, guard }) {
  if (!primed) {
    // The first screen of a thread also measures the one-time work of its own machinery
    // (compiling it, Node's immediate queue and async-hooks stacks growing): run it once idle.
    primed = true;
    yield* screen(noop, { iterations, threshold, guard });
  }
  if (!sampling.start()) return { verdict: 'unavailable', reason: 'another sampling heap profiler is running in this thread' };
  let samples = null;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      held[round] = sampling.mark();
      yield* guard.repeat(fn, iterations);
      for (let i = 0; i < TURNS; i++) yield* guard.turn();
    }
    // A GC and event-loop turns first: what the GC frees may hold records until a callback has
    // run (under node --test, async hooks' promise-destroy tracking keeps one per promise until
    // its destroy hook ran after the promise was collected).
    getGc()();
    for (let i = 0; i < TURNS; i++) yield* guard.turn();
    samples = sampling.stop();
  } finally {
    if (!samples) sampling.cancel();
    held.fill(null);
  }
  const parts = sampling.windows(samples);
  if (parts.length !== ROUNDS + 1) return { verdict: 'unavailable', reason: 'the sampling markers were not found in the profile' };
  const objects = parts.slice(1).map((p) => p.length);
  if (objects.some((n) => n < threshold)) return { verdict: 'clean', objects };
  return { verdict: 'suspicious', objects, survivors: parts.slice(1).flat() };
}

module.exports = { screen };
