'use strict';
/**
 * The queries the explorer and the MCP server ask of one snapshot, paged and JSON-ready.
 *
 *     const m = await SnapshotModel.open(file, { onProgress, signal });
 *     m.classes({ filter, sort, offset, limit })   Summary rows   → { total, rows }
 *     m.instances(key, { offset, limit })          a class' objects by retained size
 *     m.node(id)                                   the inspector's object, or null
 *     m.edges(id, page) / m.retainers(id, page)    references out of / into an object
 *     m.dominated(id, page)                        children in the dominator tree
 *     m.search(q)                                  @id, class names, string contents
 *     compare(baseModel, model, …)                 DevTools' Comparison, and its objects
 *
 * Every answer is a page: nothing the size of the heap crosses to JS or to a client. Results
 * that are computed once per snapshot (the Summary, the Comparison, the duplicated strings) are
 * kept; per-object queries go to the engine each time.
 */
const { binding, runTask } = require('../native.js');
const { formatBytes, formatDistance } = require('../format.js');
const { HeapSnapshot, nativeOf } = require('../snapshot.js');

const NAME_IN_ROW = 300;
const NAME_IN_DETAIL = 10000;
const MAX_LIMIT = 1000;

/** Awaits a native task of the explorer, with its errors as coded JS errors. */
function task(start) {
  return runTask(() => start());
}

function page({ offset = 0, limit = 100 } = {}) {
  const o = Math.max(0, Math.floor(Number(offset) || 0));
  const l = Math.min(MAX_LIMIT, Math.max(0, Math.floor(Number(limit ?? 100))));
  return { offset: o, limit: Number.isFinite(l) ? l : 100 };
}

function clip(s, n) {
  return s.length > n ? s.slice(0, n) : s;
}

/** The fields of an object shown in lists (names clipped). */
function row(n) {
  return {
    id: n.id,
    type: n.type,
    name: clip(n.name, NAME_IN_ROW),
    className: n.className,
    selfSize: n.selfSize,
    retainedSize: n.retainedSize,
    distance: n.distance,
    reachability: n.reachability,
  };
}

const CLASS_SORTS = {
  retained: (a, b) => b.retainedSize - a.retainedSize,
  shallow: (a, b) => b.shallowSize - a.shallowSize,
  count: (a, b) => b.count - a.count,
  distance: (a, b) => a.distance - b.distance,
  name: (a, b) => (a.className < b.className ? -1 : a.className > b.className ? 1 : 0),
};

class SnapshotModel {
  #snap;
  #ex; // the engine's paged views (NativeExplorer)
  #summary = null;
  #diffs = new WeakMap();

