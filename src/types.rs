//! The plain objects that cross into JS (`#[napi(object)]`), one per shape the API returns or
//! accepts. Numbers are `f64` (sizes and ids can exceed 2^32; JS numbers hold 2^53 exactly);
//! every distance comes with its `reachability` word, so JS never compares against DevTools'
//! sentinel values.

use napi::bindgen_prelude::{Float64Array, Int32Array, Uint32Array, Uint8Array};
use napi_derive::napi;

/// Options of `openFile`, `openFileSync` and `readIds`.
#[napi(object)]
#[derive(Default)]
pub struct OpenOptions {
  /// Memory-map the file window by window (default false: it is read).
  pub mmap: Option<bool>,
  /// Record the resident memory after each analysis phase (see `timings()`).
  pub trace_memory: Option<bool>,
}

/// One phase of the analysis: its duration and, when traced, the memory after it.
#[napi(object)]
pub struct PhaseTiming {
  pub phase: String,
  pub ms: f64,
  /// Resident set size after the phase, in bytes (with `traceMemory`).
  pub rss: Option<f64>,
  /// Largest resident set size so far, in bytes (with `traceMemory`).
  pub peak_rss: Option<f64>,
}

#[napi(object)]
pub struct SummaryRow {
  pub key: String,
  pub class_name: String,
  pub count: f64,
  pub shallow_size: f64,
  pub retained_size: f64,
  pub distance: i32,
  /// `'user' | 'system' | 'unreachable'`: what reaches the class's nearest object.
  pub reachability: String,
  /// The constructor's location, for classes DevTools splits by it (`key` "12,3,4,Foo").
  pub location: Option<SourceLocation>,
}

#[napi(object)]
pub struct NativeStatistics {
  pub total: f64,
  pub native_total: f64,
  pub typed_arrays: f64,
  pub v8heap_total: f64,
  pub code: f64,
  pub strings: f64,
  pub js_arrays: f64,
  pub system: f64,
}

/// Where in the source a node comes from. `line` and `column` are 1-based, as editors show
/// them; `url` is the script's name as the snapshot has it ('' when it does not name it).
#[napi(object)]
pub struct SourceLocation {
  pub script_id: i32,
  pub url: String,
  pub line: u32,
  pub column: u32,
}

/// One frame of an allocation stack (line and column 1-based, 0 when unknown).
#[napi(object)]
pub struct StackFrame {
  pub function_name: String,
  pub url: String,
  pub script_id: i32,
  pub line: u32,
  pub column: u32,
}

#[napi(object)]
pub struct NodeInfo {
  pub id: f64,
  pub ordinal: u32,
  #[napi(js_name = "type")]
  pub node_type: String,
  pub name: String,
  pub class_name: String,
  pub class_key: String,
  pub self_size: f64,
  pub raw_self_size: f64,
  pub retained_size: f64,
  pub distance: i32,
  /// `'user' | 'system' | 'unreachable'`.
  pub reachability: String,
  pub dominator_id: f64,
  pub edge_count: u32,
  pub retainer_count: u32,
  pub detachedness: u32,
  pub location: Option<SourceLocation>,
}

#[napi(object)]
pub struct EdgeRow {
  #[napi(js_name = "type")]
  pub edge_type: String,
  pub name: String,
  /// The id at the other end (target of an edge, source of a retainer).
  pub id: f64,
  pub ordinal: u32,
}

#[napi(object)]
pub struct Columns {
  pub ids: Float64Array,
  pub types: Uint8Array,
  pub self_sizes: Float64Array,
  pub raw_self_sizes: Float64Array,
  pub retained_sizes: Float64Array,
  pub distances: Int32Array,
  /// Index into `reachabilityNames` per node (0 user, 1 system, 2 unreachable).
  pub reachability: Uint8Array,
  pub dominators: Uint32Array,
  pub class_indexes: Uint32Array,
  pub detachedness: Uint8Array,
  pub edge_counts: Uint32Array,
  pub class_names: Vec<String>,
  pub type_names: Vec<String>,
  pub reachability_names: Vec<String>,
}

#[napi(object)]
pub struct DuplicateGroup {
  pub value: String,
  pub count: f64,
  pub total_self_size: f64,
  pub total_retained_size: f64,
  pub sample_ids: Vec<f64>,
}

#[napi(object)]
pub struct DiffRow {
  pub key: String,
  pub class_name: String,
  pub added_count: f64,
  pub removed_count: f64,
  pub count_delta: f64,
  pub added_size: f64,
  pub removed_size: f64,
  pub size_delta: f64,
  pub added_ids: Vec<f64>,
  pub removed_ids: Vec<f64>,
}

#[napi(object)]
pub struct NodeRef {
  pub id: f64,
  #[napi(js_name = "type")]
  pub node_type: String,
  pub class_name: String,
  pub name: String,
  pub distance: i32,
  /// `'user' | 'system' | 'unreachable'`.
  pub reachability: String,
  pub location: Option<SourceLocation>,
}

#[napi(object)]
pub struct PathStep {
  pub edge_type: String,
  pub edge_name: String,
  pub edge_label: String,
  pub node: NodeRef,
}

