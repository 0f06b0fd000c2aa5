'use strict';
/**
 * `HeapSnapshot` and its streaming `Parser`: a parsed and analysed heap snapshot held in native
 * memory, and the Node-shaped surface over it (Promises, AbortSignal, options objects, errors
 * with stable codes). The numbers are the engine's, equal to Chrome DevTools' on the same file.
 */
const fs = require('node:fs');
const { binding, runTask } = require('./native.js');
const { pump, pushSink } = require('./streams.js');
const { toPath } = require('./fs.js');
const { formatBytes } = require('./format.js');
const { memoryBudget } = require('./memory.js');
const {
  codedError,
  memoryError,
  invalidArgType,
  optionsObject,
  validateAbortSignal,
  validateFunction,
  validateNumber,
  validateInteger,
  validateBoolean,
  throwIfAborted,
} = require('./errors.js');
const { openThroughCache } = require('./cache/open.js');

/** Validates the options of calls that run off the JS thread: { signal, onProgress, maxMemory }. */
function taskOptions(options, name = 'options') {
  const o = optionsObject(options, name);
  validateAbortSignal(o.signal, `${name}.signal`);
  if (o.onProgress !== undefined) validateFunction(o.onProgress, `${name}.onProgress`);
  if (o.maxMemory !== undefined) validateNumber(o.maxMemory, `${name}.maxMemory`, 0);
  return o;
}

/** The native open options: `mmap` (default false) and `traceMemory` (memory per phase, see `memory`). */
function openOptions(o) {
  if (o.mmap !== undefined) validateBoolean(o.mmap, 'options.mmap');
  if (o.traceMemory !== undefined) validateBoolean(o.traceMemory, 'options.traceMemory');
  return { mmap: o.mmap ?? false, traceMemory: o.traceMemory ?? false };
}

/**
 * Memory an open needs (parse + analysis), from the file's size: measured peak RSS above the
 * process's own (`node benchmark/bench.mjs --sizes medium,large --scale 5`): 1.41× a 150 MB file,
 * 1.26× 1 GB, 1.17× 5.6 GB; what does not grow with the file (thread stacks, allocator arenas) is
 * under the fixed part.
 */
const MEMORY_PER_BYTE = 1.3;
const MEMORY_FIXED = 64 * 2 ** 20;
const memoryNeed = (bytes) => Math.ceil(bytes * MEMORY_PER_BYTE + MEMORY_FIXED);
const mb = (n) => formatBytes(n, { unit: 'MB', digits: 0 });

/** `{ bytes, source }`: `maxMemory` if given, else the default budget (lib/memory.js). */
function memoryLimit(maxMemory) {
  return maxMemory == null ? memoryBudget() : { bytes: maxMemory, source: 'maxMemory' };
}

function tooBig(what, size, need, limit, props) {
  const why = limit.source === 'maxMemory' ? '(maxMemory)' : `(${limit.source}; pass { maxMemory } to change it)`;
  return memoryError(`${what} (${mb(size)}) needs about ${mb(need)} of memory, more than the ${mb(limit.bytes)} allowed ${why}`, props);
}

/**
 * Fails early, with ERR_HEAPSNAP_MEMORY, when a file would need more memory than allowed:
 * `maxMemory` bytes, by default 80% of what this process may still take (the least of the
 * available memory, its cgroup limit and its address space limit: lib/memory.js).
 */
function checkMemory(path, maxMemory) {
  let size;
  try {
    size = fs.statSync(path).size;
  } catch {
    return; // the native open reports a missing or unreadable file with ERR_HEAPSNAP_IO
  }
  const need = memoryNeed(size);
  const limit = memoryLimit(maxMemory);
  if (need > limit.bytes) throw tooBig(`parsing ${path}`, size, need, limit, { path });
}

/**
 * What is at `path` when it is not a file the engine can read window by window: 'fifo',
 * 'device' (a character device) or 'socket'; null for a regular file (or anything the native
 * open reports itself: missing, a directory).
 */
function specialFile(path) {
  let st;
  try {
    st = fs.statSync(path);
  } catch {
    return null;
  }
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'device';
  if (st.isSocket()) return 'socket';
  return null;
}

/**
 * A readable stream of a FIFO, character device or Unix socket. A FIFO is opened non-blocking
 * and read through the event loop (libuv's pipe), so one without a writer waits there — it
 * never holds a thread in open(2) or read(2), and an abort (which destroys the stream) lets the
 * process exit.
 */
