// Type definitions for heapsnap: capture, parse, diff and explain V8 heap snapshots natively.
//
// Self-contained: they need neither @types/node nor the DOM library. What the API takes from
// Node (a URL, an AbortSignal, a stream, a Worker, a signal name) is typed by the members heapsnap
// uses, so Node's and the DOM's own types are accepted where they exist.

/** A `URL` (heapsnap takes `file:` URLs wherever it takes a path). */
export interface UrlLike {
  readonly href: string;
  readonly protocol: string;
  readonly pathname: string;
}

/** An `AbortSignal` (from an `AbortController`, or `AbortSignal.timeout(ms)`). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason: any;
  addEventListener(type: 'abort', listener: (...args: any[]) => void, options?: any): void;
  removeEventListener(type: 'abort', listener: (...args: any[]) => void, options?: any): void;
}

/** A `worker_threads.Worker`. */
export interface WorkerLike {
  readonly threadId: number;
  getHeapSnapshot(...args: any[]): Promise<unknown>;
}

/** A signal name, such as `'SIGUSR2'`. */
export type SignalName = `SIG${string}`;

declare global {
  interface SymbolConstructor {
    /** `Symbol.dispose` (Node 20+), for `using snap = ...`. */
    readonly dispose: unique symbol;
  }
}

/** Options of calls that run off the JS thread. */
export interface TaskOptions {
  /**
   * Refuse (with `ERR_HEAPSNAP_MEMORY`) files that would need more than this many bytes to
   * analyse (estimated at 1.3 × the file size + 64 MB). Default: 80% of the memory the OS reports free.
   */
  maxMemory?: number;
  /** Cancels the work; the promise rejects with an `AbortError` (`code: 'ABORT_ERR'`). */
  signal?: AbortSignalLike;
  /** Called when the work starts, about every 100 ms while it runs, and once at the end. */
  onProgress?: (progress: Progress) => void;
}

/** Options of `HeapSnapshot.open` / `openSync` about how the file is read and accounted. */
export interface OpenOptions {
  /**
   * Memory-map the file 16 MiB at a time instead of reading it (default false). Saves a copy, but a
   * file another process truncates meanwhile can crash the process (SIGBUS); when read, any change
   * of size rejects with `ERR_HEAPSNAP_IO` ("the file changed while it was read").
   */
  mmap?: boolean;
  /** Record the resident memory after each analysis phase, as `snapshot.memory` (default false). */
  traceMemory?: boolean;
  /**
   * `open` only: keep the analysis in the user's cache directory and read it back when the
   * same, unchanged file is opened again (about a tenth of the time). Default false for the
   * API; the CLI caches by default. Files under `HEAPSNAP_CACHE_MIN_SIZE` (16 MB) are not cached.
   */
  cache?: boolean;
}

/** What keeps a node reachable, in a word (DevTools encodes it in the distance). */
export type Reachability = 'user' | 'system' | 'unreachable';

export interface Progress {
  phase: 'queued' | 'parse' | 'analyze' | 'done';
  /** During 'analyze': the pass running now, named as in `timings` (e.g. 'dominators'); else null. */
  step: string | null;
  bytesRead: number;
  totalBytes: number;
}

/**
 * Where in the source a node comes from, read from the snapshot itself. `line` and `column`
 * are **1-based**, as editors show them (V8 stores them 0-based); `url` is the script's name
 * as V8 has it: an absolute path for CommonJS, a `file:` URL for ES modules, `node:…` for
 * Node's own, `''` when the snapshot does not name the script.
 */
export interface SourceLocation {
  scriptId: number;
  url: string;
  line: number;
  column: number;
}