#[napi(object)]
pub struct RetainerPath {
  pub root: NodeRef,
  pub steps: Vec<PathStep>,
  pub text: String,
}

/// One entry of a retainers tree, flat in breadth-first order (see `retainerTree`).
#[napi(object)]
pub struct RetainerTreeEntry {
  /// Index of the entry this one retains; -1 for the object itself.
  pub parent: i32,
  pub depth: u32,
  /// The edge by which this node holds its parent's ('' for the object itself).
  pub edge_type: String,
  pub edge_name: String,
  pub edge_label: String,
  pub node: NodeRef,
  /// Already on the branch above: listed, not expanded.
  pub cycle: bool,
  /// Retainers not listed (cut by depth or maxNodes).
  pub omitted: u32,
}

/// Limits of a retainers tree.
#[napi(object)]
#[derive(Default)]
pub struct RetainerTreeOptions {
  /// Levels of retainers (default 4).
  pub depth: Option<u32>,
  /// Entries in all, the object included (default 200).
  pub max_nodes: Option<u32>,
}

/// The variable or property that holds a leak (`responseCache (Map) ← server.js`).
#[napi(object)]
pub struct Holder {
  pub text: String,
  /// The path from the holder on (`server.js → ->responseCache (Map) → … (Response @12)`).
  pub path: String,
  pub name: String,
  pub class_name: String,
  pub id: f64,
  pub location: Option<SourceLocation>,
}

/// The largest class of the program's own code a cluster keeps alive.
#[napi(object)]
pub struct Retained {
  pub class_name: String,
  pub count: f64,
  pub size: f64,
  pub location: Option<SourceLocation>,
}

/// One class of a mixed cluster (a Map's keys and values).
#[napi(object)]
pub struct ClusterPart {
  pub class_name: String,
  pub count: f64,
  pub retained_size: f64,
}

#[napi(object)]
pub struct LeakCluster {
  pub class_name: String,
  /// What leaked, as a developer names it.
  pub name: String,
  pub location: Option<SourceLocation>,
  pub count: f64,
  /// How many times the objects were allocated apart.
  pub repeats: f64,
  pub retained_size: f64,
  pub shallow_size: f64,
  pub objects: f64,
  pub path: RetainerPath,
  pub holder: Option<Holder>,
  pub retains: Option<Retained>,
  /// Top frames of a sample's allocation stack (empty without allocation tracking).
  pub allocation: Vec<StackFrame>,
  /// Classes of a mixed cluster, largest first (empty when one class).
  pub parts: Vec<ClusterPart>,
  pub sample_ids: Vec<f64>,
  /// Why a set-aside cluster is not reported: `'one-off'` or `'node-internal'`.
  pub set_aside: Option<String>,
}

/// What one leak rule set aside.
#[napi(object)]
pub struct SetAside {
  pub reason: String,
  pub objects: f64,
  pub clusters: f64,
  pub retained_size: f64,
}

#[napi(object)]
pub struct LeakTotals {
  pub leaked_objects: f64,
  pub top_level: f64,
  pub retained_size: f64,
  pub clusters: f64,
}

#[napi(object)]
pub struct LeakReport {
  pub clusters: Vec<LeakCluster>,
  pub totals: LeakTotals,
  /// Clusters set aside (each says why in `setAside`), largest first.
  pub set_aside_clusters: Vec<LeakCluster>,
  pub set_aside: Vec<SetAside>,
  pub min_count: f64,
}

#[napi(object)]
#[derive(Default)]
pub struct LeakOptions {
  pub include_system: Option<bool>,
  pub ignore_classes: Option<Vec<String>>,
  pub samples: Option<u32>,
  pub max_clusters: Option<u32>,
  /// `'snapshots'` (default) or `'assertion'` (what `assertNoLeak` judges: JS heap objects
  /// only, engine caches excluded).
  pub profile: Option<String>,
  /// Keep objects only a running function's locals hold (default: true for 'snapshots').
  pub include_stack: Option<bool>,
  /// Repeats a cluster needs to count as a leak (default 5 for 'snapshots', 1 for 'assertion').
  pub min_count: Option<u32>,
  /// How many actions ran between baseline and target: minCount becomes max(2, ceil(actions / 2)).
  pub actions: Option<u32>,
}

#[napi(object)]
pub struct ClassGrowth {
  pub key: String,
  pub class_name: String,
  pub counts: Vec<f64>,
  pub sizes: Vec<f64>,
}

#[napi(object)]
pub struct CollectionGrowth {
  pub id: f64,
  pub class_name: String,
  pub sizes: Vec<f64>,
  pub retained_sizes: Vec<f64>,
  pub path: RetainerPath,
}

#[napi(object)]
pub struct GrowthReport {
  pub classes: Vec<ClassGrowth>,
  pub collections: Vec<CollectionGrowth>,
}

/// Who is at the other end of a Unix-domain socket (`peerCredentials`).
#[napi(object)]
pub struct PeerCredentials {
  pub uid: u32,
  pub gid: u32,
  /// The peer's pid where the platform tells it (Linux, macOS).
  pub pid: Option<i32>,
}
