//! A parsed and analysed snapshot: the graph plus every per-node number DevTools shows, and
//! the queries the binding exposes (summary, statistics, node, edges, retainers, …).

use crate::analysis::allocations::{Allocations, Frame};
use crate::analysis::classes::{self, InterfaceDef};
use crate::analysis::locations::{self as locs, SourceLocation, Sources};
use crate::analysis::pipeline::{self, Timings};
use crate::analysis::summary::{self, AggregateInput, ClassAggregate, ClassKey, Statistics};
use crate::control::Control;
use crate::error::Result;
use crate::graph::{Graph, Sizes};
use crate::options::OpenOptions;
use crate::parse::strings::to_string_lossy;
use crate::parse::Parsed;
use crate::types::Distance;
use rustc_hash::FxHashMap as HashMap;
use std::ops::RangeBounds;
use std::path::Path;
use std::time::Instant;

pub struct Snapshot {
  pub g: Graph,
  /// Self sizes after DevTools' redistribution (what the UI shows).
  pub self_size: Sizes,
  /// DOM state after propagation: 0 unknown, 1 attached, 2 detached.
  pub detachedness: Vec<u8>,
  pub dominator: Vec<u32>,
  /// Retained sizes (exact at any size, 4 bytes a node).
  pub retained: Sizes,
  pub first_dominated: Vec<u32>,
  pub dominated: Vec<u32>,
  pub distance: Vec<Distance>,
  /// Dense class-key id per node and the keys (DevTools' internal class keys).
  pub key_of: Vec<u32>,
  pub keys: Vec<ClassKey>,
  pub interfaces: Vec<InterfaceDef>,
  pub interface_names: classes::AddedStrings,
  pub has_user_roots: bool,
  pub total_size: u64,
  pub statistics: Statistics,
  /// Ordinals sorted by id, built on the first lookup by id.
  pub(crate) by_id: std::sync::OnceLock<Vec<u32>>,
  /// The Summary's figures but the retained sizes: made by the analysis on small graphs, else
  /// on the first Summary of every node.
  pub(crate) class_totals: std::sync::OnceLock<summary::ClassTotals>,
  /// Milliseconds (and, when traced, memory) per phase.
  pub timings: Timings,
  /// Bytes of input parsed.
  pub input_bytes: u64,
  /// Script names and allocation traces (see [`locations`](crate::analysis::locations)).
  pub sources: Sources,
}

/// One node as the queries show it.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeInfo {
  pub id: u64,
  pub ordinal: u32,
  pub node_type: String,
  /// DevTools' display name, as WTF-8 (lone surrogates kept).
  pub name: Vec<u8>,
  pub class_name: String,
  /// The Summary row key of the node's class (`",Foo"`, `"12,3,4,Foo"`).
  pub class_key: String,
  /// Shallow size after DevTools' redistribution.
  pub self_size: u64,
  /// The file's self size.
  pub raw_self_size: u64,
  pub retained_size: u64,
  pub distance: Distance,
  pub dominator_id: u64,
  pub edge_count: u32,
  pub retainer_count: u32,
  /// 0 unknown, 1 attached, 2 detached.
  pub detachedness: u8,
  /// Where in the source the node comes from (closures; objects through their constructor).
  pub location: Option<SourceLocation>,
}

/// One row of a node's outgoing or incoming edges.
#[derive(Debug, Clone)]
pub struct EdgeInfo {
  pub edge_type: String,
  pub name: String,
  /// The node at the other end (target for edges, source for retainers).
  pub other: u32,
  /// Its object id.
  pub other_id: u64,
}

impl Snapshot {
  /// Parses and analyses a file, reading it window by window; `control` sees the phases and
  /// the bytes read, and can cancel.
  pub fn open(path: &Path, options: &OpenOptions, control: &Control) -> Result<Snapshot> {
    pipeline::open(path, options, control)
  }

  /// Parses and analyses a whole in-memory file.
  pub fn from_bytes(text: &[u8]) -> Result<Snapshot> {
    let t = Instant::now();
    let p = crate::parse::parse_bytes(text)?;
    let parse_ms = t.elapsed().as_secs_f64() * 1000.0;
    pipeline::analyze(p, parse_ms, &OpenOptions::default(), &Control::new())
  }

