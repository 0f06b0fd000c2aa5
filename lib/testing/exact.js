'use strict';
/**
 * The exact measurement behind a failing `assertNoLeak`: which objects born during round 1 are
 * still alive after round 2, found by heap object id in ONE heap snapshot.
 *
 * V8 gives every heap object a stable id the first time its heap profiler walks the heap, and
 * hands out ids in increasing order. `HeapProfiler.startTrackingHeapObjects` runs that walk (a
 * GC, then every live object gets an id) without building or writing a snapshot, and while
 * tracking V8 walks the heap again whenever the event loop turns 50 ms after the last walk (the
 * statistics DevTools draws on its allocation timeline), each walk followed by a
 * `HeapProfiler.lastSeenObjectId` event: the largest id handed out so far, a boundary in time.
 * On a large heap a walk costs about as much as a full GC and a pass over every object, and as
 * each takes longer than 50 ms, every turn of the event loop while tracking is one. So the
 * boundaries are read off the walks that happen anyway, and the loop turns as little as the
 * measurement allows:
 *
 *   tracking starts (walk)   every object alive now has an id
 *   next walk: b1            ids above b1 belong to objects first seen after it
 *   round 1 (N calls), 2 event-loop turns (their callbacks belong to the round)
 *   next walk: b2            round-1 objects still alive have ids in (b1, b2]
 *   round 2 (N calls), a GC and one event-loop turn
 *   snapshot S3              (see finalSnapshot for how tracking ends)
 *
 * Objects of S3 with b1 < id ≤ b2 are exactly the round-1 objects that survived, the candidates
 * `findLeaks` judges (with the leak rules it shares with the CLI). This replaces the baseline
 * and target snapshots of the three-snapshot method by walks, which cost a GC and a pass each
 * instead of a snapshot. A synchronous run (no event loop, so no walks of V8's own) reads each
 * boundary off a marker object created after one more explicit walk, then walked again.
 *
 * If the ids were reset meanwhile (another inspector session disabled its heap profiler), the id
 * of a marker object walked first changes; the measurement notices and says so instead of
 * judging mismatched ids.
 */
const inspector = require('node:inspector');
const timers = require('node:timers');
const { post, withEvent, session } = require('./inspector.js');
const { getGc } = require('./settle.js');
const { Parser, HeapSnapshot } = require('../snapshot.js');
const { takeSnapshot } = require('../capture/take-snapshot.js');
const { writePrivateSnapshot } = require('./snapshot.js');
const { findLeaks, findLeaksSync } = require('../leaks.js');
const { captureError } = require('../errors.js');

const GROUP = 'heapsnap-assertion-markers';
/** Event-loop turns after round 1 (before the walk that bounds it) and after round 2. */
const ROUND_TURNS = 2;
const FINAL_TURNS = 1;
/** How long to wait for one of V8's walks (due 50 ms after the last) before making one. */
const WALK_WAIT_MS = 1000;

function stamp() {
  post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: false });
}

/** Event-loop turns: callbacks scheduled by the calls run (timers, immediates, I/O). */
function* turns(guard, n) {
  for (let i = 0; i < n; i++) yield* guard.turn();
}

/** A fresh marker object (held by the session until released) and, after a stamp, its id. */
function marker() {
  const { result } = post('Runtime.evaluate', { expression: '({})', objectGroup: GROUP, silent: true });
  stamp();
  return { objectId: result.objectId, id: idOf(result.objectId) };
}

/**
 * The walks V8 makes while tracking, as they end: `walks.last` is the largest object id handed
 * out by the latest one, `walks.count` how many ended since `listen()`.
 */
function listen() {
  const walks = { count: 0, last: 0, wake: null };
  const onWalk = ({ params }) => {
    walks.count++;
    walks.last = Number(params.lastSeenObjectId);
    walks.wake?.();
  };
  session().on('HeapProfiler.lastSeenObjectId', onWalk);
  walks.close = () => session().off('HeapProfiler.lastSeenObjectId', onWalk);
  return walks;
}

/**
 * A boundary in time: an id larger than that of every object alive now and smaller than that of
 * every object allocated later. Asynchronously, the largest id of the next walk V8 makes (due
 * 50 ms after its last one; on a large heap at the next turn of the event loop); synchronously,
 * or if no walk came, that of a marker object created after a walk (an explicit one unless
 * `walked`: one just gave every live object an id) and then walked.
 */
function* boundary(guard, walks, walked = false) {
  if (!guard.sync) {
    const seen = walks.count;
    let timer;
    const next = new Promise((resolve) => {
      walks.wake = resolve;
      timer = timers.setTimeout(resolve, WALK_WAIT_MS);
    });
    try {
      yield guard.result(next);
    } finally {
      walks.wake = null;
      timers.clearTimeout(timer);
    }
    if (walks.count > seen) return walks.last;
  }
  if (!walked) stamp();
  return marker().id;
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
 * Before a boundary only the event loop turns (callbacks of the round run, and what they allocate
 * belongs to it): a GC there would change nothing, as an object that is garbage at a walk is
 * either collected then or given an id and then not alive in the final snapshot. Before the
 * final snapshot a GC and a turn free what a callback holds until a GC (under node --test,
 * async hooks' records of collected promises).
 *
 * @param {Function} fn
 * @param {{ iterations: number, guard: import('./guard.js').Guard }} options
 * @returns {Generator<unknown, { report: object, snapshotMs: number }>}
 */
function* measureExactly(fn, { iterations, guard }) {
  let tracking = false;
  const walks = listen();
  try {
    yield* turns(guard, ROUND_TURNS);
    // Walked first, so its id stays put unless the isolate's ids are reset meanwhile.
    const { result } = post('Runtime.evaluate', { expression: '({})', objectGroup: GROUP, silent: true });
    tracking = true;
    stamp();
    const m0 = { objectId: result.objectId, id: idOf(result.objectId) };
    const b1 = yield* boundary(guard, walks, true);
    yield* guard.repeat(fn, iterations);
    yield* turns(guard, ROUND_TURNS);
    const b2 = yield* boundary(guard, walks);
    yield* guard.repeat(fn, iterations);
    getGc()();
    yield* turns(guard, FINAL_TURNS);
    if (idOf(m0.objectId) !== m0.id || !(m0.id <= b1 && b1 <= b2)) {
      throw captureError('the heap object ids of this thread were reset during the assertion (another inspector session disabled its heap profiler); run it again');
    }
    const started = performance.now();
    tracking = false;
    const snap = yield* finalSnapshot(guard);
    const snapshotMs = performance.now() - started;
    try {
      if (snap.node(m0.id) === null) {
        throw captureError('the heap snapshot does not hold the marker object: heap object ids were reset while it was taken; run the assertion again');
      }
      // Round-1 objects: ids in (b1, b2].
      const boundaries = { baseline: b1, target: b2, final: snap };
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
    walks.close();
    if (tracking) abandon();
  }
}

module.exports = { measureExactly };
