//! The compact heap graph: struct-of-arrays node columns, CSR edges and CSR retainers.
//!
//! Built from the parser's columns after validating every cross reference (edge counts,
//! `to_node`, string indices, root position), so analysis code can index without checks.
//! Ordinals are `u32` (V8 writes `to_node` as a 32-bit value, so no file holds more than
//! 2^32 / stride nodes); edge ordinals are `u32` too, which bounds a graph at 4 G edges.

use crate::error::{Error, Result};
use crate::fxhash::FxHashMap as HashMap;
use crate::meta::Meta;
use crate::parse::strings::StringTable;
use crate::parse::Parsed;
use rayon::prelude::*;

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
  /// The file's self sizes (wrapped to 32 bits; exact values of larger ones in `self_wide`).
  pub raw_self_size: Vec<u32>,
  pub self_wide: HashMap<u32, u64>,
  pub trace_node_id: Option<Vec<u32>>,
  /// File detachedness (0 unknown, 1 attached, 2 detached), or None when the column is absent.
  pub detachedness: Option<Vec<u8>>,
  /// `first_edge[i]..first_edge[i+1]` are node i's outgoing edges (edge ordinals).
  pub first_edge: Vec<u32>,
  pub edge_type: Vec<u8>,
  pub edge_name: Vec<u32>,
  /// Target node ordinal.
  pub edge_to: Vec<u32>,
  /// `first_retainer[i]..first_retainer[i+1]` index `retainer_edge` / `retainer_node`.
  pub first_retainer: Vec<u32>,
  /// Edge of each retainer slot; built on first use (`retainer_edges()`), as only queries
  /// need it: the dominator pass gets an "essential" bit per slot instead.
  retainer_edge: std::sync::OnceLock<Vec<u32>>,
  pub retainer_node: Vec<u32>,
  pub strings: StringTable,
  pub locations: HashMap<u32, Location>,
  pub samples: Vec<u32>,
}

impl Graph {
  pub fn from_parsed(p: Parsed) -> Result<Graph> {
    let Parsed {
      meta,
      nodes,
      edges,
      strings,
      locations,
      samples,
      ..
    } = p;
    let n = nodes.ty.len();
    let e = edges.ty.len();
    if n == 0 {
      return Err(Error::parse(
        "nodes",
        None,
        "the snapshot has no nodes (a snapshot has at least the root)",
      ));
    }
    if n > u32::MAX as usize - 2 || e >= u32::MAX as usize {
      return Err(Error::parse(
        "nodes",
        None,
        format!("{n} nodes / {e} edges exceed what heapsnap indexes (2^32)"),
      ));
    }
    let nf = meta.node_stride() as u64;
    // Edge ranges by prefix sum; the sum must be the number of edges.
    let mut first_edge = Vec::with_capacity(n + 1);
    let mut acc: u64 = 0;
    for &c in &nodes.edge_count {
      first_edge.push(acc as u32);
      acc += c as u64;
      if acc > e as u64 {
        break;
      }
    }
    if acc != e as u64 {
      return Err(Error::parse(
        "nodes.edge_count",
        None,
        format!(
          "the nodes' edge_count values add up to {}{} but the edges array holds {e} edges",
          if acc > e as u64 { "more than " } else { "" },
          acc
        ),
      ));
    }
    first_edge.push(e as u32);
    // to_node: multiple of the stride and in range; convert to ordinals in place.
    let mut edge_to = edges.to_node;
    let (nf32, n32) = (nf as u32, n as u32);
    // Convert to ordinals in place; invalid values become u32::MAX and are reported below.
    edge_to.par_iter_mut().for_each(|t| {
      let o = *t / nf32;
      *t = if *t % nf32 != 0 || o >= n32 { u32::MAX } else { o };
    });
    if let Some(k) = edge_to.par_iter().position_first(|&t| t == u32::MAX) {
      return Err(Error::parse(
        "edges.to_node",
        None,
        format!(
          "edge #{k}: to_node is not the index of a node (a multiple of the stride {nf} below {})",
          n as u64 * nf
        ),
      ));
    }
    // Name indices must be in the string table.
    let ns = strings.len() as u64;
    if let Some(k) = nodes.name.par_iter().position_first(|&s| s as u64 >= ns) {
      return Err(Error::parse(
        "nodes.name",
        None,
        format!(
          "node #{k}: name index {} is outside the {ns} strings",
          nodes.name[k]
        ),
      ));
    }
    let (el, hi) = (meta.edge_types.element, meta.edge_types.hidden);
    let bad_edge_name = (0..e)
      .into_par_iter()
      .find_first(|&k| edges.ty[k] != el && edges.ty[k] != hi && edges.name_or_index[k] as u64 >= ns);
    if let Some(k) = bad_edge_name {
      return Err(Error::parse(
        "edges.name_or_index",
        None,
        format!(
          "edge #{k}: name index {} is outside the {ns} strings",
          edges.name_or_index[k]
        ),
      ));
    }
    let root = match meta.root_index {
      None => 0,
      Some(ri) => {
        if ri % nf != 0 || ri / nf >= n as u64 {
          return Err(Error::parse(
            "snapshot.root_index",
            None,
            format!("root_index {ri} is not a node index"),
          ));
        }
        let r = (ri / nf) as usize;
        if r != 0 && r != n - 1 {
          return Err(Error::parse(
            "snapshot.root_index",
            None,
            format!("root_index {ri}: the root must be the first or the last node"),
          ));
        }
        r as u32
      }
    };
    let locations = build_locations(&meta, &locations, nf, n);
    let wide = |v: Vec<(u64, u64)>| {
      v.into_iter()
        .map(|(k, x)| (k as u32, x))
        .collect::<HashMap<_, _>>()
    };
    Ok(Graph {
      node_count: n,
      edge_count: e,
      root,
      node_type: nodes.ty,
      node_name: nodes.name,
      node_id: nodes.id,
      id_wide: wide(nodes.id_wide),
      raw_self_size: nodes.self_size,
      self_wide: wide(nodes.self_wide),
      trace_node_id: nodes.trace_node_id.filter(|t| t.iter().any(|&x| x != 0)),
      detachedness: nodes.detachedness,
      first_edge,
      edge_type: edges.ty,
      edge_name: edges.name_or_index,
      edge_to,
      first_retainer: Vec::new(),
      retainer_edge: std::sync::OnceLock::new(),
      retainer_node: Vec::new(),
      strings,
      locations,
      samples,
      meta,
    })
  }

