// Type definitions for heapsnap: capture, parse, diff and explain V8 heap snapshots natively.

/** Options of calls that run off the JS thread. */
export interface TaskOptions {
  /** Cancels the work; the promise rejects with an `AbortError` (`code: 'ABORT_ERR'`). */
  signal?: AbortSignal;
  /** Called about every 100 ms while the work runs, and once at the end. */
  onProgress?: (progress: Progress) => void;
}

export interface Progress {
  phase: 'queued' | 'parse' | 'analyze' | 'done';
  bytesRead: number;
  totalBytes: number;
}

/** One row of DevTools' Summary view. */
export interface SummaryRow {
  /** DevTools' class key: `",Foo"`, or `"scriptId,line,col,Foo"` for a located constructor. */
  key: string;
  className: string;
  count: number;
  /** Σ shallow size (after DevTools' redistribution) of the class' objects. */
  shallowSize: number;
  /** Retained size of the class, never counting an object twice. */
  retainedSize: number;
  /** Minimum distance of the class' objects (see {@link NodeInfo.distance}). */
  distance: number;
}

/** DevTools' Statistics view (`getStatistics()`). */
export interface Statistics {
  total: number;
  native: { total: number; typedArrays: number };
  v8heap: { total: number; code: number; strings: number; jsArrays: number; system: number };
}

export interface NodeInfo {
  id: number;
  /** Position of the node in the file. */
  ordinal: number;
  /** V8 node type: 'object', 'closure', 'string', 'native', 'hidden', 'array', … */
  type: string;
  /** DevTools' display name (plain objects as `{a, b}`, concatenated strings joined). */
  name: string;
  className: string;
  classKey: string;
  /** Shallow size as DevTools shows it (after redistribution of owned internal arrays). */
  selfSize: number;
  /** The file's own self_size value. */
  rawSelfSize: number;
  retainedSize: number;
  /**
   * DevTools' distance: BFS depth from the user roots (the `global` object in Node) over
   * non-weak edges. Special values, as DevTools stores them: `-5` = unreachable (held only
   * through weak edges or by nobody); `>= 100000000` = reachable only from system roots
   * (DevTools shows "−" for both).
   */
  distance: number;
  /** Id of the immediate dominator (the root's is its own). */
  dominatorId: number;
  edgeCount: number;
  retainerCount: number;
  /** 0 unknown, 1 attached, 2 detached (after DevTools' propagation). */
  detachedness: number;
}

export interface Edge {
  /** 'context' | 'element' | 'property' | 'internal' | 'hidden' | 'shortcut' | 'weak' */
  type: string;
  /** Property name, or the index as a string for element/hidden edges. */
  name: string;
  toId: number;
}

export interface Retainer {
  type: string;
  name: string;
  fromId: number;
}

/** Every per-node number, indexed by ordinal. */
export interface Columns {
  ids: Float64Array;
  types: Uint8Array;
  selfSizes: Float64Array;
  rawSelfSizes: Float64Array;
  retainedSizes: Float64Array;
  distances: Int32Array;
  /** Ordinal of each node's immediate dominator. */
  dominators: Uint32Array;
  /** Index into `classNames`. */
  classIndexes: Uint32Array;
  detachedness: Uint8Array;
  edgeCounts: Uint32Array;
  classNames: string[];
  typeNames: string[];
}

export interface SummaryOptions {
  /** Keep the first N rows. */
  limit?: number;
  /** Keep classes whose name matches. */
  filter?: RegExp | string;
}

/** Streaming parser: push chunks as they arrive, then `finish()`. */
export declare class Parser {
  constructor();
  /** Parses one chunk; throws `ERR_HEAPSNAP_PARSE` as soon as the input is known to be bad. */
  push(chunk: Uint8Array | string): this;
  readonly bytesRead: number;
  /** Ends the input; the analysis runs off the JS thread. */
  finish(options?: TaskOptions): Promise<HeapSnapshot>;
  finishSync(): HeapSnapshot;
}

/**
 * A parsed and analysed heap snapshot. The graph lives in native memory (outside the JS
 * heap); `dispose()` frees it at once, garbage collection later.
 */
export declare class HeapSnapshot {
  private constructor();
  /** Parses and analyses a file off the JS thread. */
  static open(path: string, options?: TaskOptions): Promise<HeapSnapshot>;
  static openSync(path: string): HeapSnapshot;
  /** Parses a snapshot from a readable stream or async iterable of chunks. */
  static fromStream(stream: NodeJS.ReadableStream | AsyncIterable<Uint8Array | string>, options?: TaskOptions): Promise<HeapSnapshot>;
  static Parser: typeof Parser;

  readonly nodeCount: number;
  readonly edgeCount: number;
  /** DevTools' total: retained size of the root plus `extra_native_bytes`. */
  readonly totalSize: number;
  readonly rootId: number;
  /** Largest odd (JS heap) object id. */
  readonly maxJsObjectId: number;
  /** Bytes of snapshot text parsed. */
  readonly inputBytes: number;
  /** Milliseconds per phase (parse, graph, flags, dominators, distances, classes, statistics). */
  readonly timings: Record<string, number>;
  readonly disposed: boolean;

  summary(options?: SummaryOptions): SummaryRow[];
  statistics(): Statistics;
  node(id: number): NodeInfo | null;
  nodeAt(ordinal: number): NodeInfo | null;
  /** Exact display name as UTF-16 (keeps lone surrogates). */
  nodeNameUtf16(ordinal: number): string;
  /** Ordinal of an id, or -1. */
  ordinalOf(id: number): number;
  edges(id: number): Edge[] | null;
  retainers(id: number): Retainer[] | null;
  /** Ids of the live instances of a class (`"Foo"` or a class key `",Foo"`). */
  instances(className: string): number[];
  columns(): Columns;
  dispose(): void;
  [Symbol.dispose](): void;
}

/** Errors thrown by heapsnap carry a stable `code`. */
export interface HeapsnapError extends Error {
  /** e.g. 'ERR_HEAPSNAP_PARSE', 'ERR_HEAPSNAP_IO', 'ERR_HEAPSNAP_DISPOSED', 'ABORT_ERR' */
  code: string;
  /** The section or field of the snapshot the error concerns (parse errors). */
  field?: string;
  /** Byte offset in the snapshot (parse errors, when known). */
  offset?: number;
}
