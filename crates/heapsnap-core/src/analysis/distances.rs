//! Distances from the roots (DevTools `calculateDistances` with the JS-snapshot filter):
//! BFS from the user roots (distance 1), then from the root (100 000 000 when user roots exist,
//! else 0) for what only the system reaches. Weak edges are never followed; a native context's
//! `sloppy_function_map` and stale descriptor-array links are skipped; a WeakMap value is
//! reached only through the second of its (key, table) pair of edges.

use super::flags::EphemeronCache;
use super::prefetch;
use crate::graph::Graph;
use crate::types::Distance;
use rustc_hash::FxHashSet as HashSet;

/// The value of nodes the BFS never reaches (see [`Distance`]).
const NO_DISTANCE: i32 = Distance::UNREACHABLE.0;
const BASE_SYSTEM_DISTANCE: i32 = Distance::BASE_SYSTEM;

/// JS `parseInt(s, 10)` on an edge name, or None for NaN.
fn parse_int(s: &[u8]) -> Option<i64> {
  let mut i = 0;
  while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
    i += 1;
  }
  let mut neg = false;
  if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
    neg = s[i] == b'-';
    i += 1;
  }
  let start = i;
  let mut v: i64 = 0;
  while i < s.len() && s[i].is_ascii_digit() {
    v = v.saturating_mul(10).saturating_add((s[i] - b'0') as i64);
    i += 1;
  }
  if i == start {
    return None;
  }
  Some(if neg { -v } else { v })
}

pub fn compute(g: &Graph, cache: &mut EphemeronCache) -> Vec<i32> {
  compute_with(g, cache, &|_| false)
}

/// Distances with an extra rule: never enter nodes for which `ignored` returns true
/// (DevTools' retainers view after "ignore this retainer").
pub fn compute_with(g: &Graph, cache: &mut EphemeronCache, ignored: &dyn Fn(u32) -> bool) -> Vec<i32> {
  let n = g.node_count;
  let mut dist = vec![NO_DISTANCE; n];
  let mut queue: Vec<u32> = Vec::with_capacity(n);
  let mut pending: HashSet<Vec<u8>> = HashSet::default();
  for k in g.edges_of(g.root) {
    let to = g.edge_to[k];
    if super::flags::is_user_root(g, to) {
      dist[to as usize] = 1;
      queue.push(to);
    }
  }
  let seeded = !queue.is_empty();
  bfs(g, cache, ignored, &mut dist, &mut queue, &mut pending);
  dist[g.root as usize] = if seeded { BASE_SYSTEM_DISTANCE } else { 0 };
  queue.clear();
  queue.push(g.root);
  bfs(g, cache, ignored, &mut dist, &mut queue, &mut pending);
  dist
}

fn bfs(
  g: &Graph,
  cache: &mut EphemeronCache,
  ignored: &dyn Fn(u32) -> bool,
  dist: &mut [i32],
  queue: &mut Vec<u32>,
  pending: &mut HashSet<Vec<u8>>,
) {
  let et = &g.meta.edge_types;
  let nt = &g.meta.node_types;
  let mut head = 0;
  while head < queue.len() {
    let v = queue[head];
    head += 1;
    let d = dist[v as usize] + 1;
    let vt = g.node_type[v as usize];
    // Per-source filters, decided once per node.
    let native_context = vt == nt.hidden && g.name_bytes(v) == b"system / NativeContext";
    let descriptors = vt == nt.array && g.name_bytes(v) == b"(map descriptors)";
    // The queue's nodes lie anywhere in the graph: what a node will read is asked for ahead,
    // in two steps (its row of the node columns 12 nodes ahead, then, 6 ahead, the start of
    // its edges, found in that row), and each edge's target's distance 6 edges ahead.
    if let Some(&far) = queue.get(head + 12) {
      prefetch(g.first_edge.as_ptr().wrapping_add(far as usize));
      prefetch(g.node_type.as_ptr().wrapping_add(far as usize));
      prefetch(dist.as_ptr().wrapping_add(far as usize));
    }
    if let Some(&ahead) = queue.get(head + 6) {
      let fe = g.first_edge[ahead as usize] as usize;
      prefetch(g.edge_to.as_ptr().wrapping_add(fe));
      prefetch(g.edge_type.as_ptr().wrapping_add(fe));
      prefetch(g.edge_name.as_ptr().wrapping_add(fe));
    }
    for k in g.edges_of(v) {
      if let Some(&t) = g.edge_to.get(k + 6) {
        prefetch(dist.as_ptr().wrapping_add(t as usize));
      }
      let t = g.edge_type[k];
      if t == et.weak {
        continue;
      }
      let to = g.edge_to[k];
      if dist[to as usize] != NO_DISTANCE {
        continue;
      }
      if ignored(to) {
        continue;
      }
      if native_context
        && g.edge_has_string_name(k)
        && g.strings.get(g.edge_name[k] as usize) == b"sloppy_function_map"
      {
        continue;
      }
      if descriptors {
        let idx = if g.edge_has_string_name(k) {
          parse_int(g.strings.get(g.edge_name[k] as usize))
        } else {
          Some(g.edge_name[k] as i64)
        };
        if let Some(i) = idx {
          if !(i < 2 || i % 3 != 1) {
            continue;
          }
        }
      } else if t == et.internal {
        if let Some(m) = cache.get(g, g.edge_name[k]) {
          let dup = g.strings.get(g.edge_name[k] as usize)[m.dup_start..].to_vec();
          if !pending.remove(&dup) {
            pending.insert(dup);
            continue;
          }
        }
      }
      dist[to as usize] = d;
      queue.push(to);
    }
  }
}