  /// Analyses what a (streaming) parser read.
  pub fn from_parsed(parsed: Parsed) -> Result<Snapshot> {
    pipeline::analyze(parsed, 0.0, &OpenOptions::default(), &Control::new())
  }

  pub fn node_count(&self) -> usize {
    self.g.node_count
  }
  /// What was odd about the input but accepted, as DevTools accepts it (one line each).
  pub fn warnings(&self) -> &[String] {
    &self.g.warnings
  }
  pub fn edge_count(&self) -> usize {
    self.g.edge_count
  }
  /// The root node's object id.
  pub fn root_id(&self) -> u64 {
    self.g.id(self.g.root)
  }
  /// Node type numbers by ordinal; [`type_names`](Self::type_names) names them.
  pub fn node_types(&self) -> &[u8] {
    &self.g.node_type
  }
  /// The file's node type names (`meta.node_types[0]`).
  pub fn type_names(&self) -> &[String] {
    &self.g.meta.node_types.names
  }

  /// Ordinal of the node with this id.
  pub fn ordinal_of(&self, id: u64) -> Option<u32> {
    let by_id = self.id_index();
    let i = by_id.partition_point(|&o| self.g.id(o) < id);
    by_id.get(i).copied().filter(|&o| self.g.id(o) == id)
  }

