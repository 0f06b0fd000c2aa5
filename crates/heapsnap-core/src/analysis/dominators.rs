//! Dominator tree and retained sizes: Lengauer–Tarjan ("simple" variant: path compression,
//! naive link), iterative, ported step for step from DevTools so that even malformed graphs
//! (orphans held only by weak edges, cycles nobody reaches) get DevTools' answer:
//! DFS from the root over essential edges; then DFS from each orphan whose retainers are all
//! non-essential; then every node still unnumbered on its own, parented by the root.

use super::flags::bit;
use crate::error::{Error, Result};
use crate::graph::Graph;
use std::sync::atomic::{AtomicBool, Ordering};

pub struct Dominators {
  /// Immediate dominator ordinal of every node (the root dominates itself).
  pub dominator: Vec<u32>,
  /// Retained size of every node.
  pub retained: Vec<u64>,
}

pub fn compute(
  g: &Graph,
  essential: &[u64],
  self_size: &[u32],
  cancel: Option<&AtomicBool>,
) -> Result<Dominators> {
  let n = g.node_count;
  let len = n + 1;
  // 1-based vertex numbers; 0 = none.
  let mut parent = vec![0u32; len];
  let mut ancestor = vec![0u32; len];
  let mut vertex = vec![0u32; len];
  let mut label = vec![0u32; len];
  let mut semi = vec![0u32; len];
  let mut next_edge = vec![0u32; len];
  let mut count: u32 = 0;
  let r = g.root + 1;

  let dfs = |root: u32,
             parent: &mut [u32],
             vertex: &mut [u32],
             label: &mut [u32],
             semi: &mut [u32],
             next_edge: &mut [u32],
             count: &mut u32| {
    next_edge[(root - 1) as usize] = g.first_edge[(root - 1) as usize];
    let mut v = root;
    while v != 0 {
      if semi[v as usize] == 0 {
        *count += 1;
        semi[v as usize] = *count;
        vertex[*count as usize] = v;
        label[v as usize] = v;
      }
      let mut v_next = parent[v as usize];
      let vo = (v - 1) as usize;
      let end = g.first_edge[vo + 1];
      while next_edge[vo] < end {
        let k = next_edge[vo] as usize;
        if bit(essential, k) {
          let wo = g.edge_to[k];
          let w = wo + 1;
          if semi[w as usize] == 0 {
            parent[w as usize] = v;
            next_edge[wo as usize] = g.first_edge[wo as usize];
            v_next = w;
            break;
          }
        }
        next_edge[vo] += 1;
      }
      v = v_next;
    }
  };

  dfs(
    r,
    &mut parent,
    &mut vertex,
    &mut label,
    &mut semi,
    &mut next_edge,
    &mut count,
  );
  if (count as usize) < n {
    for v in 1..=n as u32 {
      if semi[v as usize] == 0 && only_weak_retainers(g, essential, v - 1) {
        parent[v as usize] = r;
        dfs(
          v,
          &mut parent,
          &mut vertex,
          &mut label,
          &mut semi,
          &mut next_edge,
          &mut count,
        );
      }
    }
  }
  if (count as usize) < n {
    for v in 1..=n as u32 {
      if semi[v as usize] == 0 {
        parent[v as usize] = r;
        count += 1;
        semi[v as usize] = count;
        vertex[count as usize] = v;
        label[v as usize] = v;
      }
    }
  }
  drop(next_edge);
  if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
    return Err(Error::cancelled());
  }

  let mut stack: Vec<u32> = Vec::new();
  let mut compress = |v: u32, ancestor: &mut [u32], label: &mut [u32], semi: &[u32]| {
    let mut v = v;
    stack.clear();
    while ancestor[ancestor[v as usize] as usize] != 0 {
      stack.push(v);
      v = ancestor[v as usize];
    }
    while let Some(w) = stack.pop() {
      let a = ancestor[w as usize] as usize;
      if semi[label[a] as usize] < semi[label[w as usize] as usize] {
        label[w as usize] = label[a];
      }
      ancestor[w as usize] = ancestor[a];
    }
  };
  let mut eval = |v: u32, ancestor: &mut [u32], label: &mut [u32], semi: &[u32]| -> u32 {
    if ancestor[v as usize] == 0 {
      return v;
    }
    compress(v, ancestor, label, semi);
    label[v as usize]
  };

  // Buckets as singly linked lists: head per vertex, next per member.
  let mut bucket_head = vec![0u32; len];
  let mut bucket_next = vec![0u32; len];
  let mut dom = vec![0u32; len];
  let mut i = count;
  while i >= 2 {
    if i % (1 << 20) == 0 && cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
      return Err(Error::cancelled());
    }
    let w = vertex[i as usize];
    let wo = w - 1;
    let mut orphan = true;
    for rk in g.retainers_of(wo) {
      if !bit(essential, g.retainer_edge[rk] as usize) {
        continue;
      }
      orphan = false;
      let v = g.retainer_node[rk] + 1;
      let u = eval(v, &mut ancestor, &mut label, &semi);
      if semi[u as usize] < semi[w as usize] {
        semi[w as usize] = semi[u as usize];
      }
    }
    if orphan {
      semi[w as usize] = semi[r as usize];
    }
    let b = vertex[semi[w as usize] as usize] as usize;
    bucket_next[w as usize] = bucket_head[b];
    bucket_head[b] = w;
    let pw = parent[w as usize];
    ancestor[w as usize] = pw;
    let mut v = bucket_head[pw as usize];
    bucket_head[pw as usize] = 0;
    while v != 0 {
      let u = eval(v, &mut ancestor, &mut label, &semi);
      dom[v as usize] = if semi[u as usize] < semi[v as usize] {
        u
      } else {
        pw
      };
      v = bucket_next[v as usize];
    }
    i -= 1;
  }
  drop(bucket_head);
  drop(bucket_next);
  dom[0] = r;
  dom[r as usize] = r;
  for i in 2..=count {
    let w = vertex[i as usize] as usize;
    if dom[w] != vertex[semi[w] as usize] {
      dom[w] = dom[dom[w] as usize];
    }
  }
  let dominator: Vec<u32> = (0..n).map(|o| dom[o + 1] - 1).collect();
  drop(dom);
  let mut retained: Vec<u64> = self_size.iter().map(|&s| s as u64).collect();
  let mut i = count;
  while i > 1 {
    let o = (vertex[i as usize] - 1) as usize;
    let d = dominator[o] as usize;
    retained[d] += retained[o];
    i -= 1;
  }
  Ok(Dominators { dominator, retained })
}

fn only_weak_retainers(g: &Graph, essential: &[u64], node: u32) -> bool {
  !g.retainers_of(node)
    .any(|rk| bit(essential, g.retainer_edge[rk] as usize))
}

/// Children of each node in the dominator tree (CSR; descending ordinal within a slice).
pub fn dominated_nodes(dominator: &[u32], root: u32) -> (Vec<u32>, Vec<u32>) {
  let n = dominator.len();
  let mut first = vec![0u32; n + 1];
  for (o, &d) in dominator.iter().enumerate() {
    if o as u32 != root {
      first[d as usize] += 1;
    }
  }
  let mut acc = 0u32;
  for f in first.iter_mut() {
    let c = *f;
    *f = acc;
    acc += c;
  }
  let mut fill: Vec<u32> = first[1..].to_vec();
  let mut list = vec![0u32; acc as usize];
  for (o, &d) in dominator.iter().enumerate() {
    if o as u32 == root {
      continue;
    }
    fill[d as usize] -= 1;
    list[fill[d as usize] as usize] = o as u32;
  }
  (first, list)
}
