//! A parsed and analysed snapshot: the graph plus every per-node number DevTools shows, and
//! the queries the binding exposes (summary, statistics, node, edges, retainers, …).

use crate::analysis::classes::{self, InterfaceDef};
use crate::analysis::summary::{self, AggregateInput, ClassAggregate, ClassKey, Statistics};
use crate::analysis::{distances, dom, dominators, flags, shallow};
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::parse::strings::to_string_lossy;
use crate::parse::Parsed;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

pub struct Snapshot {
  pub g: Graph,
  /// Self sizes after DevTools' redistribution (what the UI shows).
  pub self_size: Vec<u32>,
  /// DOM state after propagation: 0 unknown, 1 attached, 2 detached.
  pub detachedness: Vec<u8>,
  pub dominator: Vec<u32>,
  pub retained: Vec<u64>,
  pub first_dominated: Vec<u32>,
  pub dominated: Vec<u32>,
  pub distance: Vec<i32>,
  /// Dense class-key id per node and the keys (DevTools' internal class keys).
  pub key_of: Vec<u32>,
  pub keys: Vec<ClassKey>,
  pub interfaces: Vec<InterfaceDef>,
  pub interface_names: classes::AddedStrings,
  pub has_user_roots: bool,
  pub total_size: u64,
  pub statistics: Statistics,
  /// Ordinals sorted by id, built on the first lookup by id.
  by_id: std::sync::OnceLock<Vec<u32>>,
  /// Milliseconds per phase.
  pub timings: Vec<(&'static str, f64)>,
  /// Bytes of input parsed.
  pub input_bytes: u64,
}

fn check(cancel: Option<&AtomicBool>) -> Result<()> {
  match cancel {
    Some(c) if c.load(Ordering::Relaxed) => Err(Error::cancelled()),
    _ => Ok(()),
  }
}

/// One row of a node's outgoing or incoming edges.
#[derive(Debug, Clone)]
pub struct EdgeInfo {
  pub edge_type: String,
  pub name: String,
  /// The node at the other end (target for edges, source for retainers).
  pub other: u32,
}

impl Snapshot {
  /// Runs every DevTools pass on a parsed file.
  pub fn analyze(parsed: Parsed, cancel: Option<&AtomicBool>, parse_ms: f64) -> Result<Snapshot> {
    let mut timings = vec![("parse", parse_ms)];
    let input_bytes = parsed.bytes;
    let mut t = Instant::now();
    let debug = std::env::var_os("HEAPSNAP_DEBUG_MEMORY").is_some();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, f64)>| {
      if debug {
        let st = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let pick = |k: &str| {
          st.lines()
            .find(|l| l.starts_with(k))
            .unwrap_or("")
            .split_whitespace()
            .nth(1)
            .unwrap_or("?")
            .to_string()
        };
        eprintln!("{name}: rss {} kB, peak {} kB", pick("VmRSS:"), pick("VmHWM:"));
      }
      timings.push((name, t.elapsed().as_secs_f64() * 1000.0));
      t = Instant::now();
    };
    let mut g = Graph::from_parsed(parsed)?;
    lap("graph", &mut timings);
    check(cancel)?;
    let detachedness = dom::propagate(&mut g);
    lap("detachedness", &mut timings);
    let page = flags::page_objects(&g);
    let has_user_roots = flags::has_user_roots(&g);
    lap("pageObjects", &mut timings);
    let mut cache = flags::EphemeronCache::new(g.strings.len());
    let essential = flags::essential_edges(&g, &page, &mut cache);
    drop(page);
    lap("essentialEdges", &mut timings);
    let ret_essential = g.build_retainers(&essential);
    g.detachedness = None; // the file's column; the propagated states are kept below
    lap("retainers", &mut timings);
    // Shallow sizes (sequential) and distances (sequential) only read the graph: run them at
    // once. Distances' BFS queue is gone again before the dominator pass, the memory peak.
    let (self_size, (distance, dist_ms)) = rayon::join(
      || shallow::redistribute(&g, has_user_roots),
      || {
        let t = Instant::now();
        let d = distances::compute(&g, &mut cache);
        (d, t.elapsed().as_secs_f64() * 1000.0)
      },
    );
    timings.push(("distances", dist_ms));
    lap("shallowSizes+distances", &mut timings);
    check(cancel)?;
    // The dominator tree and the classes need only read the graph: run them at once.
    let mut interner = classes::Interner::new(g.strings.len());
    let mut interface_names = classes::AddedStrings::new();
    let (doms, rest) = rayon::join(
      || {
        let t = Instant::now();
        let d = dominators::compute(&g, &essential, &ret_essential, &self_size, cancel);
        (d, t.elapsed().as_secs_f64() * 1000.0)
      },
      || {
        let t = Instant::now();
        let mut class = classes::object_classes(&g, &mut interner);
        let interfaces = classes::infer_interfaces(&g);
        classes::apply_interfaces(&g, &interfaces, &mut class, &mut interface_names, &mut interner);
        let keys = summary::key_ids(&g, &class);
        drop(class);
        (interfaces, keys, t.elapsed().as_secs_f64() * 1000.0)
      },
    );
    let (d, dom_ms) = doms;
    let d = d?;
    let (interfaces, (key_of, keys), class_ms) = rest;
    drop(essential);
    drop(ret_essential);
    drop(cache);
    interner.flush(&mut g.strings);
    let (first_dominated, dominated) = dominators::dominated_nodes(&d.dominator, g.root);
    timings.push(("dominators", dom_ms));
    timings.push(("classes", class_ms));
    lap("dominated+keys", &mut timings);
    check(cancel)?;
    let total_size = d.retained[g.root as usize] + g.meta.extra_native_bytes;
    let statistics = summary::statistics(&g, &self_size, total_size);
    lap("statistics", &mut timings);
    Ok(Snapshot {
      g,
      self_size,
      detachedness,
      dominator: d.dominator,
      retained: d.retained,
      first_dominated,
      dominated,
      distance,
      key_of,
      keys,
      interfaces,
      interface_names,
      has_user_roots,
      total_size,
      statistics,
      by_id: std::sync::OnceLock::new(),
      timings,
      input_bytes,
    })
  }