  #[inline]
  pub fn edges_of(&self, node: u32) -> std::ops::Range<usize> {
    self.first_edge[node as usize] as usize..self.first_edge[node as usize + 1] as usize
  }

  /// Builds the retainers (CSR of sources) and returns, per retainer slot, whether its edge
  /// is set in `flags` (one bit per edge): the dominator pass reads that sequentially.
  pub fn build_retainers(&mut self, flags: &[u64]) -> Vec<u64> {
    let (first, rnode, bits) = build_retainers(self.node_count, &self.first_edge, &self.edge_to, Some(flags));
    self.first_retainer = first;
    self.retainer_node = rnode;
    bits
  }

  /// The edge of every retainer slot (built on first use).
  pub fn retainer_edges(&self) -> &[u32] {
    self.retainer_edge.get_or_init(|| {
      let (_, redge, _) = build_retainers_edges(
        self.node_count,
        &self.first_edge,
        &self.edge_to,
        &self.first_retainer,
      );
      redge
    })
  }

  #[inline]
  pub fn retainers_of(&self, node: u32) -> std::ops::Range<usize> {
    self.first_retainer[node as usize] as usize..self.first_retainer[node as usize + 1] as usize
  }

  /// Source node of an edge (binary search over the edge ranges).
  pub fn edge_source(&self, edge: u32) -> u32 {
    (self.first_edge.partition_point(|&f| f <= edge) - 1) as u32
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

  #[inline]
  pub fn id(&self, node: u32) -> u64 {
    if self.id_wide.is_empty() {
      return self.node_id[node as usize] as u64;
    }
    match self.id_wide.get(&node) {
      Some(&w) => w,
      None => self.node_id[node as usize] as u64,
    }
  }

  pub fn raw_self(&self, node: u32) -> u64 {
    if self.self_wide.is_empty() {
      return self.raw_self_size[node as usize] as u64;
    }
    match self.self_wide.get(&node) {
      Some(&w) => w,
      None => self.raw_self_size[node as usize] as u64,
    }
  }
}

/// Retainers as CSR. Within a node's slice, entries are in descending (source, edge) order,
/// as DevTools fills them from the end. Built in parallel by partitioning the *targets*:
/// every thread scans all edges in order but counts and fills only its own targets, so the
/// order is the sequential one and no two threads write the same slot. Returns the slice
/// starts, the source of every slot, and (with `flags`) a bit per slot copied from the edge.
fn build_retainers(
  n: usize,
  first_edge: &[u32],
  edge_to: &[u32],
  flags: Option<&[u64]>,
) -> (Vec<u32>, Vec<u32>, Vec<u64>) {
  let bounds = partition(n);
  let mut first = vec![0u32; n + 1];
  {
    let chunks: Vec<&mut [u32]> = split_by(&mut first[..n], &bounds);
    chunks.into_par_iter().enumerate().for_each(|(p, counts)| {
      let (lo, hi) = (bounds[p], bounds[p + 1]);
      for &t in edge_to {
        if t >= lo && t < hi {
          counts[(t - lo) as usize] += 1;
        }
      }
    });
  }
  let mut acc = 0u32;
  for f in first.iter_mut() {
    let c = *f;
    *f = acc;
    acc += c;
  }
  let e = edge_to.len();
  let mut rnode = vec![0u32; e];
  let bits: Vec<std::sync::atomic::AtomicU64> = (0..if flags.is_some() { e.div_ceil(64) } else { 0 })
    .map(|_| std::sync::atomic::AtomicU64::new(0))
    .collect();
  let pn = Ptr(rnode.as_mut_ptr());
  fill(n, first_edge, edge_to, &first, &bounds, &|slot, k, src| {
    // SAFETY: `slot` lies in its target's slice, and only one thread handles a target.
    unsafe { pn.write(slot, src) };
    if let Some(f) = flags {
      if f[k >> 6] & (1 << (k & 63)) != 0 {
        bits[slot >> 6].fetch_or(1 << (slot & 63), std::sync::atomic::Ordering::Relaxed);
      }
    }
  });
  (first, rnode, bits.into_iter().map(|b| b.into_inner()).collect())
}

/// The edge of every retainer slot, for a CSR built by `build_retainers`.
fn build_retainers_edges(n: usize, first_edge: &[u32], edge_to: &[u32], first: &[u32]) -> ((), Vec<u32>, ()) {
  let bounds = partition(n);
  let mut redge = vec![0u32; edge_to.len()];
  let pe = Ptr(redge.as_mut_ptr());
  fill(n, first_edge, edge_to, first, &bounds, &|slot, k, _| {
    // SAFETY: as in build_retainers.
    unsafe { pe.write(slot, k as u32) };
  });
  ((), redge, ())
}

fn partition(n: usize) -> Vec<u32> {
  let parts = rayon::current_num_threads().clamp(1, 16);
  (0..=parts).map(|p| (n * p / parts) as u32).collect()
}

/// Visits every edge as (retainer slot, edge, source), in parallel over target ranges.
fn fill(
  n: usize,
  first_edge: &[u32],
  edge_to: &[u32],
  first: &[u32],
  bounds: &[u32],
  put: &(dyn Fn(usize, usize, u32) + Sync),
) {
  (0..bounds.len() - 1).into_par_iter().for_each(|p| {
    let (lo, hi) = (bounds[p], bounds[p + 1]);
    // `fill[t - lo]` = one past the next free slot of t, filled from the end.
    let mut fill: Vec<u32> = first[lo as usize + 1..hi as usize + 1].to_vec();
    for src in 0..n {
      for k in first_edge[src] as usize..first_edge[src + 1] as usize {
        let t = edge_to[k];
        if t < lo || t >= hi {
          continue;
        }
        let f = &mut fill[(t - lo) as usize];
        *f -= 1;
        put(*f as usize, k, src as u32);
      }
    }
  });
}

#[derive(Clone, Copy)]
struct Ptr(*mut u32);
// SAFETY: shared only by the threads of build_retainers, which write disjoint slots.
unsafe impl Send for Ptr {}
unsafe impl Sync for Ptr {}

impl Ptr {
  /// # Safety
  /// `i` must be in bounds and written by one thread only.
  #[inline]
  unsafe fn write(&self, i: usize, v: u32) {
    *self.0.add(i) = v;
  }
}

/// Splits `v` at the given boundaries (bounds[0] = 0, last = v.len()).
fn split_by<'a>(mut v: &'a mut [u32], bounds: &[u32]) -> Vec<&'a mut [u32]> {
  let mut out = Vec::with_capacity(bounds.len() - 1);
  for w in bounds.windows(2) {
    let (a, b) = v.split_at_mut((w[1] - w[0]) as usize);
    out.push(a);
    v = b;
  }
  out
}

fn build_locations(meta: &Meta, flat: &[u32], nf: u64, n: usize) -> HashMap<u32, Location> {
  let lf = &meta.location_fields;
  let pos = |name: &str| lf.iter().position(|f| f == name);
  let (Some(oi), Some(si), Some(li), Some(ci)) =
    (pos("object_index"), pos("script_id"), pos("line"), pos("column"))
  else {
    return HashMap::default();
  };
  let stride = lf.len();
  let mut map = HashMap::default();
  for rec in flat.chunks_exact(stride) {
    let idx = rec[oi] as u64;
    if !idx.is_multiple_of(nf) || idx / nf >= n as u64 {
      continue;
    }
    map.insert(
      (idx / nf) as u32,
      Location {
        script_id: rec[si] as i32,
        line: rec[li] as i32,
        column: rec[ci] as i32,
      },
    );
  }
  map
}
