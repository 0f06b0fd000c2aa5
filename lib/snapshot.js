'use strict';
/**
 * `HeapSnapshot` and its streaming `Parser`: a parsed and analysed heap snapshot held in native
 * memory, and the Node-shaped surface over it (Promises, AbortSignal, options objects, errors
 * with stable codes). The numbers are the engine's, equal to Chrome DevTools' on the same file.
 */
const fs = require('node:fs');
const os = require('node:os');
const { binding, runTask } = require('./native.js');
const { pump, pushSink } = require('./streams.js');
const { toPath } = require('./fs.js');
const { formatBytes } = require('./format.js');
const {
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

/** The native open options: `mmap` (default true) and `traceMemory` (memory per phase, see `memory`). */
function openOptions(o) {
  if (o.mmap !== undefined) validateBoolean(o.mmap, 'options.mmap');
  if (o.traceMemory !== undefined) validateBoolean(o.traceMemory, 'options.traceMemory');
  return { mmap: o.mmap ?? true, traceMemory: o.traceMemory ?? false };
}

/**
 * Fails early, with ERR_HEAPSNAP_MEMORY, when a file would need more memory than allowed:
 * `maxMemory` bytes, by default 80% of the memory the OS reports available. The estimate is
 * 1.6 × the file size (measured peak: 1.47× on a 1 GB snapshot).
 */
function checkMemory(path, maxMemory) {
  let size;
  try {
    size = fs.statSync(path).size;
  } catch {
    return; // the native open reports a missing or unreadable file with ERR_HEAPSNAP_IO
  }
  const limit = maxMemory ?? Math.floor(os.freemem() * 0.8);
  const need = Math.ceil(size * 1.6);
  if (need > limit) {
    const mb = (n) => formatBytes(n, { unit: 'MB', digits: 0 });
    throw memoryError(
      `parsing ${path} (${mb(size)}) needs about ${mb(need)} of memory, more than the ${mb(limit)} allowed` +
        (maxMemory == null ? ' (80% of the available memory; pass { maxMemory } to change it)' : ' (maxMemory)'),
      { path },
    );
  }
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
 */
class Parser {
  #native = new binding.NativeParser();
  #bytes;
  /** Parses one chunk; throws ERR_HEAPSNAP_PARSE as soon as the input is known to be bad. */
  push(chunk) {
    const bytes = toChunk(chunk);
    this.#native.push(bytes);
    return this;
  }
  /** Bytes consumed so far. */
  get bytesRead() {
    return this.#bytes ?? this.#native.bytes;
  }
  /** Ends the input; the analysis runs off the JS thread. */
  async finish(options) {
    const o = taskOptions(options);
    this.#bytes = this.#native.bytes;
    return new HeapSnapshot(await runTask((control) => this.#native.finish(control), o));
  }
  finishSync() {
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
  }

  /**
   * Parses and analyses a file (a path or a file: URL) off the JS thread. `{ cache: true }`
   * keeps the analysis in the user's cache directory and reads it back on the next open of the
   * same, unchanged file (lib/cache).
   */
  static async open(path, options) {
    const p = toPath(path, 'path');
    const o = taskOptions(options);
    if (o.cache !== undefined) validateBoolean(o.cache, 'options.cache');
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
    const parser = new Parser();
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

module.exports = { HeapSnapshot, Parser, nativeOf, taskOptions };