  /** Opens and analyses a file, and builds the class index; `onProgress` as HeapSnapshot.open's. */
  static async open(file, options = {}) {
    const snap = await HeapSnapshot.open(file, options);
    const model = new SnapshotModel(snap, { file });
    try {
      await task(() => model.#ex.prepare());
    } catch (e) {
      model.dispose();
      throw e;
    }
    return model;
  }

  constructor(snap, { file } = {}) {
    this.#snap = snap;
    this.#ex = new binding.NativeExplorer(nativeOf(snap));
    this.file = file;
  }

  get snapshot() {
    return this.#snap;
  }

  info() {
    const s = this.#snap;
    return {
      file: this.file,
      nodeCount: s.nodeCount,
      edgeCount: s.edgeCount,
      totalSize: s.totalSize,
      rootId: s.rootId,
      maxJsObjectId: s.maxJsObjectId,
    };
  }

  statistics() {
    return this.#snap.statistics();
  }

  /** Summary rows (computed once). */
  summary() {
    this.#summary ??= this.#ex.classes();
    return this.#summary;
  }

  /** One Summary row by class key, or undefined. */
  classRow(key) {
    return this.summary().find((r) => r.key === key);
  }

  /** Summary rows: `filter` is a case-insensitive substring of the class name. */
  classes({ filter, sort = 'retained', ...p } = {}) {
    const { offset, limit } = page(p);
    let rows = this.summary();
    if (filter) {
      const f = String(filter).toLowerCase();
      rows = rows.filter((r) => r.className.toLowerCase().includes(f));
    }
    if (sort !== 'retained') rows = [...rows].sort(CLASS_SORTS[sort] ?? CLASS_SORTS.retained);
    return { total: rows.length, rows: rows.slice(offset, offset + limit) };
  }

  /**
   * The objects of one class, by retained size: a Summary key like ",Foo", or several keys
   * (one class name defined at several source locations). Unknown keys have no objects.
   */
  instances(key, p) {
    const { offset, limit } = page(p);
    const keys = Array.isArray(key) ? key.map(String) : [String(key)];
    if (keys.length === 1) return this.#ex.instances(keys[0], offset, limit) ?? { total: 0, rows: [] };
    // Several keys: the first offset + limit of each, merged.
    let total = 0;
    const all = [];
    for (const k of keys) {
      const r = this.#ex.instances(k, 0, offset + limit);
      if (!r) continue;
      total += r.total;
      all.push(...r.rows);
    }
    all.sort((a, b) => b.retainedSize - a.retainedSize || a.id - b.id);
    return { total, rows: all.slice(offset, offset + limit) };
  }

  /** The object inspector: every number, the retainer path, and where it comes from. */
  node(id) {
    const s = this.#snap;
    const n = s.node(id);
    if (!n) return null;
    const detail = {
      ...row(n),
      name: clip(n.name, NAME_IN_DETAIL),
      nameLength: n.name.length,
      classKey: n.classKey,
      rawSelfSize: n.rawSelfSize,
      dominatorId: n.dominatorId,
      edgeCount: n.edgeCount,
      retainerCount: n.retainerCount,
      detachedness: n.detachedness,
    };
    // The source location (node(id).location) and the allocation stack, where the snapshot
    // records them; absent otherwise.
    if (n.location) detail.location = n.location;
    const stack = typeof s.allocationStack === 'function' ? s.allocationStack(id) : null;
    if (stack) detail.allocationStack = stack;
    return detail;
  }

  /** References out of an object, in the file's order; null for an unknown id. */
  edges(id, p) {
    const { offset, limit } = page(p);
    return this.#ex.edges(Number(id), offset, limit);
  }

  /** References into an object, nearest to the roots first (DevTools' order); null for an unknown id. */
  retainers(id, p) {
    const { offset, limit } = page(p);
    return this.#ex.retainers(Number(id), offset, limit);
  }

  retainerPath(id) {
    return this.#snap.retainerPath(id);
  }

  /** Children of an object in the dominator tree (what it alone keeps alive), by retained size. */
  dominated(id, p) {
    const { offset, limit } = page(p);
    return this.#ex.dominated(Number(id), offset, limit);
  }

  /** Strings whose text occurs more than once, by the memory they take (found once, off the JS thread). */
  async duplicatedStrings(p) {
    const { offset, limit } = page(p);
    await task(() => this.#ex.duplicates());
    return this.#ex.duplicatesPage(offset, limit);
  }

  /**
   * `@123` (or a bare number) finds an object; other text finds classes whose name holds it
   * and strings whose text holds it (ASCII letters in any case).
   */
  async search(q, { limit = 50 } = {}) {
    const text = String(q ?? '').trim();
    const out = { query: text, nodes: [], classes: [], strings: [] };
    if (!text) return out;
    const m = /^@?(\d+)$/.exec(text);
    if (m) {
      const n = this.#snap.node(Number(m[1]));
      if (n) out.nodes.push(row(n));
    }
    const f = text.toLowerCase();
    out.classes = this.summary()
      .filter((r) => r.className.toLowerCase().includes(f))
      .slice(0, limit);
    if (!m) out.strings = await task(() => this.#ex.searchStrings(text, limit));
    return out;
  }

  /** The Comparison of this snapshot against `base` (computed once per base, off the JS thread). */
  async comparison(base) {
    let rows = this.#diffs.get(base);
    if (!rows) {
      rows = task(() => this.#ex.compare(base.#ex)).catch((e) => {
        this.#diffs.delete(base);
        throw e;
      });
      this.#diffs.set(base, rows);
    }
    return rows;
  }

  dispose() {
    this.#snap.dispose();
  }
}

const DIFF_SORTS = {
  size: (a, b) => Math.abs(b.sizeDelta) - Math.abs(a.sizeDelta),
  count: (a, b) => Math.abs(b.countDelta) - Math.abs(a.countDelta),
  added: (a, b) => b.addedCount - a.addedCount,
  removed: (a, b) => b.removedCount - a.removedCount,
  name: (a, b) => (a.className < b.className ? -1 : a.className > b.className ? 1 : 0),
};

/** Comparison rows (without object ids), paged; `filter` as in classes(). */
async function compare(base, model, { filter, sort = 'size', ...p } = {}) {
  const { offset, limit } = page(p);
  let rows = await model.comparison(base);
  if (filter) {
    const f = String(filter).toLowerCase();
    rows = rows.filter((r) => r.className.toLowerCase().includes(f));
  }
  rows = [...rows].sort(DIFF_SORTS[sort] ?? DIFF_SORTS.size);
  return {
    total: rows.length,
    rows: rows.slice(offset, offset + limit).map(({ addedIds, removedIds, ...r }) => r),
  };
}

/** The new (`added`, from `model`) or deleted (`removed`, from `base`) objects of one class. */
async function compareObjects(base, model, key, kind, p) {
  const { offset, limit } = page(p);
  const r = (await model.comparison(base)).find((x) => x.key === key);
  if (!r) return null;
  const ids = kind === 'removed' ? r.removedIds : r.addedIds;
  const from = kind === 'removed' ? base.snapshot : model.snapshot;
  return { total: ids.length, rows: ids.slice(offset, offset + limit).map((id) => row(from.node(id))) };
}

module.exports = { SnapshotModel, compare, compareObjects, page, row, formatBytes, formatDistance, CLASS_SORTS, DIFF_SORTS };
