'use strict';
/**
 * The exact measurement behind a failing `assertNoLeak`: which objects born during round 1 are
 * still alive after round 2, found by heap object id in ONE heap snapshot.
 *
 * V8 gives every heap object a stable id the first time its heap profiler walks the heap, and
 * hands out ids in increasing order. `HeapProfiler.startTrackingHeapObjects` runs that walk (a
 * GC, then every live object gets an id) without building or writing a snapshot: a "stamp". The
 * boundary of a moment is read off a marker object created between two stamps:
 *
 *   stamp A                  every object alive now has an id
 *   marker M1, stamp B       M1's id b1 is larger than all of them
 *   round 1 (N calls), a few event-loop turns
 *   stamp C                  round-1 objects still alive get ids, all > b1
 *   marker M2, stamp D       M2's id b2 is larger than all of those; round-2 objects get larger ones
 *   round 2 (N calls), a GC and a few event-loop turns
 *   snapshot S3              (see finalSnapshot for how tracking ends)
 *
 * Objects of S3 with b1 < id < b2 are exactly the round-1 objects that survived, the candidates
 * `findLeaks` judges (with the leak rules it shares with the CLI). This replaces the baseline
 * and target snapshots of the three-snapshot method by stamps, which cost a GC and a walk each
 * instead of a snapshot.
 *
 * If the ids were reset meanwhile (another inspector session disabled its heap profiler), M1's
 * id changes; the measurement notices and says so instead of judging mismatched ids.
 */
const inspector = require('node:inspector');
const { post, withEvent } = require('./inspector.js');
const { getGc } = require('./settle.js');
const { Parser, HeapSnapshot } = require('../snapshot.js');
const { takeSnapshot } = require('../capture/take-snapshot.js');
const { writePrivateSnapshot } = require('./snapshot.js');
const { findLeaks, findLeaksSync } = require('../leaks.js');
const { captureError } = require('../errors.js');

const GROUP = 'heapsnap-assertion-markers';
const TURNS = 3;

function stamp() {
  post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: false });
}

/** A few event-loop turns: callbacks scheduled by the calls run (timers, immediates, I/O). */
function* turns(guard) {
  for (let i = 0; i < TURNS; i++) yield* guard.turn();
}

/** A fresh marker object (held by the session until released) and, after a stamp, its id. */
function marker() {
  const { result } = post('Runtime.evaluate', { expression: '({})', objectGroup: GROUP, silent: true });
  stamp();
  return { objectId: result.objectId, id: idOf(result.objectId) };
}

function idOf(objectId) {
  return Number(post('HeapProfiler.getHeapObjectId', { objectId }).heapSnapshotObjectId);
}

function release() {
  try {
    post('Runtime.releaseObjectGroup', { objectGroup: GROUP });
  } catch {
    // the session has nothing to release
  }
}

/** Stops tracking at once, without a snapshot (V8 clears the isolate's heap object ids). */
function abandon() {
  release();
  try {
    post('HeapProfiler.disable');
  } catch {
    // not tracking
  }
}

/**
 * The final snapshot, taken while the ids of the stamps are in place, and tracking stopped.
 *
 * While tracking, V8 also walks the heap (a GC and a pass over every object) whenever the event
 * loop turns 50 ms after the last such walk (the statistics DevTools draws on its allocation
 * timeline), so tracking stops as soon as V8 has built the snapshot, before it is streamed
 * (synchronously: written into a private temporary folder, then read). Stopping tracking
 * without clearing the isolate's ids would mean another snapshot (V8 takes one and streams it to
 * this session as JSON inside protocol messages), so tracking is stopped by disabling this
 * session's heap profiler: V8 resets heap object ids in the isolate, and stops tracking object
 * moves (which any earlier snapshot had turned on, and which every GC then pays for). Only when
 * an inspector server is open (`--inspect`: DevTools may be comparing snapshots by id) are the
 * ids kept, at the price of that slower stream.
 */
function* finalSnapshot(guard) {
  if (inspector.url() !== undefined) {
    const parser = new Parser();
    try {
      withEvent('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => parser.push(chunk), () =>
        post('HeapProfiler.stopTrackingHeapObjects', { reportProgress: false }),
      );
    } catch (err) {
      abandon();
      throw err;
    }
    release();
    return guard.sync ? parser.finishSync() : yield parser.finish({ signal: guard.signal });
  }
  if (!guard.sync) return yield takeSnapshot({ signal: guard.signal }, { afterCapture: abandon });
  let written;
  try {
    written = writePrivateSnapshot();
  } finally {
    abandon();
  }
  try {
    return HeapSnapshot.openSync(written.file);
  } finally {
    written.remove();
  }
}

/**
 * Steps (guard.js) that run the two rounds of `fn` with stamps and return the leak report of one
 * snapshot; each cluster gets `sampleSizes`, the sizes of its sample objects (to match them with
 * allocation samples).
 *
 * Before a stamp only the event loop turns (callbacks of the round run, and what they allocate
 * belongs to it): a GC there would change nothing, as an object that is garbage at a stamp is
 * either collected then or given an id and then not alive in the final snapshot. Before the
 * final snapshot the heap is settled as for every snapshot of the assertions.
 *
 * @param {Function} fn
 * @param {{ iterations: number, guard: import('./guard.js').Guard }} options
 * @returns {Generator<unknown, { report: object, snapshotMs: number }>}
 */
function* measureExactly(fn, { iterations, guard }) {
  let tracking = false;
  try {
    yield* turns(guard);
    tracking = true;
    stamp();
    const m1 = marker();
    yield* guard.repeat(fn, iterations);
    yield* turns(guard);
    stamp();
    const m2 = marker();
    yield* guard.repeat(fn, iterations);
    getGc()();
    yield* turns(guard);
    if (idOf(m1.objectId) !== m1.id) {
      throw captureError('the heap object ids of this thread were reset during the assertion (another inspector session disabled its heap profiler); run it again');
    }
    const started = performance.now();
    tracking = false;
    const snap = yield* finalSnapshot(guard);
    const snapshotMs = performance.now() - started;
    try {
      if (snap.node(m1.id) === null) {
        throw captureError('the heap snapshot does not hold the marker object: heap object ids were reset while it was taken; run the assertion again');
      }
      // Round-1 objects: ids in (b1, b2), M2 itself excluded (ids of JS objects are odd).
      const boundaries = { baseline: m1.id, target: m2.id - 1, final: snap };
      // The 'assertion' profile adds the leak rules for objects a function made in this process
      // (JS heap objects only, V8's template caches excluded): see leaks/filters.rs.
      const options = { signal: guard.signal, includeSystem: true, profile: 'assertion' };
      const report = guard.sync ? findLeaksSync(boundaries, options) : yield findLeaks(boundaries, options);
      for (const c of report.clusters) c.sampleSizes = c.sampleIds.map((id) => snap.node(id)?.selfSize ?? 0);
      return { report, snapshotMs };
    } finally {
      snap.dispose();
    }
  } finally {
    if (tracking) abandon();
  }
}

module.exports = { measureExactly };