/** One frame of an allocation stack (line and column 1-based; 0 when unknown). */
export interface StackFrame {
  functionName: string;
  url: string;
  scriptId: number;
  line: number;
  column: number;
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
  /** What reaches the class' nearest object (the meaning of `distance`'s special values). */
  reachability: Reachability;
  /** The constructor's location, for classes DevTools splits by it (`key` `"12,3,4,Foo"`). */
  location?: SourceLocation;
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
  /** `distance` in a word: 'user', 'system' (only system roots) or 'unreachable'. */
  reachability: Reachability;
  /** Id of the immediate dominator (the root's is its own). */
  dominatorId: number;
  edgeCount: number;
  retainerCount: number;
  /** 0 unknown, 1 attached, 2 detached (after DevTools' propagation). */
  detachedness: number;
  /**
   * Where in the source it comes from: a function's definition; an object's constructor;
   * absent when V8 records none (strings, arrays, V8's internals).
   */
  location?: SourceLocation;
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
  /** Index into `reachabilityNames` (0 user, 1 system, 2 unreachable). */
  reachability: Uint8Array;
  /** Ordinal of each node's immediate dominator. */
  dominators: Uint32Array;
  /** Index into `classNames`. */
  classIndexes: Uint32Array;
  detachedness: Uint8Array;
  edgeCounts: Uint32Array;
  classNames: string[];
  typeNames: string[];
  reachabilityNames: Reachability[];
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
  /** Parses and analyses a file (a path or a file: URL) off the JS thread. */
  static open(path: string | UrlLike, options?: TaskOptions & OpenOptions): Promise<HeapSnapshot>;
  static openSync(path: string | UrlLike, options?: { maxMemory?: number } & OpenOptions): HeapSnapshot;
  /** Parses a snapshot from a readable stream or async iterable of chunks. */
  static fromStream(stream: AsyncIterable<Uint8Array | string>, options?: TaskOptions): Promise<HeapSnapshot>;
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
  /** With `traceMemory`: resident memory (bytes) after each phase; `{}` otherwise. */
  readonly memory: Record<string, { rss: number; peakRss: number }>;
  /**
   * What was odd about the file but accepted, as DevTools accepts it (an edge name outside the
   * string table is shown as an empty name); each was also emitted as a process warning, code
   * `HEAPSNAP_INPUT`.
   */
  readonly warnings: string[];
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
  /**
   * Ids of the live instances of a class: by name (`"Foo"`), or by a Summary row's exact `key`
   * (`",Map"` for a class without a location, `"81,0,23,Foo"` for a constructor defined in a script).
   */
  instances(className: string): number[];
  /**
   * The shortest retainer path of an object from a root (among equally short ones, the one
   * through the program's own code rather than Node's or a test runner's), or null for an
   * unknown id.
   */
  retainerPath(id: number): RetainerPath | null;
  /**
   * The call stack that allocated an object, innermost frame first; null when the snapshot was
   * taken without allocation tracking or the object is older than the tracking.
   */
  allocationStack(id: number): StackFrame[] | null;
  /**
   * DevTools' Retainers tree of an object: the object (`edge: null`) and its retainers, each
   * with the edge by which it holds its parent, nearest to a root first, cut at `depth` levels
   * (default 4) and `maxNodes` entries (default 200). Null for an unknown id.
   */
  retainerTree(id: number, options?: { depth?: number; maxNodes?: number }): RetainerTreeNode | null;
  /** True when the snapshot was taken with allocation tracking. */
  readonly hasAllocationStacks: boolean;
  /** Strings whose text occurs more than once, by total retained size. */
  duplicatedStrings(options?: { limit?: number }): Array<{ value: string; count: number; totalSelfSize: number; totalRetainedSize: number; sampleIds: number[] }>;
  /** Summary of the objects allocated after `base` (DevTools' "Objects allocated between snapshots"). */
  allocatedSince(base: HeapSnapshot | number): SummaryRow[];
  columns(): Columns;
  dispose(): void;
  [Symbol.dispose](): void;
}

/**
 * Errors thrown by heapsnap carry a stable `code`: Node's own for bad arguments
 * (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`, `ERR_OUT_OF_RANGE`), `ABORT_ERR` (an
 * `AbortError`) for a fired signal, and `ERR_HEAPSNAP_*` for the rest.
 */
