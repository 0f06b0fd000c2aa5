//! User roots, the `pageObject` flag and essential edges (DevTools `calculateFlags`,
//! `computeIsEssentialEdge`): which edges the dominator tree may use.

use super::weakmap;
use crate::graph::Graph;
use rustc_hash::FxHashMap as HashMap;

/// Is `node` a user root when it is a direct child of the root? (not synthetic, or the
/// synthetic `(Document DOM trees)`)
pub fn is_user_root(g: &Graph, node: u32) -> bool {
  g.node_type[node as usize] != g.meta.node_types.synthetic || g.name_bytes(node) == b"(Document DOM trees)"
}

pub fn has_user_roots(g: &Graph) -> bool {
  g.edges_of(g.root).any(|k| is_user_root(g, g.edge_to[k]))
}

/// Nodes reachable (over non-weak edges) from the root's shortcut targets and DOM-tree roots.
pub fn page_objects(g: &Graph) -> Vec<bool> {
  let mut flag = vec![false; g.node_count];
  let mut stack = Vec::new();
  let et = &g.meta.edge_types;
  for k in g.edges_of(g.root) {
    let to = g.edge_to[k];
    let t = g.edge_type[k];
    if t == et.element {
      if !(g.node_type[to as usize] == g.meta.node_types.synthetic
        && g.name_bytes(to) == b"(Document DOM trees)")
      {
        continue;
      }
    } else if t != et.shortcut {
      continue;
    }
    stack.push(to);
    flag[to as usize] = true;
  }
  while let Some(v) = stack.pop() {
    for k in g.edges_of(v) {
      let to = g.edge_to[k] as usize;
      if flag[to] || g.edge_type[k] == et.weak {
        continue;
      }
      flag[to] = true;
      stack.push(to as u32);
    }
  }
  flag
}

/// Per-string cache of the ephemeron test: one byte per string (untested, no, yes) and the
/// matches, which are rare, in a map (a 24-byte slot per string was ~100 MB on a 1 GB file).
pub struct EphemeronCache {
  state: Vec<u8>,
  found: HashMap<u32, weakmap::Ephemeron>,
}

const UNTESTED: u8 = 0;
const NOT_EPHEMERON: u8 = 1;
const EPHEMERON: u8 = 2;

impl EphemeronCache {
  pub fn new(strings: usize) -> Self {
    EphemeronCache {
      state: vec![UNTESTED; strings],
      found: HashMap::default(),
    }
  }
  pub fn get(&mut self, g: &Graph, name: u32) -> Option<weakmap::Ephemeron> {
    match self.state[name as usize] {
      NOT_EPHEMERON => None,
      EPHEMERON => self.found.get(&name).copied(),
      _ => {
        let r = weakmap::parse(g.strings.get(name as usize));
        match r {
          Some(m) => {
            self.state[name as usize] = EPHEMERON;
            self.found.insert(name, m);
          }
          None => self.state[name as usize] = NOT_EPHEMERON,
        }
        r
      }
    }
  }
}

/// One bit per edge: may the dominator computation use it? In parallel over ranges of
/// sources (each range's words made on their own, then or-ed together: a word may span two).
/// The ephemeron test is made on each internal edge's name as met (a name that is not one
/// fails on its first bytes; the cache is the distances' own).
pub fn essential_edges(g: &Graph, page: &[bool]) -> Vec<u64> {
  use rayon::prelude::*;
  const SOURCES: usize = 1 << 15;
  let n = g.node_count;
  let et = &g.meta.edge_types;
  let parts: Vec<(usize, Vec<u64>)> = (0..n.div_ceil(SOURCES))
    .into_par_iter()
    .map(|c| {
      let (lo, hi) = (c * SOURCES, n.min((c + 1) * SOURCES));
      let (e0, e1) = (g.first_edge[lo] as usize, g.first_edge[hi] as usize);
      let w0 = e0 >> 6;
      let mut bits = vec![0u64; e1.div_ceil(64).saturating_sub(w0)];
      for v in lo as u32..hi as u32 {
        for k in g.edges_of(v) {
          let t = g.edge_type[k];
          if t == et.internal {
            if let Some(m) = weakmap::parse(g.strings.get(g.edge_name[k] as usize)) {
              if g.node_id[v as usize] as u64 == m.table_id {
                continue;
              }
            }
          }
          if t == et.weak {
            continue;
          }
          let to = g.edge_to[k];
          if to == v {
            continue;
          }
          if v != g.root {
            if t == et.shortcut {
              continue;
            }
            if page[to as usize] && !page[v as usize] {
              continue;
            }
          }
          bits[(k >> 6) - w0] |= 1 << (k & 63);
        }
      }
      (w0, bits)
    })
    .collect();
  let mut out = vec![0u64; g.edge_count.div_ceil(64)];
  for (w0, bits) in parts {
    for (o, b) in out[w0..].iter_mut().zip(bits) {
      *o |= b;
    }
  }
  out
}

#[inline]
pub fn bit(bits: &[u64], k: usize) -> bool {
  bits[k >> 6] & (1 << (k & 63)) != 0
}
