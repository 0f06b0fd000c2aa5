//! DevTools' shallow-size redistribution (`calculateShallowSizes`): the sizes of internal
//! arrays and hidden objects owned by exactly one JS object are moved onto that owner, so the
//! Summary shows what a developer's object really costs.

use crate::graph::{Graph, Sizes};

const UNVISITED: u32 = u32::MAX;
const MULTIPLE: u32 = u32::MAX - 1;

/// Returns the self sizes DevTools shows (the file's sizes when there are no user roots).
pub fn redistribute(g: &Graph, has_user_roots: bool) -> Sizes {
  let mut size = g.raw_self_size.clone();
  if !has_user_roots {
    return size;
  }
  let n = g.node_count;
  let nt = &g.meta.node_types;
  let mut owner = vec![0u32; n];
  let mut work: Vec<u32> = Vec::new();
  for i in 0..n {
    let t = g.node_type[i];
    if t == nt.hidden
      || t == nt.array
      || (t == nt.native && g.name_bytes(i as u32) == b"system / ExternalStringData")
    {
      owner[i] = UNVISITED;
    } else {
      owner[i] = i as u32;
      work.push(i as u32);
    }
  }
  let weak = g.meta.edge_types.weak;
  while let Some(id) = work.pop() {
    let o = owner[id as usize];
    for k in g.edges_of(id) {
      if g.edge_type[k] == weak {
        continue;
      }
      let t = g.edge_to[k];
      let cur = owner[t as usize];
      if cur == UNVISITED {
        owner[t as usize] = o;
        work.push(t);
      } else if cur == t || cur == o || cur == MULTIPLE {
      } else {
        owner[t as usize] = MULTIPLE;
        work.push(t);
      }
    }
  }
  for i in 0..n {
    let o = owner[i];
    if o == UNVISITED || o == MULTIPLE || o == i as u32 {
      continue;
    }
    if g.node_type[o as usize] == nt.synthetic || o == g.root {
      continue;
    }
    let moved = size.get(i as u32);
    size.set(i as u32, 0);
    size.set(o, size.get(o) + moved);
  }
  size
}