export interface HeapsnapError extends Error {
  code:
    | 'ERR_HEAPSNAP_PARSE'
    | 'ERR_HEAPSNAP_IO'
    | 'ERR_HEAPSNAP_DISPOSED'
    | 'ERR_HEAPSNAP_STATE'
    | 'ERR_HEAPSNAP_INTERNAL'
    | 'ERR_HEAPSNAP_MEMORY'
    | 'ERR_HEAPSNAP_CAPTURE'
    | 'ERR_HEAPSNAP_UNSUPPORTED'
    | 'ERR_HEAPSNAP_WORKER'
    | 'ERR_HEAPSNAP_LEAK'
    | 'ERR_INVALID_ARG_TYPE'
    | 'ERR_INVALID_ARG_VALUE'
    | 'ERR_OUT_OF_RANGE'
    | 'ABORT_ERR'
    | (string & {});
  /** The part of the snapshot the error concerns, as an identifier (`nodes`, `edges.to_node`, `snapshot.node_count`, `top_level`). */
  field?: string;
  /** Byte offset in the snapshot (parse errors, when known). */
  offset?: number;
}

// ---- Comparison and leaks ------------------------------------------------------------------------

/** A snapshot argument: an open HeapSnapshot, or the path of a .heapsnapshot file. */
export type SnapshotInput = HeapSnapshot | string | UrlLike;

/** One row of DevTools' Comparison view. */
export interface DiffRow {
  key: string;
  className: string;
  addedCount: number;
  removedCount: number;
  countDelta: number;
  addedSize: number;
  removedSize: number;
  sizeDelta: number;
  /** Ids of the added / removed objects (left out with `{ ids: false }`). */
  addedIds?: number[];
  removedIds?: number[];
}

/**
 * DevTools' Comparison of `current` against `base` (base re-classified with current's interfaces).
 * @throws ERR_HEAPSNAP_MISMATCH when they look like snapshots of different processes (unless `allowMismatch`)
 */
export declare function diff(base: SnapshotInput, current: SnapshotInput, options?: TaskOptions & { ids?: boolean; allowMismatch?: boolean }): Promise<DiffRow[]>;

export interface PathNode {
  id: number;
  type: string;
  className: string;
  name: string;
  distance: number;
  reachability: Reachability;
  location?: SourceLocation;
}

export interface PathStep {
  edgeType: string;
  edgeName: string;
  /** DevTools' label: `.name`, `[3]`, `->ctx`, `{internal}`, `[[weak]]` */
  edgeLabel: string;
  node: PathNode;
}

export interface RetainerPath {
  /** Where the path starts: a user root (`global`) or a GC root. */
  root: PathNode;
  steps: PathStep[];
  /** e.g. `global → .cache (Map) → {table} ((internal array)) → {42} (CacheEntry @78521)` */
  text: string;
}

/** One entry of {@link HeapSnapshot.retainerTree}. */
export interface RetainerTreeNode {
  /** How this node holds its parent (null for the object itself). */
  edge: { type: string; name: string; label: string } | null;
  node: PathNode;
  children: RetainerTreeNode[];
  /** Already on the branch above: listed, not expanded. */
  cycle: boolean;
  /** Retainers left out (by `depth` or `maxNodes`). */
  omitted: number;
}

/** An edge as `retainerReferenceFilter` sees it (`nameOrIndex` as memlab's `name_or_index`). */
export interface FilterEdge {
  type: string;
  name: string;
  nameOrIndex: string | number;
  fromId: number;
  toId: number;
}

export interface LeakCluster {
  /** The class of its objects (of most of them by retained size, when mixed: a Map's values). */
  className: string;
  /**
   * What leaked, as a developer names it: a function's name (`onConfigChange`), a bound
   * function's target and `this` (`bound onExit (this: Logger)`), a timer's callback
   * (`Timeout → poll`), or the class.
   */
  name: string;
  /** Where what leaked is defined (a function's definition, an object's constructor). */
  location?: SourceLocation;
  /** Leaked objects of this shape that no other leaked object owns. */
  count: number;
  /** How many times they were allocated apart (objects hanging off one new object count once). */
  repeats: number;
  /** Σ retained size of those objects (no object counted twice). */
  retainedSize: number;
  shallowSize: number;
  /** Leaked objects they own, themselves included. */
  objects: number;
  path: RetainerPath;
  /**
   * The variable or property nearest to the leak that the program named:
   * `responseCache (Map) ← server.js` (a module-level binding), `'config' listeners on bus`.
   */
  holder?: { text: string; name: string; className: string; id: number; location?: SourceLocation };
  /** The largest class of the program's own code the cluster keeps alive. */
  retains?: { className: string; count: number; size: number; location?: SourceLocation };
  /** Top frames of a sample's allocation stack; empty without allocation tracking. */
  allocation: StackFrame[];
  /** The classes of a mixed cluster (a Map's keys and values are one leak), largest first; empty when one. */
  parts: Array<{ className: string; count: number; retainedSize: number }>;
  sampleIds: number[];
  /** On set-aside clusters only: why (`'one-off'`, `'node-internal'`). */
  setAside?: string;
}

