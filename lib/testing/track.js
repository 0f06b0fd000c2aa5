'use strict';
/**
 * `track(object, label?)` → handle; `await handle.assertCollected()` / `assertCollected(...handles)`:
 * "this object must be garbage by now", and if it is not, the path that keeps it.
 *
 * The handle holds the object through a `WeakRef` only, so tracking never keeps anything alive.
 * After a GC, a cleared WeakRef means collected: the assertion passes with one GC and no
 * snapshot. Otherwise the heap is settled (callbacks that still held it get to run) and, if it is
 * still alive, one snapshot is taken and the object is found in it through the handle itself: the handle is
 * an instance of a class with a distinctive name, `HeapsnapTrackHandle`, whose `key` property is
 * a string unique to it and whose `weakRef` property's weak `target` edge points at the object.
 *
 * Why not the object's heap id from the inspector at `track()` time: V8's
 * `HeapProfiler.getHeapObjectId` only looks ids up (HeapObjectsMap::FindEntry); for an object no
 * snapshot has seen yet it returns "0" (verified in the tests), and ids are handed out by the next
 * snapshot. Walking from the handle needs no inspector session either, so it works the same in
 * worker threads and inside jest's vm contexts, where `Runtime.evaluate` would look at the wrong
 * global.
 */
const { randomUUID } = require('node:crypto');
const { LeakError } = require('./leak-error.js');
const { settle, getGc, tick } = require('./settle.js');
const { withSnapshot } = require('./snapshot.js');
const { invalidArgType } = require('../errors.js');

const HANDLE_CLASS = 'HeapsnapTrackHandle';
const prefix = `heapsnap-track-${randomUUID()}-`;
let seq = 0;

function describe(value) {
  const ctor = value && value.constructor && value.constructor.name;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  return ctor || 'Object';
}

class HeapsnapTrackHandle {
  constructor(object, label) {
    if ((object === null || typeof object !== 'object') && typeof object !== 'function') throw invalidArgType('object', 'an object or a function', object);
    // Non-enumerable, so printing a handle stays short; still plain properties in the snapshot.
    Object.defineProperties(this, {
      key: { value: `${prefix}${++seq}` },
      weakRef: { value: new WeakRef(object) },
    });
    this.label = label === undefined ? describe(object) : String(label);
  }

  /** True when the object has been collected. (Reading it keeps a live object alive until the current task ends.) */
  get collected() {
    return this.weakRef.deref() === undefined;
  }

  /** Resolves when the object is garbage; throws a LeakError with its retainer path otherwise. */
  assertCollected(options) {
    return options === undefined ? assertCollected(this) : assertCollected(this, options);
  }
}

/** Starts watching `object`; the returned handle does not keep it alive. */
function track(object, label) {
  return new HeapsnapTrackHandle(object, label);
}

/** The tracked object's id in `snap`, found through the handle's weak `target` edge, or 0. */
function findTrackedId(snap, handles) {
  const wanted = new Map(handles.map((h) => [h.key, h]));
  const found = new Map();
  for (const hid of snap.instances(HANDLE_CLASS)) {
    const edges = snap.edges(hid) || [];
    const keyEdge = edges.find((e) => e.type === 'property' && e.name === 'key');
    const refEdge = edges.find((e) => e.type === 'property' && e.name === 'weakRef');
    if (!keyEdge || !refEdge) continue;
    const key = snap.node(keyEdge.toId)?.name;
    const handle = wanted.get(key);
    if (!handle) continue;
    const target = (snap.edges(refEdge.toId) || []).find((e) => e.name === 'target');
    if (target) found.set(handle, target.toId);
  }
  return found;
}

function isHandle(h) {
  return h instanceof HeapsnapTrackHandle;
}

/**
 * Asserts that every tracked object was collected. Accepts handles as arguments, with an optional
 * trailing options object ({ signal }).
 */
async function assertCollected(...args) {
  let options = {};
  while (args.length && args[args.length - 1] === undefined) args.pop();
  const last = args[args.length - 1];
  if (args.length > 1 && last && typeof last === 'object' && !isHandle(last) && !Array.isArray(last)) options = args.pop();
  const handles = args.flat();
  for (const h of handles) {
    if (!isHandle(h)) throw invalidArgType('handles', 'handles returned by track()', h);
  }
  // Fast path, one GC: end the current task first (a WeakRef keeps its target alive until the
  // task that created or read it ends), then collect.
  await tick();
  getGc()();
  if (handles.every((h) => h.weakRef.deref() === undefined)) return;
  // Something held them until a callback ran, or they are alive: settle properly (deref() above
  // kept the live ones until this task ends; settle's turns end it before its second GC).
  await settle();
  const alive = handles.filter((h) => h.weakRef.deref() !== undefined);
  if (!alive.length) return;

  const leaks = await withSnapshot((snap) => {
    const ids = findTrackedId(snap, alive);
    const out = [];
    for (const h of alive) {
      const id = ids.get(h);
      if (!id) continue; // collected by the snapshot's own GC
      const node = snap.node(id);
      const path = snap.retainerPath(id);
      out.push({
        label: h.label,
        id,
        className: node?.className ?? null,
        retainedSize: node?.retainedSize ?? 0,
        path: path ? path.text : '(no path from a root: held only by V8 internals or the stack)',
        pathSteps: path ? path.steps : [],
      });
    }
    return out;
  }, options);
  if (!leaks.length) return;
  const lines = [`${leaks.length} tracked object${leaks.length === 1 ? ' is' : 's are'} still alive after GC:`];
  for (const l of leaks) {
    lines.push(`  "${l.label}" (${l.className} @${l.id}), retained by:`);
    lines.push(`    ${l.path}`);
  }
  const err = new LeakError(lines.join('\n'), { kind: 'assertCollected', leaks });
  Error.captureStackTrace?.(err, assertCollected);
  throw err;
}

module.exports = { track, assertCollected };
