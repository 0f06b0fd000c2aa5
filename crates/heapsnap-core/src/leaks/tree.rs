//! DevTools' Retainers tree, for when one path is not the whole story: an object's retainers,
//! their retainers, and so on, each level sorted the way DevTools sorts it (nearest to a root
//! first, unreachable last), cut at a depth and a number of nodes.
//!
//! The tree is returned flat, in breadth-first order (each entry names its parent), so a
//! caller can nest it or print it without recursion. A retainer that is already on the branch
//! above it closes a cycle: it is listed, marked, and not expanded. Weak edges are listed as
//! DevTools lists them (`[[name]]`), after the strong ones of the same distance.

use super::path::{edge_label, node_ref, NodeRef};
use crate::snapshot::Snapshot;
use std::collections::VecDeque;

/// Limits of a retainers tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeLimits {
  /// Levels of retainers below the object (1 = its direct retainers).
  pub depth: u32,
  /// Entries in all, the object included.
  pub max_nodes: usize,
}

impl Default for TreeLimits {
  fn default() -> Self {
    TreeLimits {
      depth: 4,
      max_nodes: 200,
    }
  }
}

/// One entry: a retainer (or the object itself, at index 0) and the edge by which it holds
/// its parent.
#[derive(Debug, Clone)]
pub struct TreeEntry {
  /// Index of the entry it retains; `None` for the object itself.
  pub parent: Option<usize>,
  pub depth: u32,
  /// The edge from this node to its parent's node (none for the object itself).
  pub edge_type: String,
  pub edge_name: String,
  pub edge_label: String,
  pub node: NodeRef,
  /// Already on the branch above: not expanded.
  pub cycle: bool,
  /// Retainers not listed (cut by the depth or the node budget).
  pub omitted: u32,
}

/// Sort key of a retainer: DevTools' distance order, unreachable (negative) and system-only
/// after every user-reachable one, strong edges before weak at equal distance.
fn order_key(s: &Snapshot, v: u32, weak: bool) -> (u8, i64, bool) {
  let d = s.distance[v as usize];
  (d.reachability() as u8, d.get() as i64, weak)
}

/// The retainers tree of node `v` (see the module doc).
pub fn retainer_tree(s: &Snapshot, v: u32, limits: TreeLimits) -> Vec<TreeEntry> {
  let g = &s.g;
  let weak = g.meta.edge_types.weak;
  let mut out = vec![TreeEntry {
    parent: None,
    depth: 0,
    edge_type: String::new(),
    edge_name: String::new(),
    edge_label: String::new(),
    node: node_ref(s, v),
    cycle: false,
    omitted: 0,
  }];
  // (entry index, node ordinal); the branch above an entry is found through `parent`
  let mut ordinal: Vec<u32> = vec![v];
  let mut queue: VecDeque<usize> = VecDeque::from([0]);
  while let Some(i) = queue.pop_front() {
    let u = ordinal[i];
    let mut rs: Vec<(u32, usize)> = g
      .retainers_of(u)
      .rev()
      .map(|rk| {
        let (k, src) = g.retainer(rk);
        (src, k)
      })
      .collect();
    if rs.is_empty() || out[i].cycle {
      continue;
    }
    if out[i].depth >= limits.depth {
      out[i].omitted = rs.len() as u32;
      continue;
    }
    rs.sort_by_key(|&(src, k)| order_key(s, src, g.edge_type[k] == weak));
    for (n, &(src, k)) in rs.iter().enumerate() {
      if out.len() >= limits.max_nodes {
        out[i].omitted = (rs.len() - n) as u32;
        break;
      }
      // a cycle: `src` is this entry's node or one above it
      let mut cycle = false;
      let mut up = Some(i);
      while let Some(j) = up {
        if ordinal[j] == src {
          cycle = true;
          break;
        }
        up = out[j].parent;
      }
      out.push(TreeEntry {
        parent: Some(i),
        depth: out[i].depth + 1,
        edge_type: s.edge_type_name(k).to_string(),
        edge_name: g.edge_name_string(k),
        edge_label: edge_label(s, k),
        node: node_ref(s, src),
        cycle,
        omitted: 0,
      });
      ordinal.push(src);
      queue.push_back(out.len() - 1);
    }
  }
  out
}

#[cfg(test)]
mod tests {
  use super::*;

  /// root -[0]-> A, root -[1]-> B, A -.x-> C, B -.x-> C, C -.x-> A (a cycle through C).
  fn graph() -> Snapshot {
    let meta = r#"{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["synthetic","object","array"],"string","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["element","property","weak","hidden"],"string_or_number","node"]}"#;
    let nodes = "0,1,1,0,2, 1,2,3,10,1, 1,4,5,20,1, 1,5,7,30,1";
    let edges = "0,0,5, 0,1,10, 1,3,15, 1,3,15, 1,3,5";
    let text = format!(
      r#"{{"snapshot":{{"meta":{meta},"node_count":4,"edge_count":5}},"nodes":[{nodes}],"edges":[{edges}],"strings":["<dummy>","","A","x","B","C"]}}"#
    );
    Snapshot::from_bytes(text.as_bytes()).expect("a valid snapshot")
  }

  fn ids(t: &[TreeEntry], parent: usize) -> Vec<u64> {
    let mut v: Vec<u64> = t
      .iter()
      .filter(|e| e.parent == Some(parent))
      .map(|e| e.node.id)
      .collect();
    v.sort_unstable();
    v
  }

  #[test]
  fn retainers_their_retainers_and_the_cycle() {
    let s = graph();
    let c = s.ordinal_of(7).expect("C");
    let t = retainer_tree(&s, c, TreeLimits::default());
    assert_eq!(t[0].node.id, 7);
    assert_eq!(t[0].parent, None);
    assert_eq!(ids(&t, 0), vec![3, 5], "{t:?}");
    assert!(t
      .iter()
      .filter(|e| e.parent == Some(0))
      .all(|e| e.edge_label == ".x"));
    let a = t.iter().position(|e| e.node.id == 3).expect("A listed");
    assert_eq!(ids(&t, a), vec![1, 7], "A is held by the root and by C");
    let back = t
      .iter()
      .find(|e| e.parent == Some(a) && e.node.id == 7)
      .expect("C under A");
    assert!(back.cycle, "C closes a cycle: listed, not expanded");
  }

  #[test]
  fn depth_and_node_limits_count_what_they_cut() {
    let s = graph();
    let c = s.ordinal_of(7).expect("C");
    let one = retainer_tree(
      &s,
      c,
      TreeLimits {
        depth: 1,
        max_nodes: 100,
      },
    );
    assert_eq!(one.len(), 3);
    assert!(one[1..].iter().all(|e| e.omitted > 0), "{one:?}");
    let two = retainer_tree(
      &s,
      c,
      TreeLimits {
        depth: 4,
        max_nodes: 2,
      },
    );
    assert_eq!(two.len(), 2);
    assert_eq!(two[0].omitted, 1);
  }
}