export interface LeakReport {
  clusters: LeakCluster[];
  totals: { leakedObjects: number; topLevel: number; retainedSize: number; clusters: number };
  /** Clusters not reported as leaks (one-off, held only by Node's own state), largest first. */
  setAsideClusters: LeakCluster[];
  /** What each rule set aside: `{ reason, objects, clusters, retainedSize }`, rules that set nothing aside omitted. */
  setAside: Array<{ reason: string; objects: number; clusters: number; retainedSize: number }>;
  /** The repeat count a cluster needed (see {@link FindLeaksOptions.minCount}). */
  minCount: number;
}

export interface FindLeaksOptions extends TaskOptions {
  /** Class names never reported. */
  ignoreClasses?: string[];
  /** Also report objects only V8's system roots reach. */
  includeSystem?: boolean;
  /** Sample ids kept per cluster (default 5). */
  samples?: number;
  /** Clusters returned (default 50). */
  maxClusters?: number;
  /** 'assertion' adds the rules `assertNoLeak` judges by (JS heap objects only, no engine caches). */
  profile?: 'snapshots' | 'assertion';
  /**
   * Compare snapshots that look like they come from different processes. Default false: baseline
   * and target given as HeapSnapshots are checked against final (ERR_HEAPSNAP_MISMATCH).
   */
  allowMismatch?: boolean;
  /**
   * A leak repeats: a cluster whose objects were allocated apart fewer than this many times is
   * set aside as one-off (listed in `setAsideClusters`). Default 5 (`'snapshots'`), 1 (`'assertion'`).
   */
  minCount?: number;
  /** How many actions ran between baseline and target: `minCount` becomes max(2, ceil(actions / 2)). */
  actions?: number;
  /** Keep objects only a running function's locals hold (V8's stack roots). Default true for 'snapshots'. */
  includeStack?: boolean;
  /**
   * memlab's `leakFilter`: called on each object about to be reported (after the built-in
   * rules), with the final snapshot; false drops it (and what it owns). Synchronous.
   */
  leakFilter?: (node: NodeInfo, snapshot: HeapSnapshot) => unknown;
  /**
   * memlab's `retainerReferenceFilter`: false forbids an edge on the retainer paths (and so
   * on what clusters are keyed and named by). Called at most once per edge. Synchronous.
   */
  retainerReferenceFilter?: (edge: FilterEdge, snapshot: HeapSnapshot, isReferenceUsedByDefault: boolean) => unknown;
}

/**
 * Objects allocated after `baseline`, alive at `target` and still alive in `final`, clustered.
 * `baseline` and `target` files are read as object ids only, up to the end of their `nodes`
 * array: their edges and strings are not validated (a truncated file is still refused).
 */
export declare function findLeaks(
  snapshots: { baseline: SnapshotInput; target: SnapshotInput; final: SnapshotInput },
  options?: FindLeaksOptions,
): Promise<LeakReport>;

export interface GrowthReport {
  classes: Array<{ key: string; className: string; counts: number[]; sizes: number[] }>;
  collections: Array<{ id: number; className: string; sizes: number[]; retainedSizes: number[]; path: RetainerPath }>;
}

/** Classes and collections that grew at every step of a series of snapshots of one process. */
export declare function findGrowth(snapshots: SnapshotInput[], options?: TaskOptions & { limit?: number }): Promise<GrowthReport>;

