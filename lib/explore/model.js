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
const { formatBytes } = require('../format.js');

/** DevTools' sentinel for "reachable only from system roots"; negative is unreachable. */
const NO_DISTANCE = 100000000;
const NAME_IN_ROW = 300;
const NAME_IN_DETAIL = 10000;
const MAX_LIMIT = 1000;

function snapshotApi() {
  return { HeapSnapshot: require('../snapshot.js').HeapSnapshot, diff: require('../leaks.js').diff };
}

function page({ offset = 0, limit = 100 } = {}) {
  const o = Math.max(0, Math.floor(Number(offset) || 0));
  const l = Math.min(MAX_LIMIT, Math.max(0, Math.floor(Number(limit ?? 100))));
  return { offset: o, limit: Number.isFinite(l) ? l : 100 };
}

function clip(s, n) {
  return s.length > n ? s.slice(0, n) : s;
}

function distanceText(d) {
  return d < 0 || d >= NO_DISTANCE ? '−' : String(d);
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
  #summary = null;
  #instances = new Map(); // class key → ids by retained size (a few, most recent kept)
  #dominatorChildren = null;
  #dupes = null;
  #columns = null;
  #diffs = new WeakMap();

  /** Opens and analyses a file; `onProgress` as HeapSnapshot.open's. */
  static async open(file, options = {}) {
    const { HeapSnapshot } = snapshotApi();
    const snap = await HeapSnapshot.open(file, options);
    return new SnapshotModel(snap, { file });
  }

  constructor(snap, { file } = {}) {
    this.#snap = snap;
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
    this.#summary ??= this.#snap.summary();
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

  #instanceIds(keys) {
    const cacheKey = keys.join('\u0000');
    let ids = this.#instances.get(cacheKey);
    if (!ids) {
      const s = this.#snap;
      const nodes = keys.flatMap((k) => s.instances(k)).map((id) => s.node(id));
      nodes.sort((a, b) => b.retainedSize - a.retainedSize || a.id - b.id);
      ids = nodes.map((n) => n.id);
      this.#instances.set(cacheKey, ids);
      if (this.#instances.size > 8) this.#instances.delete(this.#instances.keys().next().value);
    }
    return ids;
  }

  /**
   * The objects of one class, by retained size: a Summary key like ",Foo", or several keys
   * (one class name defined at several source locations).
   */
  instances(key, p) {
    const { offset, limit } = page(p);
    const ids = this.#instanceIds(Array.isArray(key) ? key.map(String) : [String(key)]);
    return { total: ids.length, rows: ids.slice(offset, offset + limit).map((id) => row(this.#snap.node(id))) };
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
    // Source locations and allocation stacks, where the API knows them.
    if (typeof s.location === 'function') detail.location = s.location(id) ?? null;
    if (typeof s.allocationStack === 'function') detail.allocationStack = s.allocationStack(id) ?? null;
    return detail;
  }

  /** References out of an object, in the file's order. */
  edges(id, p) {
    const { offset, limit } = page(p);
    const all = this.#snap.edges(id);
    if (!all) return null;
    return {
      total: all.length,
      rows: all.slice(offset, offset + limit).map((e) => ({ type: e.type, name: e.name, node: row(this.#snap.node(e.toId)) })),
    };
  }

  /** References into an object, nearest to the roots first (DevTools' order). */
  retainers(id, p) {
    const { offset, limit } = page(p);
    const s = this.#snap;
    const all = s.retainers(id);
    if (!all) return null;
    const rows = all.map((r) => ({ type: r.type, name: r.name, node: s.node(r.fromId) }));
    const rank = (d) => (d < 0 ? Infinity : d);
    rows.sort((a, b) => rank(a.node.distance) - rank(b.node.distance));
    return { total: rows.length, rows: rows.slice(offset, offset + limit).map((r) => ({ type: r.type, name: r.name, node: row(r.node) })) };
  }

  retainerPath(id) {
    return this.#snap.retainerPath(id);
  }

  #children() {
    if (!this.#dominatorChildren) {
      const c = this.#columnsOnce();
      const n = c.ids.length;
      const first = new Uint32Array(n + 1);
      const root = this.#snap.ordinalOf(this.#snap.rootId);
      for (let v = 0; v < n; v++) if (v !== root) first[c.dominators[v] + 1]++;
      for (let v = 0; v < n; v++) first[v + 1] += first[v];
      const at = first.slice(0, n);
      const kids = new Uint32Array(n);
      for (let v = 0; v < n; v++) if (v !== root) kids[at[c.dominators[v]]++] = v;
      this.#dominatorChildren = { first, kids };
    }
    return this.#dominatorChildren;
  }

  #columnsOnce() {
    this.#columns ??= this.#snap.columns();
    return this.#columns;
  }

  /** Children of an object in the dominator tree (what it alone keeps alive), by retained size. */
  dominated(id, p) {
    const { offset, limit } = page(p);
    const s = this.#snap;
    const v = s.ordinalOf(id);
    if (v < 0) return null;
    const { first, kids } = this.#children();
    const c = this.#columnsOnce();
    const mine = Array.from(kids.subarray(first[v], first[v + 1]));
    mine.sort((a, b) => c.retainedSizes[b] - c.retainedSizes[a] || a - b);
    return { total: mine.length, rows: mine.slice(offset, offset + limit).map((o) => row(s.nodeAt(o))) };
  }

  /** Strings whose text occurs more than once (computed once). */
  duplicatedStrings(p) {
    const { offset, limit } = page(p);
    this.#dupes ??= this.#snap.duplicatedStrings({ limit: 10000 });
    return {
      total: this.#dupes.length,
      rows: this.#dupes.slice(offset, offset + limit).map((g) => ({ ...g, value: clip(g.value, NAME_IN_ROW), valueLength: g.value.length })),
    };
  }

  /**
   * `@123` (or a bare number) finds an object; other text finds classes whose name holds it
   * and strings whose text holds it (case-insensitive).
   */
  search(q, { limit = 50 } = {}) {
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
    if (!m) out.strings = this.#searchStrings(f, limit);
    return out;
  }

  #searchStrings(f, limit) {
    const s = this.#snap;
    const c = this.#columnsOnce();
    const stringTypes = new Set(['string', 'concatenated string', 'sliced string'].map((t) => c.typeNames.indexOf(t)).filter((i) => i >= 0));
    const hits = [];
    for (let v = 0; v < c.ids.length && hits.length < limit; v++) {
      if (!stringTypes.has(c.types[v])) continue;
      const n = s.nodeAt(v);
      if (n.name.toLowerCase().includes(f)) hits.push(row(n));
    }
    return hits;
  }

  /** The Comparison of this snapshot against `base` (computed once per base). */
  async comparison(base) {
    let rows = this.#diffs.get(base);
    if (!rows) {
      const { diff } = snapshotApi();
      rows = await diff(base.snapshot, this.#snap);
      this.#diffs.set(base, rows);
    }
    return rows;
  }

  dispose() {
    this.#columns = null;
    this.#dominatorChildren = null;
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

module.exports = { SnapshotModel, compare, compareObjects, page, row, distanceText, formatBytes, NO_DISTANCE, CLASS_SORTS, DIFF_SORTS };
