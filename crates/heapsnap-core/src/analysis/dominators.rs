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

/// Per-vertex state of the algorithm, kept together so that `eval`'s walks up the ancestor
/// chain touch one cache line per vertex instead of four.
#[derive(Clone, Copy, Default)]
#[repr(C)]
struct Vx {
  semi: u32,
  label: u32,
  ancestor: u32,
  parent: u32,
}

/// `essential` has a bit per edge, `ret_essential` the same bit per retainer slot.
pub fn compute(
  g: &Graph,
  essential: &[u64],
  ret_essential: &[u64],
  self_size: &[u32],
  cancel: Option<&AtomicBool>,
) -> Result<Dominators> {
  let n = g.node_count;
  let len = n + 1;
  // 1-based vertex numbers; 0 = none.
  let mut vx = vec![Vx::default(); len];
  let mut vertex = vec![0u32; len];
  let mut next_edge = vec![0u32; len];
  let mut count: u32 = 0;
  let r = g.root + 1;

  let dfs = |root: u32, vx: &mut [Vx], vertex: &mut [u32], next_edge: &mut [u32], count: &mut u32| {
    next_edge[(root - 1) as usize] = g.first_edge[(root - 1) as usize];
    let mut v = root;
    while v != 0 {
      if vx[v as usize].semi == 0 {
        *count += 1;
        vx[v as usize].semi = *count;
        vertex[*count as usize] = v;
        vx[v as usize].label = v;
      }
      let mut v_next = vx[v as usize].parent;
      let vo = (v - 1) as usize;
      let end = g.first_edge[vo + 1];
      while next_edge[vo] < end {
        let k = next_edge[vo] as usize;
        if bit(essential, k) {
          let wo = g.edge_to[k];
          let w = wo + 1;
          if vx[w as usize].semi == 0 {
            vx[w as usize].parent = v;
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

  dfs(r, &mut vx, &mut vertex, &mut next_edge, &mut count);
  if (count as usize) < n {
    for v in 1..=n as u32 {
      if vx[v as usize].semi == 0 && only_weak_retainers(g, ret_essential, v - 1) {
        vx[v as usize].parent = r;
        dfs(v, &mut vx, &mut vertex, &mut next_edge, &mut count);
      }
    }
  }
  if (count as usize) < n {
    for v in 1..=n as u32 {
      if vx[v as usize].semi == 0 {
        vx[v as usize].parent = r;
        count += 1;
        vx[v as usize].semi = count;
        vertex[count as usize] = v;
        vx[v as usize].label = v;
      }
    }
  }
  if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
    return Err(Error::cancelled());
  }

  let mut stack: Vec<u32> = Vec::new();
  let mut eval = |v: u32, vx: &mut [Vx]| -> u32 {
    if vx[v as usize].ancestor == 0 {
      return v;
    }
    // compress
    let mut x = v;
    stack.clear();
    while vx[vx[x as usize].ancestor as usize].ancestor != 0 {
      stack.push(x);
      x = vx[x as usize].ancestor;
    }
    while let Some(w) = stack.pop() {
      let a = vx[w as usize].ancestor as usize;
      let la = vx[a].label;
      if vx[la as usize].semi < vx[vx[w as usize].label as usize].semi {
        vx[w as usize].label = la;
      }
      vx[w as usize].ancestor = vx[a].ancestor;
    }
    vx[v as usize].label
  };

  // Buckets as singly linked lists: the head per vertex reuses `next_edge`; the link of a
  // member w reuses its `parent` field, which is read for the last time right before w joins a
  // bucket (after that only `ancestor` and `label` of w are used).
  let mut bucket_head = next_edge;
  bucket_head.iter_mut().for_each(|x| *x = 0);
  let mut dom = vec![0u32; len];
  let mut i = count;
  while i >= 2 {
    if i.is_multiple_of(1 << 20) && cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
      return Err(Error::cancelled());
    }
    let w = vertex[i as usize];
    let wo = w - 1;
    let mut orphan = true;
    let mut semi_w = vx[w as usize].semi;
    for rk in g.retainers_of(wo) {
      if ret_essential[rk >> 6] & (1 << (rk & 63)) == 0 {
        continue;
      }
      orphan = false;
      let v = g.retainer_node[rk] + 1;
      let u = eval(v, &mut vx);
      let su = vx[u as usize].semi;
      if su < semi_w {
        semi_w = su;
      }
    }
    if orphan {
      semi_w = vx[r as usize].semi;
    }
    vx[w as usize].semi = semi_w;
    let b = vertex[semi_w as usize] as usize;
    let pw = vx[w as usize].parent;
    vx[w as usize].parent = bucket_head[b];
    bucket_head[b] = w;
    vx[w as usize].ancestor = pw;
    let mut v = bucket_head[pw as usize];
    bucket_head[pw as usize] = 0;
    while v != 0 {
      let u = eval(v, &mut vx);
      dom[v as usize] = if vx[u as usize].semi < vx[v as usize].semi {
        u
      } else {
        pw
      };
      v = vx[v as usize].parent;
    }
    i -= 1;
  }
  drop(bucket_head);
  dom[0] = r;
  dom[r as usize] = r;
  for i in 2..=count {
    let w = vertex[i as usize] as usize;
    if dom[w] != vertex[vx[w].semi as usize] {
      dom[w] = dom[dom[w] as usize];
    }
  }
  drop(vx);
  // dominator ordinals, in place: dom[o + 1] - 1
  dom.remove(0);
  dom.iter_mut().for_each(|d| *d -= 1);
  let dominator = dom;
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

fn only_weak_retainers(g: &Graph, ret_essential: &[u64], node: u32) -> bool {
  !g.retainers_of(node).any(|rk| bit(ret_essential, rk))
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