/** A human rendering of a findLeaks report. */
export declare function formatLeaks(report: LeakReport, options?: { limit?: number; setAside?: boolean }): string;

// ---- Capture (lib/capture) ------------------------------------------------------------------------

/** V8's own snapshot switches, the same on every capture path. */
export interface SnapshotSwitches {
  /** Expose V8 internals in the snapshot (v8.writeHeapSnapshot's option). */
  exposeInternals?: boolean;
  /** Record numeric values of heap numbers (v8's exposeNumericValues; the inspector's captureNumericValue). */
  exposeNumericValues?: boolean;
}

/**
 * `true`: V8 records allocation stacks from this snapshot on (this and every later snapshot of
 * the process carry the stacks of objects allocated since; see `allocationStack(id)`).
 * `false`: stop recording after this snapshot. While on, allocation is slower and the process
 * does not exit on its own: turn it off when done (`stopAllocationTracking()`).
 */
export interface AllocationTrackingOption {
  trackAllocations?: boolean;
}

export interface WriteHeapSnapshotOptions extends SnapshotSwitches, AllocationTrackingOption {
  /** Directory for the file; a relative filename is resolved against it. Default: the cwd. */
  dir?: string | UrlLike;
}

/**
 * Drop-in for v8.writeHeapSnapshot: same default name
 * (Heap.<yyyymmdd>.<hhmmss>.<pid>.<tid>.<seq>.heapsnapshot), but the file is 0600 and appears
 * atomically (never half-written). Synchronous, like V8's. Returns the absolute path.
 * @throws ERR_HEAPSNAP_CAPTURE (I/O, disk full, truncated), ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE / ERR_OUT_OF_RANGE
 */
export declare function writeHeapSnapshot(filename?: string | UrlLike, options?: WriteHeapSnapshotOptions): string;
export declare function writeHeapSnapshot(options: WriteHeapSnapshotOptions): string;

export interface TakeSnapshotOptions extends SnapshotSwitches, AllocationTrackingOption {
  signal?: AbortSignalLike;
}

/** This process's heap, streamed from v8.getHeapSnapshot() into the native parser: no file, no JS string. */
export declare function takeSnapshot(options?: TakeSnapshotOptions): Promise<HeapSnapshot>;

/** Starts recording allocation stacks in this process (no-op when on); see {@link AllocationTrackingOption}. */
export declare function startAllocationTracking(): void;
/** Stops recording allocation stacks (no-op when off). */
export declare function stopAllocationTracking(): void;

export interface CaptureWorkerOptions extends SnapshotSwitches {
  /** File name (resolved against dir). Default: Heap.<...>.<pid>.<worker.threadId>.<seq>.heapsnapshot. */
  file?: string | UrlLike;
  dir?: string | UrlLike;
  signal?: AbortSignalLike;
}

/** A worker thread's heap, via worker.getHeapSnapshot(), to a 0600 file (→ path) or parsed (→ HeapSnapshot). */
export declare function captureWorker(worker: WorkerLike, options: CaptureWorkerOptions & { parse: true }): Promise<HeapSnapshot>;
export declare function captureWorker(worker: WorkerLike, options?: CaptureWorkerOptions & { parse?: false }): Promise<string>;

export interface SignalHandlerOptions extends SnapshotSwitches {
  /** Default 'SIGUSR2'. SIGUSR1 (the inspector's), SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL are refused. */
  signal?: SignalName;
  /** Default: --diagnostic-dir if Node was started with it, else the cwd at install time. */
  dir?: string;
  /** Keep only the last N files this handler wrote (older ones are deleted). Default: Infinity. */
  keep?: number;
  /** Called with the path of each snapshot written. */
  onSnapshot?: (path: string) => void;
  /** Called with every failure (capture, rotation, or an exception from onSnapshot). Default: process.emitWarning. */
  onError?: (err: HeapsnapError) => void;
}

export interface SignalHandlerHandle {
  readonly signal: SignalName;
  readonly dir: string;
  readonly keep: number;
  /** Paths written by this handler that still exist after rotation, oldest first. */
  readonly files: string[];
  /** Removes the listener. Idempotent. */
  uninstall(): void;
}

