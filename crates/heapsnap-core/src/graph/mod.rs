//! The compact heap graph: struct-of-arrays node columns, CSR edges and CSR retainers.
//!
//! Built from the parser's columns after validating every cross reference (edge counts,
//! `to_node`, string indices, root position), so analysis code can index without checks.
//! Ordinals are `u32` (V8 writes `to_node` as a 32-bit value, so no file holds more than
//! 2^32 / stride nodes); edge ordinals are `u32` too, which bounds a graph at 4 G edges.
//! [`build`] checks and builds, [`retainers`] inverts the edges; this module holds the
//! columns and the accessors every pass uses.

mod build;
mod retainers;
pub(crate) use build::to_ordinals;
pub(crate) use retainers::starts_on_one_thread as retainer_starts_on_one_thread;
pub mod sizes;

pub use sizes::Sizes;

use crate::parse::strings::StringTable;
use crate::parse::Meta;
use rustc_hash::FxHashMap as HashMap;

/// A source location of a constructor or function (0-based line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Location {
  pub script_id: i32,
  /// -1 when V8 does not know it
  pub line: i32,
  pub column: i32,
}

#[derive(Debug)]
pub struct Graph {
  pub meta: Meta,
  pub node_count: usize,
  pub edge_count: usize,
  pub root: u32,
  pub node_type: Vec<u8>,
  /// Name string index (after DevTools' "Detached " renaming).
  pub node_name: Vec<u32>,
  pub node_id: Vec<u32>,
  /// Exact ids of nodes whose id exceeds 2^32 (`node_id` holds them wrapped, as DevTools does).
  pub id_wide: HashMap<u32, u64>,
  /// The file's self sizes (exact at any size).
  pub raw_self_size: Sizes,
  pub trace_node_id: Option<Vec<u32>>,
  /// File detachedness (0 unknown, 1 attached, 2 detached), or None when the column is absent.
  pub detachedness: Option<Vec<u8>>,
  /// `first_edge[i]..first_edge[i+1]` are node i's outgoing edges (edge ordinals).
  pub first_edge: Vec<u32>,
  pub edge_type: Vec<u8>,
  pub edge_name: Vec<u32>,
  /// Target node ordinal.
  pub edge_to: Vec<u32>,
  /// `first_retainer[i]..first_retainer[i+1]` are node i's retainer slots ([`Graph::retainer`]).
  pub first_retainer: Vec<u32>,
  /// Edge of each retainer slot; built on first use (`retainer_edges()`), as only queries
  /// need it: the dominator pass gets an "essential" bit per slot instead. A slot's source is
  /// the edge's source, found in `first_edge`.
  pub(crate) retainer_edge: std::sync::OnceLock<Vec<u32>>,
  pub strings: StringTable,
  pub locations: HashMap<u32, Location>,
  pub samples: Vec<u32>,
  /// What was odd about the input but accepted (as DevTools accepts it), for the user.
  pub warnings: Vec<String>,
}

impl Graph {
  #[inline]
  pub fn edges_of(&self, node: u32) -> std::ops::Range<usize> {
    self.first_edge[node as usize] as usize..self.first_edge[node as usize + 1] as usize
  }

  /// Builds the retainers (the slices of slots per node, `first_retainer`). No column of the
  /// slots' sources is kept: queries find a slot's source from its edge ([`Graph::retainer`]).
  /// The analysis needs none of it (the dominator pass reads the edges forwards), so it is
  /// built after the dominator pass, for the queries and the statistics.
  pub fn build_retainers(&mut self) {
    self.first_retainer = retainers::build(&self.first_edge, &self.edge_to, None).0;
  }

  /// The retainers' slice starts (`first_retainer`) made on the calling thread, without
  /// changing the graph: for a pass that makes them while others read it.
  pub fn retainer_starts_on_one_thread(&self) -> Vec<u32> {
    retainers::starts_on_one_thread(self.node_count, &self.edge_to)
  }

  /// The retainers as columns of their own, for a pass that reads them all in the slots'
  /// order (the rare Lengauer–Tarjan replay of the dominator pass; tests): the slice starts,
  /// per slot the bit of its edge in `flags` (one bit per edge), and per slot its source node.
  pub(crate) fn retainer_columns(&self, flags: &[u64]) -> (Vec<u32>, Vec<u64>, Vec<u32>) {
    let (first, bits) = retainers::build(&self.first_edge, &self.edge_to, Some(flags));
    let sources = retainers::sources(&self.first_edge, &self.edge_to, &first);
    (first, bits, sources)
  }

  /// The edge of every retainer slot (built on first use).
  pub fn retainer_edges(&self) -> &[u32] {
    self
      .retainer_edge
      .get_or_init(|| retainers::edges(&self.first_edge, &self.edge_to, &self.first_retainer))
  }

  /// The edge and its source node of retainer slot `rk`.
  #[inline]
  pub fn retainer(&self, rk: usize) -> (usize, u32) {
    let k = self.retainer_edges()[rk] as usize;
    (k, self.edge_source(k))
  }

  /// The node whose outgoing edge `k` is (a binary search in `first_edge`).
  #[inline]
  pub fn edge_source(&self, k: usize) -> u32 {
    // the first node whose edges start after k, less one; nodes without edges share a start
    // with their successor and are skipped by the search
    (self.first_edge.partition_point(|&f| f as usize <= k) - 1) as u32
  }

  #[inline]
  pub fn retainers_of(&self, node: u32) -> std::ops::Range<usize> {
    self.first_retainer[node as usize] as usize..self.first_retainer[node as usize + 1] as usize
  }

  #[inline]
  pub fn name_bytes(&self, node: u32) -> &[u8] {
    self.strings.get(self.node_name[node as usize] as usize)
  }

  /// The edge's name as a string (element and hidden edges are numbered, not named).
  pub fn edge_name_string(&self, edge: usize) -> String {
    let t = self.edge_type[edge];
    if t == self.meta.edge_types.element || t == self.meta.edge_types.hidden {
      self.edge_name[edge].to_string()
    } else {
      crate::parse::strings::to_string_lossy(self.strings.get(self.edge_name[edge] as usize))
    }
  }

  /// True when the edge carries a string name (not an element/hidden index).
  #[inline]
  pub fn edge_has_string_name(&self, edge: usize) -> bool {
    let t = self.edge_type[edge];
    t != self.meta.edge_types.element && t != self.meta.edge_types.hidden
  }

  /// The node's object id.
  #[inline]
  pub fn id(&self, node: u32) -> u64 {
    wide(&self.node_id, &self.id_wide, node)
  }

  /// The file's self size of the node.
  pub fn raw_self(&self, node: u32) -> u64 {
    self.raw_self_size.get(node)
  }
}

/// A 32-bit column's value, or its exact 64-bit value where the file's exceeded 2^32.
#[inline]
fn wide(narrow: &[u32], exact: &HashMap<u32, u64>, node: u32) -> u64 {
  if exact.is_empty() {
    return narrow[node as usize] as u64;
  }
  exact.get(&node).copied().unwrap_or(narrow[node as usize] as u64)
}
