//! DevTools' shallow-size redistribution (`calculateShallowSizes`): the sizes of internal
//! arrays and hidden objects owned by exactly one JS object are moved onto that owner, so the
//! Summary shows what a developer's object really costs.

use crate::graph::{Graph, Sizes};

use rayon::prelude::*;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

const UNVISITED: u32 = u32::MAX;
const MULTIPLE: u32 = u32::MAX - 1;

/// Frontiers at least this long are spread on every thread; shorter ones (the tail of long
/// chains of hidden nodes) one node at a time, as DevTools does.
const PARALLEL_FRONTIER: usize = if cfg!(test) { 64 } else { 1 << 14 };

/// Returns the self sizes DevTools shows (the file's sizes when there are no user roots).
pub fn redistribute(g: &Graph, has_user_roots: bool) -> Sizes {
  let mut size = g.raw_self_size.clone();
  if !has_user_roots {
    return size;
  }
  let owner = owners(g);
  let nt = &g.meta.node_types;
  for (i, &o) in owner.iter().enumerate() {
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

/// Whether node `i` can be owned by another: hidden nodes, arrays and external string data.
fn owned(g: &Graph, i: u32) -> bool {
  let nt = &g.meta.node_types;
  let t = g.node_type[i as usize];
  t == nt.hidden || t == nt.array || (t == nt.native && g.name_bytes(i) == b"system / ExternalStringData")
}

/// Every node's owner: itself for a node that is not hidden, an array or external string
/// data; for those, the one owner every strong path from an owner reaches it through
/// (`MULTIPLE` when there are several, `UNVISITED` when none).
///
/// DevTools computes it with one work stack. The answer is the least fixpoint of "a node's
/// owner is the join of its strong retainers' owners" on the lattice UNVISITED < one owner <
/// MULTIPLE (an owner changes at most twice, and only upwards), so it does not depend on the
/// order the work is done in: here the owners spread from every node at once on all threads
/// (a compare-and-swap per update of a hidden node), then round by round while the frontier
/// is long, and the short tail on one thread.
fn owners(g: &Graph) -> Vec<u32> {
  let n = g.node_count;
  let owner: Vec<AtomicU32> = (0..n as u32)
    .into_par_iter()
    .with_min_len(1 << 12)
    .map(|i| AtomicU32::new(if owned(g, i) { UNVISITED } else { i }))
    .collect();
  let weak = g.meta.edge_types.weak;
  // Joins `o` (the owner of `id`) into the owners of id's strong targets; the targets whose
  // owner changed go to `next`.
  let spread = |id: u32, o: u32, next: &mut Vec<u32>| {
    for k in g.edges_of(id) {
      if g.edge_type[k] == weak {
        continue;
      }
      let t = g.edge_to[k];
      let slot = &owner[t as usize];
      let mut cur = slot.load(Relaxed);
      loop {
        // an owner node keeps itself (`cur == t`: no hidden node is its own owner)
        let new = if cur == UNVISITED {
          o
        } else if cur == t || cur == o || cur == MULTIPLE {
          break;
        } else {
          MULTIPLE
        };
        match slot.compare_exchange_weak(cur, new, Relaxed, Relaxed) {
          Ok(_) => {
            next.push(t);
            break;
          }
          Err(now) => cur = now,
        }
      }
    }
  };
  let gather = |mut a: Vec<u32>, mut b: Vec<u32>| {
    a.append(&mut b);
    a
  };
  // every owner node at once (a hidden node is never its own owner)
  let mut frontier: Vec<u32> = (0..n as u32)
    .into_par_iter()
    .with_min_len(1 << 12)
    .fold(Vec::new, |mut next, i| {
      if owner[i as usize].load(Relaxed) == i {
        spread(i, i, &mut next);
      }
      next
    })
    .reduce(Vec::new, gather);
  while frontier.len() >= PARALLEL_FRONTIER {
    frontier = frontier
      .par_iter()
      .with_min_len(1 << 10)
      .fold(Vec::new, |mut next, &id| {
        spread(id, owner[id as usize].load(Relaxed), &mut next);
        next
      })
      .reduce(Vec::new, gather);
  }
  let mut work = frontier;
  let mut next = Vec::new();
  while let Some(id) = work.pop() {
    spread(id, owner[id as usize].load(Relaxed), &mut next);
    work.append(&mut next);
  }
  owner.into_iter().map(AtomicU32::into_inner).collect()
}

#[cfg(test)]
mod tests {
  use super::*;

  /// DevTools' `calculateShallowSizes` owner pass as it is written: one work stack.
  fn owners_one_stack(g: &Graph) -> Vec<u32> {
    let n = g.node_count;
    let mut owner = vec![0u32; n];
    let mut work: Vec<u32> = Vec::new();
    for i in 0..n {
      if owned(g, i as u32) {
        owner[i] = UNVISITED;
      } else {
        owner[i] = i as u32;
        work.push(i as u32);
      }
    }
    while let Some(id) = work.pop() {
      let o = owner[id as usize];
      for k in g.edges_of(id) {
        if g.edge_type[k] == g.meta.edge_types.weak {
          continue;
        }
        let t = g.edge_to[k];
        let cur = owner[t as usize];
        if cur == UNVISITED {
          owner[t as usize] = o;
          work.push(t);
        } else if cur != t && cur != o && cur != MULTIPLE {
          owner[t as usize] = MULTIPLE;
          work.push(t);
        }
      }
    }
    owner
  }

  /// A random graph, most of its nodes hidden, arrays or external string data (some in long
  /// chains), so that owners spread over many rounds, meet, and leave some nodes unowned.
  fn random_text(seed: u64, n: usize) -> String {
    let mut next = crate::testing::xorshift(seed);
    let mut below = |k: usize| (next() % k as u64) as usize;
    let types: Vec<usize> = (0..n).map(|i| if i == 0 { 0 } else { [1, 1, 2, 2, 3, 4, 4, 5][below(8)] }).collect();
    let mut out: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for list in out.iter_mut().take(n / 3) {
      for _ in 0..below(4) {
        list.push(([2, 3, 4, 6][below(4)], 1 + below(n - 1)));
      }
    }
    // chains: each node of the upper part points at the next one, hidden or not
    for (t, list) in out.iter_mut().enumerate().skip(n / 3) {
      if t + 1 < n && below(10) != 0 {
        list.push((3, t + 1));
      }
      if below(3) == 0 {
        list.push(([1, 3, 6][below(3)], below(n)));
      }
    }
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for (i, list) in out.iter().enumerate() {
      // the name "system / ExternalStringData" (string 2) only on native nodes, half of them
      let name = if types[i] == 4 && i % 2 == 0 { 2 } else { 1 };
      nodes.push(format!("{},{name},{},8,{}", types[i], 2 * i + 1, list.len()));
      for &(ty, t) in list {
        edges.push(format!("{ty},1,{}", t * 5));
      }
    }
    let meta = r#"{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["synthetic","hidden","array","object","native","closure"],"string","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"]}"#;
    let strings = ["", "a", "system / ExternalStringData"].map(|s| format!("{s:?}"));
    crate::testing::snapshot_text(meta, &nodes, &edges, &strings)
  }

  #[test]
  fn owners_spread_on_all_threads_equal_devtools_one_stack() {
    let mut kinds = [0usize; 3];
    for seed in 1..=40u64 {
      let n = [50, 500, 3000][seed as usize % 3];
      let text = random_text(seed, n);
      let g = Graph::from_parsed(crate::parse::parse_bytes(text.as_bytes()).unwrap()).unwrap();
      let want = owners_one_stack(&g);
      assert_eq!(owners(&g), want, "seed {seed}, {n} nodes");
      for (i, &o) in want.iter().enumerate() {
        kinds[if o == MULTIPLE { 0 } else if o == UNVISITED { 1 } else { 2 }] += (o != i as u32) as usize;
      }
    }
    // the graphs hold every outcome: shared, unowned and singly owned hidden nodes
    assert!(kinds.iter().all(|&k| k > 100), "{kinds:?}");
  }
}