/**
 * What --heapsnapshot-signal does, plus a directory, rotation and callbacks. Main thread, POSIX only.
 * @throws ERR_HEAPSNAP_UNSUPPORTED (worker thread, Windows, reserved signal, --heapsnapshot-signal for
 *   the same signal, already installed), ERR_HEAPSNAP_CAPTURE (dir not a writable directory)
 */
export declare function installSignalHandler(options?: SignalHandlerOptions): SignalHandlerHandle;

export interface NearHeapLimitOptions {
  /**
   * Only a check: Node writes into --diagnostic-dir (else the cwd) and that cannot change at run time.
   * If dir is elsewhere, ERR_HEAPSNAP_UNSUPPORTED tells you to start node with --diagnostic-dir=<dir>.
   */
  dir?: string;
  /** How many snapshots at most. Default 1. */
  maxCount?: number;
}

export interface NearHeapLimitArmed {
  /** Where Node will write the files. */
  dir: string;
  maxCount: number;
  /** Glob of the file names: 'Heap.*.heapsnapshot'. */
  pattern: string;
}

/**
 * Arms v8.setHeapSnapshotNearHeapLimit(maxCount).
 * @throws ERR_HEAPSNAP_UNSUPPORTED (Node < 18.10, --heapsnapshot-near-heap-limit already given, already
 *   armed, dir not where Node writes)
 */
export declare function captureOnNearHeapLimit(options?: NearHeapLimitOptions): NearHeapLimitArmed;

export type RemoteTarget =
  /**
   * A local Node process. If it runs the capture agent (`node --require heapsnap/agent`), the
   * snapshot comes over the agent's private Unix socket: no inspector, no TCP port. Otherwise it
   * is checked to be Node, SIGUSR1 opens its inspector, closed again afterwards. `port`: the one it uses.
   */
  | { pid: number; port?: number; host?: '127.0.0.1' | 'localhost' | '::1' }
  /** An inspector already listening on a loopback port. */
  | { port: number; host?: '127.0.0.1' | 'localhost' | '::1' }
  /** ws://, wss:// (a target) or http://, https:// (discovery); the only way to reach a non-loopback host. */
  | { url: string | UrlLike };

export interface RemoteProgress {
  done: number;
  total: number;
  finished: boolean;
}

export interface CaptureRemoteOptions extends SnapshotSwitches {
  file?: string | UrlLike;
  dir?: string | UrlLike;
  onProgress?: (progress: RemoteProgress) => void;
  /**
   * Stops writing at once; the promise settles after the target has finished sending (cutting the
   * connection mid-snapshot can crash the target).
   */
  signal?: AbortSignalLike;
  /** ms to find and connect to the inspector (not a limit on the capture). Default 10000. */
  timeout?: number;
  /**
   * Called before SIGUSR1 is sent (pid targets without the agent) with a sentence saying where the
   * inspector will be open and that the agent avoids it. Default: process.emitWarning.
   */
  onNotice?: (message: string) => void;
  /** Send SIGUSR1 even when the pid's inspector would listen beyond loopback (--inspect-port=0.0.0.0:N). Default false. */
  allowPublicInspector?: boolean;
  /**
   * Allocation stacks, through the target's capture agent only (`node --require heapsnap/agent`):
   * `true` turns V8's allocation tracking on in the target before this snapshot and leaves it on
   * (later captures carry the stack of every object allocated since; see `allocationStack(id)`),
   * `false` turns it off after this snapshot. Over an inspector tracking would end with our
   * session, so `true` is refused there (`ERR_HEAPSNAP_UNSUPPORTED`) before anything is sent.
   */
  trackAllocations?: boolean;
}

/**
 * Another Node process's heap over the inspector protocol, with no dependency. Resolves with the
 * absolute path of a 0600 file, or with a HeapSnapshot when parse: true.
 * @throws ERR_HEAPSNAP_CAPTURE (dead pid, not a Node process, port closed, not an inspector, wrong
 *   pid on the port, connection lost, disk full), ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE / ERR_OUT_OF_RANGE, ABORT_ERR
 */
