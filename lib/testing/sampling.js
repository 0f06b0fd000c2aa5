'use strict';
/**
 * Every allocation of this thread, with its stack, for as long as the object lives: V8's sampling
 * heap profiler at a 1-byte interval. V8 clamps the step between two samples to one pointer (8
 * bytes) and takes at most one sample per allocation, so at this interval every allocation is a
 * sample (at the 8-byte interval of the quick probes, a 24-byte object is skipped about one time
 * in twenty: the steps are random with that mean). A sample disappears when its object is
 * collected, and each carries an ordinal in allocation order, so a profile read after a GC lists
 * exactly the objects allocated since `start()` that are still alive, in order.
 *
 * Windows: `mark()` allocates a marker object whose sample's ordinal splits the samples into
 * "before" and "after"; the caller keeps the marker alive until `stop()`.
 *
 * Optimized code folds neighbouring allocations into one, which the profiler sees as one
 * allocation, sampled as its first object: an object behind a temporary in the same folded
 * allocation has no sample. `preventFolding()` turns folding off for code optimized from then on
 * (the assertions call it on first use; the runner entry points when they load).
 *
 * Interplay: the profiler is one per isolate. If something else is sampling already (node
 * --heap-prof, DevTools, an APM agent), `start()` returns false and touches nothing.
 */
const v8 = require('node:v8');
const { post } = require('./inspector.js');

const INTERVAL = 1;
const MARKER = 'heapsnapSamplingMarker';
const INSPECTOR = require.resolve('./inspector.js');
const GUARD = require.resolve('./guard.js');
const OWN_DIR = __dirname;

let foldingOff = false;
/**
 * Compiles code optimized from now on without allocation folding: TurboFan's, and Maglev's on
 * V8 13+ (Node 24; older Maglev has no such switch, and an unknown flag makes V8 print an error).
 */
function preventFolding() {
  if (foldingOff) return;
  foldingOff = true;
  v8.setFlagsFromString('--no-turbo-allocation-folding');
  if (Number.parseInt(process.versions.v8, 10) >= 13) v8.setFlagsFromString('--maglev-allocation-folding=0');
}

/** True when a sampling heap profiler is running already (ours or another tool's). */
function busy() {
  try {
    post('HeapProfiler.getSamplingProfile'); // answers only while a profiler runs
    return true;
  } catch {
    return false;
  }
}

/** Starts sampling every allocation; false (and nothing changed) when another profiler runs. */
function start() {
  if (busy()) return false;
  post('HeapProfiler.startSampling', { samplingInterval: INTERVAL });
  return true;
}

// A function of its own, so its one allocation is recognisable in the profile.
function heapsnapSamplingMarker() {
  return [];
}

/** A marker object: keep it alive until `stop()`; its sample's ordinal is the split. */
function mark() {
  return heapsnapSamplingMarker();
}

/**
 * Stops sampling (after a full GC, which V8's profile read does first) and returns the live
 * samples since `start()`, oldest first: { size, ordinal, stack } with stack = frames
 * { functionName, url, line, column } innermost first (line and column 1-based). Samples
 * allocated by this module's own inspector calls are left out; markers come as { marker: true }.
 */
function stop() {
  const { profile } = post('HeapProfiler.stopSampling');
  const parent = new Map();
  const frames = new Map();
  const walk = (node, up) => {
    parent.set(node.id, up);
    const cf = node.callFrame;
    frames.set(node.id, { functionName: cf.functionName, url: cf.url, line: cf.lineNumber + 1, column: cf.columnNumber + 1 });
    for (const child of node.children) walk(child, node.id);
  };
  walk(profile.head, null);
  const stackOf = (nodeId) => {
    const out = [];
    for (let id = nodeId; id != null; id = parent.get(id)) {
      const f = frames.get(id);
      if (f.url || f.functionName) out.push(f);
    }
    return out;
  };
  const samples = [];
  for (const s of profile.samples) {
    const stack = stackOf(s.nodeId);
    const top = stack[0];
    const marker = top !== undefined && top.functionName === MARKER && top.url === __filename;
    if (!marker && isOwn(stack)) continue;
    samples.push({ size: s.size, ordinal: s.ordinal, stack, marker });
  }
  return samples.sort((a, b) => a.ordinal - b.ordinal);
}

/**
 * The assertions' own allocations: made by the inspector calls they make, or under their own
 * code: its frames, feedback vectors and compiled code, and what Node allocates for it, such as
 * the promise hooks' records of its awaits when an async hook tracks promise destruction (node
 * --test does: one 16-byte record per promise, alive until the hook has run). The innermost frame
 * that is neither Node's (`node:`) nor a builtin decides; `repeat` of guard.js, which calls the
 * code under test, is not its own: when that code is itself a builtin (a bound `push`), what it
 * allocates has no frame of the user's.
 */
function isOwn(stack) {
  if (stack.some((f) => f.url === INSPECTOR)) return true;
  const frame = stack.find((f) => f.url && !f.url.startsWith('node:'));
  return frame !== undefined && frame.url.startsWith(OWN_DIR) && !(frame.url === GUARD && frame.functionName === 'repeat');
}

/** Stops sampling without reading the profile (after an error or an abort). */
function cancel() {
  try {
    post('HeapProfiler.stopSampling');
  } catch {
    // not running any more
  }
}

/**
 * Splits samples at the markers: windows[0] before the first marker, windows[k] between marker k
 * and k+1, the last after the last marker. Markers themselves are dropped. One `mark()` can
 * leave two samples (V8 allocates the marker function's feedback vector on its eighth call, in
 * that function): samples with consecutive ordinals come from one call, as nothing else runs
 * between them, while between two calls something always allocates.
 */
function windows(samples) {
  const out = [[]];
  let last = -2;
  for (const s of samples) {
    if (!s.marker) out[out.length - 1].push(s);
    else if (s.ordinal !== last + 1) out.push([]);
    if (s.marker) last = s.ordinal;
  }
  return out;
}

/**
 * Where an object was allocated, for a person: the innermost function of the user's code on its
 * allocation stack (not Node's own `node:` modules, not this library) and its caller, as
 * "open (/app/sessions.js:14:1) ← (anonymous) (/app/sessions.test.js:9:30)". V8's allocation
 * stacks are made of functions: a position is where the function starts, not the `new`.
 */
function allocationSite(stack) {
  const user = stack.filter((f) => f.url && !f.url.startsWith('node:') && !f.url.startsWith(OWN_DIR));
  const notOurs = stack.filter((f) => !f.url.startsWith(OWN_DIR));
  const frames = (user.length ? user : notOurs.length ? notOurs : stack).slice(0, 2).map((f) => ({ functionName: f.functionName || '(anonymous)', url: f.url, line: f.line, column: f.column }));
  if (!frames.length) return null;
  const text = frames.map((f) => `${f.functionName} (${f.url ? `${f.url}:${f.line}:${f.column}` : 'native'})`).join(' ← ');
  return { ...frames[0], frames, text };
}

module.exports = { preventFolding, busy, start, mark, stop, cancel, windows, allocationSite };