  /// Parses and analyses a whole in-memory file.
  pub fn from_bytes(text: &[u8]) -> Result<Snapshot> {
    let t = Instant::now();
    let p = crate::parse::parse_bytes(text)?;
    Snapshot::analyze(p, None, t.elapsed().as_secs_f64() * 1000.0)
  }

  /// Parses and analyses a file, reading it in blocks.
  pub fn open(
    path: &std::path::Path,
    cancel: Option<std::sync::Arc<AtomicBool>>,
    progress: &dyn Fn(u64, u64),
  ) -> Result<Snapshot> {
    let t = Instant::now();
    let p = crate::parse::parse_file(path, cancel.clone(), progress)?;
    Snapshot::analyze(p, cancel.as_deref(), t.elapsed().as_secs_f64() * 1000.0)
  }

  pub fn node_count(&self) -> usize {
    self.g.node_count
  }
  pub fn edge_count(&self) -> usize {
    self.g.edge_count
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
    self.summary_filtered(&|_| true)
  }

  /// The Summary view restricted to nodes accepted by `filter`.
  pub fn summary_filtered(&self, filter: &dyn Fn(u32) -> bool) -> Vec<ClassAggregate> {
    let aggs = summary::aggregates(&self.aggregate_input(), filter);
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

  pub fn raw_name(&self, v: u32) -> String {
    to_string_lossy(self.g.name_bytes(v))
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
        let k = self.g.retainer_edges()[rk] as usize;
        EdgeInfo {
          edge_type: self.edge_type_name(k).to_string(),
          name: self.g.edge_name_string(k),
          other: self.g.retainer_node[rk],
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

  /// Largest odd id (DevTools' "max JS object id").
  pub fn max_js_object_id(&self) -> u64 {
    (0..self.g.node_count as u32)
      .map(|v| self.g.id(v))
      .filter(|id| id % 2 == 1)
      .max()
      .unwrap_or(0)
  }
}