export declare function captureRemote(target: RemoteTarget, options: CaptureRemoteOptions & { parse: true }): Promise<HeapSnapshot>;
export declare function captureRemote(target: RemoteTarget, options?: CaptureRemoteOptions & { parse?: false }): Promise<string>;

export interface AgentInfo {
  /** The agent's Unix-domain socket (0600, in a 0700 directory of this user). */
  path: string;
  pid: number;
}

/**
 * Starts the capture agent in this process (the same as `node --require heapsnap/agent`):
 * `heapsnap capture --pid` and `captureRemote({ pid })` then take snapshots over a private Unix
 * socket (this user or root only, checked with the kernel's peer credentials, plus a 0600 key)
 * instead of opening the inspector. Idempotent. Never keeps the process alive.
 * @throws ERR_HEAPSNAP_CAPTURE (no private directory, cannot listen), ERR_HEAPSNAP_UNSUPPORTED (Windows)
 */
export declare function startAgent(options?: {}): Promise<AgentInfo>;
/** Stops the agent and removes its socket and key. */
export declare function stopAgent(): Promise<void>;

export interface AnalyzeInWorkerOptions {
  /** Kills the child (SIGKILL) and rejects with an AbortError. */
  signal?: AbortSignalLike;
  /** The child's --max-old-space-size, in MB. */
  maxOldSpaceSize?: number;
  /** ms; kills the child and rejects with ERR_HEAPSNAP_WORKER. */
  timeout?: number;
  /** Extra Node flags for the child. */
  execArgv?: string[];
  /** Any other key is passed to the task (summary(opts), diff(a, b, opts), findLeaks({ ..., ...opts })). */
  [taskOption: string]: unknown;
}

/**
 * Parses and analyses in a forked child process, so a huge snapshot cannot take the app down.
 * Resolves with the task's result as plain JSON.
 * @throws ERR_HEAPSNAP_WORKER (the child crashed, ran out of memory, timed out; `exitCode`, `signal`,
 *   `outOfMemory`, `stderr` attached), ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE / ERR_OUT_OF_RANGE, ABORT_ERR, or the task's own error
 *   code (e.g. ERR_HEAPSNAP_PARSE; ERR_HEAPSNAP_MEMORY, or the engine's own failed allocation, also
 *   carries `outOfMemory: true`)
 */
export declare function analyzeInWorker(file: string | UrlLike, task: 'summary', options?: AnalyzeInWorkerOptions): Promise<SummaryRow[]>;
export declare function analyzeInWorker(file: string | UrlLike, task: 'statistics', options?: AnalyzeInWorkerOptions): Promise<Statistics>;
export declare function analyzeInWorker(files: [string | UrlLike, string | UrlLike], task: 'diff', options?: AnalyzeInWorkerOptions): Promise<unknown>;
export declare function analyzeInWorker(
  files: [string | UrlLike, string | UrlLike, string | UrlLike],
  task: 'findLeaks',
  options?: AnalyzeInWorkerOptions,
): Promise<unknown>;

// ---- Leak assertions for test suites (lib/testing) -------------------------------------------------