  pub fn aggregate_input(&self) -> AggregateInput<'_> {
    AggregateInput {
      g: &self.g,
      key_of: &self.key_of,
      keys: &self.keys,
      self_size: &self.self_size,
      distance: &self.distance,
      retained: &self.retained,
      first_dominated: &self.first_dominated,
      dominated: &self.dominated,
    }
  }

  /// The Summary view ("All objects"), by retained size descending.
  pub fn summary(&self) -> Vec<ClassAggregate> {
    self.summary_with(None, true)
  }

  /// The Summary view's rows without their `members` (empty): what a caller that shows only
  /// the figures needs, without a list of every object.
  pub fn summary_rows(&self) -> Vec<ClassAggregate> {
    self.summary_with(None, false)
  }

  /// The Summary view's rows (without `members`) of the objects whose id lies in `ids`
  /// (DevTools' "Objects allocated between snapshots" is `(max id of the base, max id of this
  /// one]`).
  pub fn summary_rows_of_ids(&self, ids: impl RangeBounds<u64>) -> Vec<ClassAggregate> {
    self.summary_with(Some(&|v| ids.contains(&self.g.id(v))), false)
  }

  /// The Summary view restricted to nodes accepted by `filter`.
  pub fn summary_filtered(&self, filter: &dyn Fn(u32) -> bool) -> Vec<ClassAggregate> {
    self.summary_with(Some(filter), true)
  }

  /// Every node without a filter (`None`): the class retained sizes are summed on every thread.
  fn summary_with(&self, filter: Option<&dyn Fn(u32) -> bool>, members: bool) -> Vec<ClassAggregate> {
    let inp = self.aggregate_input();
    let aggs = match filter {
      Some(f) => summary::aggregates_with(&inp, f, members),
      None if !members => {
        let totals = self.class_totals.get_or_init(|| {
          summary::class_totals(&self.key_of, self.keys.len(), &self.self_size, &self.distance)
        });
        summary::rows_of_all(&inp, totals)
      }
      None => summary::aggregates_all(&inp, members),
    };
    let mut rows = summary::by_public_key(aggs);
    rows.sort_by(|a, b| {
      b.retained_size
        .cmp(&a.retained_size)
        .then_with(|| a.public_key.cmp(&b.public_key))
    });
    rows
  }

  pub fn type_name(&self, v: u32) -> &str {
    &self.g.meta.node_types.names[self.g.node_type[v as usize] as usize]
  }

  /// Class string index of a node (interfaces applied).
  #[inline]
  pub fn class_of(&self, v: u32) -> u32 {
    self.keys[self.key_of[v as usize] as usize].class()
  }

  /// DevTools' class key of a node.
  #[inline]
  pub fn class_key(&self, v: u32) -> ClassKey {
    self.keys[self.key_of[v as usize] as usize]
  }

  pub fn class_name(&self, v: u32) -> String {
    to_string_lossy(self.g.strings.get(self.class_of(v) as usize))
  }

  /// DevTools' display name (cons strings joined, plain objects as `{a, b}`), as WTF-8.
  pub fn display_name_bytes(&self, v: u32) -> Vec<u8> {
    classes::display_name(&self.g, v)
  }

  pub fn edge_type_name(&self, k: usize) -> &str {
    &self.g.meta.edge_types.names[self.g.edge_type[k] as usize]
  }

  pub fn edges(&self, v: u32) -> Vec<EdgeInfo> {
    self
      .g
      .edges_of(v)
      .map(|k| EdgeInfo {
        edge_type: self.edge_type_name(k).to_string(),
        name: self.g.edge_name_string(k),
        other: self.g.edge_to[k],
        other_id: self.g.id(self.g.edge_to[k]),
      })
      .collect()
  }

  /// Every incoming edge, in the file's (source, edge) order.
  pub fn retainers(&self, v: u32) -> Vec<EdgeInfo> {
    let mut r: Vec<EdgeInfo> = self
      .g
      .retainers_of(v)
      .rev()
      .map(|rk| {
        let (k, other) = self.g.retainer(rk);
        EdgeInfo {
          edge_type: self.edge_type_name(k).to_string(),
          name: self.g.edge_name_string(k),
          other,
          other_id: self.g.id(other),
        }
      })
      .collect();
    r.shrink_to_fit();
    r
  }

  /// Ordinals sorted by id (built once, in parallel, on the first lookup by id).
  pub fn id_index(&self) -> &[u32] {
    self.by_id.get_or_init(|| {
      use rayon::prelude::*;
      let mut v: Vec<u32> = (0..self.g.node_count as u32).collect();
      v.par_sort_unstable_by_key(|&o| self.g.id(o));
      v
    })
  }

  /// Ids of the live instances of a class (nodes with a non-zero self size, as in the
  /// Summary). `class` is either a class name (`"Foo"`: every `Foo`, wherever it was
  /// constructed) or a Summary row's key (`",Foo"` or `"12,3,4,Foo"`: exactly that row's
  /// objects). Keys are told apart by their shape: a leading comma, or three integers and a
  /// comma before the name (class names such as `{a, b}` may hold commas too).
  pub fn instances(&self, class: &str) -> Vec<u64> {
    let wanted: Vec<bool> = if looks_like_key(class) {
      self
        .keys
        .iter()
        .map(|&k| summary::public_key(&self.g, k) == class)
        .collect()
    } else {
      let name = class.as_bytes();
      self
        .keys
        .iter()
        .map(|k| self.g.strings.get(k.class() as usize) == name)
        .collect()
    };
    (0..self.node_count() as u32)
      .filter(|&v| !self.self_size.is_zero(v) && wanted[self.key_of[v as usize] as usize])
      .map(|v| self.g.id(v))
      .collect()
  }

  /// Every node's class as an index into a table of class names (names in the order their
  /// first node appears), for bulk access without one string per node.
  pub fn class_table(&self) -> (Vec<u32>, Vec<String>) {
    const NONE: u32 = u32::MAX;
    let mut by_key = vec![NONE; self.keys.len()];
    let mut by_class: HashMap<u32, u32> = HashMap::default();
    let mut names = Vec::new();
    let index = self
      .key_of
      .iter()
      .map(|&k| {
        if by_key[k as usize] == NONE {
          let c = self.keys[k as usize].class();
          by_key[k as usize] = *by_class.entry(c).or_insert_with(|| {
            names.push(to_string_lossy(self.g.strings.get(c as usize)));
            (names.len() - 1) as u32
          });
        }
        by_key[k as usize]
      })
      .collect();
    (index, names)
  }

  /// One node with every number DevTools shows for it.
  pub fn node_info(&self, v: u32) -> NodeInfo {
    let i = v as usize;
    NodeInfo {
      id: self.g.id(v),
      ordinal: v,
      node_type: self.type_name(v).to_string(),
      name: self.display_name_bytes(v),
      class_name: self.class_name(v),
      class_key: summary::public_key(&self.g, self.class_key(v)),
      self_size: self.self_size.get(v),
      raw_self_size: self.g.raw_self(v),
      retained_size: self.retained.get(v),
      distance: self.distance[i],
      dominator_id: self.g.id(self.dominator[i]),
      edge_count: self.g.edges_of(v).len() as u32,
      retainer_count: self.g.retainers_of(v).len() as u32,
      detachedness: self.detachedness[i],
      location: self.location(v),
    }
  }

  /// The source location of a node: its own (closures, generators, objects through their
  /// constructor), with the script's name found in the snapshot.
  pub fn location(&self, v: u32) -> Option<SourceLocation> {
    let loc = *self.g.locations.get(&v)?;
    SourceLocation::from_v8(loc, self.sources.scripts.url(&self.g, loc.script_id))
  }

  /// The source location of a Summary class key (objects split by constructor location).
  pub fn key_location(&self, key: ClassKey) -> Option<SourceLocation> {
    let loc = locs::key_location(key)?;
    SourceLocation::from_v8(loc, self.sources.scripts.url(&self.g, loc.script_id))
  }

  /// Does the snapshot carry allocation stacks (taken with allocation tracking)?
  pub fn has_allocation_stacks(&self) -> bool {
    self.sources.allocations.is_some() && self.g.trace_node_id.is_some()
  }

  /// The stack that allocated node `v`, innermost frame first; `None` when the snapshot has no
  /// allocation tracking or the node was allocated before tracking started.
  pub fn allocation_stack(&self, v: u32) -> Option<Vec<Frame>> {
    let traces = self.sources.allocations.as_ref()?;
    let tid = *self.g.trace_node_id.as_ref()?.get(v as usize)?;
    if tid == 0 {
      return None;
    }
    let stack = traces.stack(tid);
    (!stack.is_empty()).then(|| {
      stack
        .iter()
        .map(|f| Allocations::frame(f, &self.g.strings))
        .collect()
    })
  }

  /// Object ids of every node, by ordinal.
  pub fn ids(&self) -> impl ExactSizeIterator<Item = u64> + '_ {
    (0..self.node_count() as u32).map(|v| self.g.id(v))
  }

  /// The file's self sizes (before DevTools' redistribution), by ordinal.
  pub fn raw_self_sizes(&self) -> impl ExactSizeIterator<Item = u64> + '_ {
    (0..self.node_count() as u32).map(|v| self.g.raw_self(v))
  }

  /// Outgoing edge counts, by ordinal.
  pub fn edge_counts(&self) -> impl ExactSizeIterator<Item = u32> + '_ {
    self.g.first_edge.windows(2).map(|w| w[1] - w[0])
  }

  /// Largest odd id (DevTools' "max JS object id").
  pub fn max_js_object_id(&self) -> u64 {
    (0..self.g.node_count as u32)
      .map(|v| self.g.id(v))
      .filter(|id| id % 2 == 1)
      .max()
      .unwrap_or(0)
  }
}

/// Does `s` have the shape of a Summary key (`",Name"` or `"scriptId,line,column,Name"`)?
fn looks_like_key(s: &str) -> bool {
  if s.starts_with(',') {
    return true;
  }
  let mut parts = s.splitn(4, ',');
  let mut ints = 0;
  for p in parts.by_ref().take(3) {
    if p.parse::<i64>().is_err() {
      return false;
    }
    ints += 1;
  }
  ints == 3 && parts.next().is_some()
}

#[cfg(test)]
mod tests {
  use super::looks_like_key;

  #[test]
  fn keys_and_class_names() {
    assert!(looks_like_key(",Foo"));
    assert!(looks_like_key("12,3,-1,Foo"));
    assert!(looks_like_key("12,3,4,{a, b}"));
    assert!(!looks_like_key("Foo"));
    assert!(!looks_like_key("{a, b}"));
    assert!(!looks_like_key("1,2,Foo"));
  }
}