async function specialStream(path, kind) {
  const net = require('node:net'); // loaded here: most programs only open regular files
  if (kind === 'socket') return net.connect({ path });
  const c = fs.constants;
  if (kind === 'fifo') {
    const fd = fs.openSync(path, c.O_RDONLY | c.O_NONBLOCK);
    return new net.Socket({ fd, readable: true, writable: false });
  }
  return fs.createReadStream(path);
}

function stateError(message) {
  return codedError('ERR_HEAPSNAP_STATE', message);
}

function toChunk(chunk) {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw invalidArgType('chunk', 'a Buffer, Uint8Array or string', chunk);
}

/**
 * Streaming parser: push chunks as they arrive (e.g. from `v8.getHeapSnapshot()`), then
 * `await finish()`. The text is never held whole; the graph lives in native memory.
 *
 * `new Parser({ maxMemory })`: like a file's, the memory a stream may make the parser take is
 * capped (by default at 80% of what this process may still take, lib/memory.js): a `push` that
 * would pass it throws ERR_HEAPSNAP_MEMORY, so an endless stream stops instead of growing until
 * the process dies. `push` after `finish()` was called throws ERR_HEAPSNAP_STATE, as does any
 * use after a push failed.
 */
class Parser {
  #native = new binding.NativeParser();
  #bytes;
  #pushed = 0;
  #limit;
  #state = 'open'; // 'open' | 'finishing' | 'failed'
  constructor(options) {
    const o = optionsObject(options);
    if (o.maxMemory !== undefined) validateNumber(o.maxMemory, 'options.maxMemory', 0);
    this.#limit = memoryLimit(o.maxMemory);
  }
  #assertOpen(what) {
    if (this.#state === 'finishing') throw stateError(`${what}: the parser is finishing (finish() was called); push() is only allowed before`);
    if (this.#state === 'failed') throw stateError(`${what}: an earlier push() failed; start a new Parser`);
  }
  /** Parses one chunk; throws ERR_HEAPSNAP_PARSE as soon as the input is known to be bad. */
  push(chunk) {
    this.#assertOpen('push()');
    const bytes = toChunk(chunk);
    const total = this.#pushed + bytes.length;
    const need = memoryNeed(total);
    if (need > this.#limit.bytes) {
      this.#state = 'failed';
      throw tooBig('parsing the snapshot stream, so far', total, need, this.#limit);
    }
    try {
      this.#native.push(bytes);
    } catch (err) {
      this.#state = 'failed';
      throw err;
    }
    this.#pushed = total;
    return this;
  }
  /** Bytes consumed so far. */
  get bytesRead() {
    return this.#bytes ?? this.#native.bytes;
  }
  /** Ends the input; the analysis runs off the JS thread. */
  async finish(options) {
    this.#assertOpen('finish()');
    const o = taskOptions(options);
    this.#state = 'finishing';
    this.#bytes = this.#native.bytes;
    return new HeapSnapshot(await runTask((control) => this.#native.finish(control), o));
  }
  finishSync() {
    this.#assertOpen('finishSync()');
    this.#state = 'finishing';
    this.#bytes = this.#native.bytes;
    return new HeapSnapshot(this.#native.finishSync());
  }
}

let nativeOf; // (HeapSnapshot) → NativeSnapshot, for lib/leaks.js; set in the class's static block

/** A parsed and analysed heap snapshot; numbers equal Chrome DevTools' on the same file. */
class HeapSnapshot {
  #native;
  static {
    nativeOf = (snap) => {
      if (!(snap instanceof HeapSnapshot)) throw invalidArgType('snapshot', 'a HeapSnapshot', snap);
      return snap.#native;
    };
  }

  constructor(nat) {
    if (!(nat instanceof binding.NativeSnapshot)) {
      throw new TypeError('use HeapSnapshot.open(), HeapSnapshot.openSync() or new HeapSnapshot.Parser()');
    }
    this.#native = nat;
    for (const w of nat.warnings) process.emitWarning(w, { code: 'HEAPSNAP_INPUT' });
  }

  /**
   * Parses and analyses a file (a path or a file: URL) off the JS thread. `{ cache: true }`
   * keeps the analysis in the user's cache directory and reads it back on the next open of the
   * same, unchanged file (lib/cache).
   * A FIFO (`<(cat f)`), character device or Unix socket is read as a stream (`fromStream`,
   * same memory cap; never cached).
   */
  static async open(path, options) {
    const p = toPath(path, 'path');
    const o = taskOptions(options);
    if (o.cache !== undefined) validateBoolean(o.cache, 'options.cache');
    const special = specialFile(p);
    if (special) {
      throwIfAborted(o.signal);
      return HeapSnapshot.fromStream(await specialStream(p, special), o);
    }
    const native = openOptions(o);
    return openThroughCache(p, o, {
      formatVersion: binding.analysisFormatVersion(),
      fresh: async () => {
        checkMemory(p, o.maxMemory);
        return new HeapSnapshot(await runTask((control) => binding.openFile(p, control, native), o));
      },
      load: (entry, key) => runTask((control) => binding.loadAnalysis(entry, key, control), o),
      save: (snap, temp, key) => new binding.AnalysisWriter(snap.#native).save(temp, key),
      wrap: (nat) => new HeapSnapshot(nat),
    });
  }

  static openSync(path, options) {
    const p = toPath(path, 'path');
    const o = optionsObject(options);
    if (o.maxMemory !== undefined) validateNumber(o.maxMemory, 'options.maxMemory', 0);
    const native = openOptions(o);
    const special = specialFile(p);
    if (special) {
      throw codedError('ERR_HEAPSNAP_IO', `cannot read ${p} synchronously: it is a ${special === 'fifo' ? 'FIFO' : special}, which could block this thread forever; use HeapSnapshot.open()`, { path: p });
    }
    checkMemory(p, o.maxMemory);
    return new HeapSnapshot(binding.openFileSync(p, native));
  }

  /** Parses a snapshot from a readable stream (or any async iterable of chunks). */
  static async fromStream(stream, options) {
    const o = taskOptions(options);
    if (stream === null || (typeof stream !== 'object' && typeof stream !== 'function') || (typeof stream.pipe !== 'function' && typeof stream[Symbol.asyncIterator] !== 'function')) {
      throw invalidArgType('stream', 'a Readable stream or an async iterable of chunks', stream);
    }
    throwIfAborted(o.signal);
    const parser = new Parser({ maxMemory: o.maxMemory });
    await pump(stream, pushSink((chunk) => parser.push(chunk)), { signal: o.signal, what: 'the snapshot stream' });
    return parser.finish(o);
  }

  get nodeCount() {
    return this.#native.nodeCount;
  }
  get edgeCount() {
    return this.#native.edgeCount;
  }
  /** DevTools' total: retained size of the root plus extra_native_bytes. */
  get totalSize() {
    return this.#native.totalSize;
  }
  get rootId() {
    return this.#native.rootId;
  }
  /** Largest odd (JS heap) object id: the boundary DevTools uses for "allocated between snapshots". */
  get maxJsObjectId() {
    return this.#native.maxJsObjectId;
  }
  /** Bytes of snapshot text parsed. */
  get inputBytes() {
    return this.#native.inputBytes;
  }
  /** Milliseconds spent per phase: { parse, graph, flags, dominators, distances, classes, statistics }. */
  get timings() {
    return Object.fromEntries(this.#native.timings());
  }
  /** With `open(path, { traceMemory: true })`: `{ [phase]: { rss, peakRss } }` in bytes, else `{}`. */
  get memory() {
    const phases = this.#native.phases();
    return Object.fromEntries(phases.filter((p) => p.rss != null).map((p) => [p.phase, { rss: p.rss, peakRss: p.peakRss }]));
  }
  /**
   * What was odd about the file but accepted, as DevTools accepts it (e.g. an edge name outside the
   * string table, shown as an empty name); each was also emitted as a process warning (HEAPSNAP_INPUT).
   */
  get warnings() {
    return this.#native.warnings;
  }
  get disposed() {
    return this.#native.disposed;
  }

  /** The Summary view: one row per class key, by retained size descending. */
  summary(options) {
    const o = optionsObject(options);
    if (o.limit != null) validateNumber(o.limit, 'options.limit', 0);
    let rows = this.#native.summary();
    if (o.filter) {
      const re = o.filter instanceof RegExp ? o.filter : new RegExp(o.filter);
      rows = rows.filter((r) => re.test(r.className));
    }
    if (o.limit != null) rows = rows.slice(0, o.limit);
    return rows;
  }

  /** The Statistics view, in the shape of DevTools' getStatistics(). */
  statistics() {
    const s = this.#native.statistics();
    return {
      total: s.total,
      native: { total: s.nativeTotal, typedArrays: s.typedArrays },
      v8heap: { total: s.v8HeapTotal ?? s.v8heapTotal, code: s.code, strings: s.strings, jsArrays: s.jsArrays, system: s.system },
    };
  }

  /** One node by id, or null. */
  node(id) {
    return this.#native.node(Number(id)) ?? null;
  }
  /** One node by ordinal (position in the file), or null. */
  nodeAt(ordinal) {
    return this.#native.nodeAt(ordinal >>> 0) ?? null;
  }
  /** The exact display name of a node as UTF-16 (keeps lone surrogates that UTF-8 cannot carry). */
  nodeNameUtf16(ordinal) {
    const units = this.#native.nameUtf16(ordinal >>> 0);
    let s = '';
    for (let i = 0; i < units.length; i += 8192) s += String.fromCharCode(...units.slice(i, i + 8192));
    return s;
  }
  ordinalOf(id) {
    return this.#native.ordinalOf(Number(id));
  }
  /** Outgoing edges: [{ type, name, toId }], or null for an unknown id. */
  edges(id) {
    const rows = this.#native.edges(Number(id));
    return rows ? rows.map((e) => ({ type: e.type, name: e.name, toId: e.id })) : null;
  }
  /** Incoming edges: [{ type, name, fromId }], or null for an unknown id. */
  retainers(id) {
    const rows = this.#native.retainers(Number(id));
    return rows ? rows.map((e) => ({ type: e.type, name: e.name, fromId: e.id })) : null;
  }
  /** Ids of the live instances of a class: by name ("Foo"), or by a Summary row's exact key (",Map", "81,0,23,Foo"). */
  instances(className) {
    return this.#native.instances(String(className));
  }
  /** Every per-node number as typed arrays indexed by ordinal (bulk access). */
  columns() {
    return this.#native.columns();
  }
  /**
   * DevTools' Retainers tree of an object: `{ node, edge, children, cycle, omitted }`, the
   * object at the top with `edge: null`; each child is a retainer with the edge by which it
   * holds its parent (`{ type, name, label }`), sorted nearest to a root first. `depth`
   * (default 4) and `maxNodes` (default 200) cut it; `omitted` counts retainers left out, and
   * a retainer already on the branch above is marked `cycle` and not expanded. Null for an
   * unknown id.
   */
  retainerTree(id, options) {
    const o = optionsObject(options);
    if (o.depth !== undefined) validateInteger(o.depth, 'options.depth', 0, 1000);
    if (o.maxNodes !== undefined) validateInteger(o.maxNodes, 'options.maxNodes', 1, 1_000_000);
    const flat = this.#native.retainerTree(Number(id), { depth: o.depth, maxNodes: o.maxNodes });
    if (!flat) return null;
    const entries = flat.map((e) => ({
      edge: e.parent < 0 ? null : { type: e.edgeType, name: e.edgeName, label: e.edgeLabel },
      node: e.node,
      children: [],
      cycle: e.cycle,
      omitted: e.omitted,
    }));
    flat.forEach((e, i) => e.parent >= 0 && entries[e.parent].children.push(entries[i]));
    return entries[0];
  }
  /**
   * The call stack that allocated an object, innermost frame first:
   * [{ functionName, url, scriptId, line, column }] (1-based line and column, 0 when unknown),
   * or null when the snapshot was taken without allocation tracking or the object is older.
   */
  allocationStack(id) {
    return this.#native.allocationStack(Number(id)) ?? null;
  }
  /** True when the snapshot was taken with allocation tracking (allocationStack() can answer). */
  get hasAllocationStacks() {
    return this.#native.hasAllocationStacks;
  }
  /** The shortest retainer path of an object from a root: { root, steps, text }, or null. */
  retainerPath(id) {
    return this.#native.retainerPath(Number(id)) ?? null;
  }
  /**
   * Summary of the objects allocated after `base` was taken (DevTools' "Objects allocated
   * between snapshots"): ids above base's largest JS object id, up to this one's.
   */
  allocatedSince(base) {
    const min = base instanceof HeapSnapshot ? base.maxJsObjectId : Number(base);
    return this.#native.summaryIdRange(min, this.maxJsObjectId);
  }
  /** Strings whose text occurs more than once: [{ value, count, totalSelfSize, totalRetainedSize, sampleIds }]. */
  duplicatedStrings(options) {
    const { limit } = optionsObject(options);
    if (limit != null) validateInteger(limit, 'options.limit', 0);
    return this.#native.duplicatedStrings(limit);
  }
  /** Frees the native memory now; the object is unusable afterwards. */
  dispose() {
    this.#native.dispose();
  }
  [Symbol.dispose]() {
    this.dispose();
  }
}

HeapSnapshot.Parser = Parser;

module.exports = { HeapSnapshot, Parser, nativeOf, taskOptions, specialFile };