export interface AssertNoLeakOptions {
  /** Calls per round, 2 to 10000 (default 10). */
  iterations?: number;
  /** Calls before the first round, so lazy caches fill first; 0 to 10000 (default 2). */
  warmup?: number;
  /** Classes to ignore. */
  ignore?: string | RegExp | Array<string | RegExp>;
  /** Rejects with an AbortError at once, even while a call of `fn` is pending. */
  signal?: AbortSignalLike;
  /**
   * Milliseconds for the whole check; then it rejects with an AbortError whose `cause` is a
   * TimeoutError, even while a call of `fn` never settles. No default.
   */
  timeout?: number;
  /**
   * false skips the allocation screen: every check takes the heap snapshot (default true).
   */
  screen?: boolean;
}
/** Where the objects of a leak were allocated: the innermost function of your code on their allocation stack. */
export interface AllocationSite {
  functionName: string;
  /** The script's path or URL. */
  url: string;
  /** Where the function starts (V8's allocation stacks are made of functions), 1-based. */
  line: number;
  column: number;
  /** That frame and its caller. */
  frames: Array<{ functionName: string; url: string; line: number; column: number }>;
  /** "open (/app/sessions.js:14:1) ← handler (/app/server.js:30:5)" */
  text: string;
}
export interface LeakCandidate {
  className: string;
  /** What leaked as a developer names it (a listener's function name), else the class: {@link LeakCluster.name}. */
  name: string;
  /** Where what leaked is defined (a function's definition, an object's constructor), or null. */
  location: SourceLocation | null;
  /** The variable or property nearest to the leak that the program named, or null: {@link LeakCluster.holder}. */
  holder: { text: string; path?: string; name: string; className: string; id: number; location?: SourceLocation } | null;
  count: number;
  perIteration: number;
  retainedSize: number;
  shallowSize: number;
  objects: number;
  /** The retainer path of one object from a root (the message prints `holder.path` when there is a holder). */
  path: string;
  pathSteps: PathStep[];
  sampleIds: number[];
  /** null when no allocation sample matched (another sampling profiler was running). */
  allocatedAt: AllocationSite | null;
}
export interface AssertNoLeakResult {
  iterations: number;
  warmup: number;
  threshold: number;
  /**
   * What decided: 'screen' (V8's sampling heap profiler, no heap snapshot: the common passing
   * case) or 'snapshot' (the exact check: one heap snapshot).
   */
  method: 'screen' | 'snapshot';
  /**
   * The screen's reading: per round, the objects allocated in it still alive at the end
   * ('unavailable' when another sampling profiler runs, 'skipped' with `screen: false`).
   */
  screen: { verdict: 'clean' | 'suspicious' | 'unavailable' | 'skipped'; objects?: number[]; reason?: string };
  leaks: LeakCandidate[];
  candidates: LeakCandidate[];
  durationMs: number;
}
/**
 * Calls `fn` `warmup` times, then in rounds of `iterations` calls, and throws a LeakError when
 * objects made in a round are still alive after the next in a number that grows with the calls
 * (at least max(2, iterations/2) of one class and holder path). A clean `fn` is cleared by V8's
 * sampling heap profiler, without a heap snapshot; otherwise one heap snapshot decides, and the
 * error names the class, where its objects were allocated and the path that holds them.
 */
export declare function assertNoLeak(fn: () => unknown, options?: AssertNoLeakOptions): Promise<AssertNoLeakResult>;
export interface TrackHandle {
  readonly label: string;
  readonly collected: boolean;
  assertCollected(options?: { signal?: AbortSignalLike }): Promise<void>;
}
/** Watches an object without keeping it alive. */
export declare function track(object: object, label?: string): TrackHandle;
export declare function assertCollected(...handles: Array<TrackHandle | TrackHandle[] | { signal?: AbortSignalLike }>): Promise<void>;
/**
 * A class by its Summary name or key (`'Session'`, `',Map'`): counted from a snapshot of this
 * thread. Or the constructor itself (`Session`): counted without a snapshot (V8's queryObjects),
 * instances of exactly that class; a failing `expectInstances` then takes one to name the holder.
 */
export type InstanceClass = string | (abstract new (...args: any[]) => unknown);
export declare function countInstances(className: InstanceClass, options?: { signal?: AbortSignalLike }): Promise<number>;
export declare function expectInstances(className: InstanceClass, expected: number, options?: { signal?: AbortSignalLike }): Promise<number>;
export interface CollectedLeak {
  label: string;
  id: number;
  className: string | null;
  retainedSize: number;
  path: string;
  pathSteps: PathStep[];
}
export declare class LeakError extends Error {
  name: 'LeakError';
  code: 'ERR_HEAPSNAP_LEAK';
  report:
    | ({ kind: 'assertNoLeak' } & AssertNoLeakResult)
    | { kind: 'assertCollected'; leaks: CollectedLeak[] }
    | {
        kind: 'expectInstances';
        className: string;
        expected: number;
        count: number;
        sample: { id: number; retainedSize: number; path: string; pathSteps: PathStep[] };
      };
}
