//! Retainer paths: how an object is held, from a root down to it, as DevTools labels it.
//!
//! The path follows DevTools' distances (each step goes to a retainer one closer to the
//! roots), so it is a shortest path over non-weak edges and the one a person would find by
//! expanding the Retainers view. Its text form (`global → .cache (Map) → {table} → [12]
//! (RequestLog @1234)`) is what reports print; its [`signature`] is what leak clusters group by.

use crate::parse::strings::to_string_lossy;
use crate::snapshot::Snapshot;
use crate::types::Distance;

/// A node as shown on a path.
#[derive(Debug, Clone)]
pub struct NodeRef {
  pub id: u64,
  pub node_type: String,
  pub class_name: String,
  pub name: String,
  pub distance: Distance,
}

#[derive(Debug, Clone)]
pub struct PathStep {
  pub edge_type: String,
  pub edge_name: String,
  /// DevTools' edge label: `.name`, `[3]`, `->ctx`, `{internal}`, `[[weak]]`.
  pub edge_label: String,
  pub node: NodeRef,
}

#[derive(Debug, Clone)]
pub struct RetainerPath {
  /// The GC root or user root (e.g. `global`) where the path starts.
  pub root: NodeRef,
  pub steps: Vec<PathStep>,
  /// `global → .cache (Map) → {table} (internal array) → [12] (RequestLog @1234)`
  pub text: String,
}

/// DevTools' label of an edge.
pub fn edge_label(s: &Snapshot, k: usize) -> String {
  let et = &s.g.meta.edge_types;
  let t = s.g.edge_type[k];
  let name = s.g.edge_name_string(k);
  if t == et.element {
    format!("[{name}]")
  } else if t == et.property || t == et.shortcut {
    if name.contains(' ') {
      format!("[\"{name}\"]")
    } else {
      format!(".{name}")
    }
  } else if t == et.context {
    format!("->{name}")
  } else if t == et.weak {
    format!("[[{name}]]")
  } else {
    format!("{{{name}}}")
  }
}

pub fn node_ref(s: &Snapshot, v: u32) -> NodeRef {
  let mut name = to_string_lossy(&s.display_name_bytes(v));
  if name.chars().count() > 80 {
    name = name.chars().take(77).collect::<String>() + "…";
  }
  NodeRef {
    id: s.g.id(v),
    node_type: s.type_name(v).to_string(),
    class_name: s.class_name(v),
    name,
    distance: s.distance[v as usize],
  }
}

fn node_label(r: &NodeRef) -> String {
  match r.node_type.as_str() {
    "array" if r.name.is_empty() => "(internal array)".to_string(),
    "synthetic" | "hidden" | "native" | "array" => r.name.clone(),
    "closure" => format!(
      "closure {}",
      if r.name.is_empty() { "(anonymous)" } else { &r.name }
    ),
    "string" | "concatenated string" | "sliced string" => {
      let short: String = r.name.chars().take(30).collect();
      format!("string \"{short}\"")
    }
    _ if r.class_name.starts_with('{') || r.class_name == "Object" => r.class_name.clone(),
    _ => r.class_name.clone(),
  }
}

/// The shortest retainer path of `v` from a root, over non-weak edges, consistent with
/// DevTools' distances: each step goes to a retainer one closer to the roots.
pub fn retainer_path(s: &Snapshot, v: u32) -> RetainerPath {
  let g = &s.g;
  let weak = g.meta.edge_types.weak;
  let mut rev: Vec<(usize, u32)> = Vec::new(); // (edge, target) from the leaf upwards
  let mut cur = v;
  let mut seen = rustc_hash::FxHashSet::default();
  seen.insert(cur);
  for _ in 0..1000 {
    let d = s.distance[cur as usize].get();
    if cur == g.root || d == 1 || d == 0 {
      break;
    }
    // A retainer one step closer; else (unreachable or filtered) the closest non-weak one.
    let mut best: Option<(i64, u32, usize)> = None;
    for rk in g.retainers_of(cur).rev() {
      let k = g.retainer_edges()[rk] as usize;
      if g.edge_type[k] == weak {
        continue;
      }
      let src = g.retainer_node[rk];
      if seen.contains(&src) {
        continue;
      }
      let ds = s.distance[src as usize].get() as i64;
      let rank = if ds == d as i64 - 1 {
        -1
      } else if ds < 0 {
        i64::MAX
      } else {
        ds
      };
      if best.is_none_or(|(r, _, _)| rank < r) {
        best = Some((rank, src, k));
        if rank == -1 {
          break;
        }
      }
    }
    let Some((_, src, k)) = best else { break };
    rev.push((k, cur));
    seen.insert(src);
    cur = src;
  }
  let root = node_ref(s, cur);
  let mut text = node_label(&root);
  let mut steps: Vec<PathStep> = Vec::new();
  let mut run = 0usize;
  let order: Vec<(usize, u32)> = rev.iter().rev().copied().collect();
  for (i, &(k, target)) in order.iter().enumerate() {
    let node = node_ref(s, target);
    let label = edge_label(s, k);
    let piece = format!("{label} ({})", node_label(&node));
    // runs of the same step (linked lists) are written once with a count
    let next_same = order.get(i + 1).is_some_and(|&(k2, t2)| {
      t2 != v && edge_label(s, k2) == label && node_label(&node_ref(s, t2)) == node_label(&node)
    });
    if next_same && target != v {
      run += 1;
    } else {
      text.push_str(" → ");
      text.push_str(&piece);
      if run > 0 {
        text.push_str(&format!(" ×{}", run + 1));
        run = 0;
      }
      if target == v {
        text.truncate(text.len() - 1);
        text.push_str(&format!(" @{})", node.id));
      }
    }
    steps.push(PathStep {
      edge_type: s.edge_type_name(k).to_string(),
      edge_name: g.edge_name_string(k),
      edge_label: label,
      node,
    });
  }
  RetainerPath { root, steps, text }
}

/// Cluster signature of a path: the classes and edge names (indices abstracted) from the root
/// down to the first object of the leaked class, whose own edge keeps only its type. So the
/// members of one array, map or linked list (reached through `_next` or `_prev`) share one
/// signature, while the same class held by different owners does not.
pub(super) fn signature(p: &RetainerPath) -> String {
  let leaf = p
    .steps
    .last()
    .map(|s| s.node.class_name.as_str())
    .unwrap_or(p.root.class_name.as_str());
  let mut sig = p.root.class_name.clone();
  for st in &p.steps {
    sig.push('\u{1}');
    sig.push_str(&st.edge_type);
    if st.node.class_name == leaf {
      sig.push('\u{1}');
      sig.push_str(leaf);
      break;
    }
    sig.push(':');
    let mut in_digits = false;
    for ch in st.edge_name.chars() {
      if ch.is_ascii_digit() {
        if !in_digits {
          sig.push('#');
        }
        in_digits = true;
      } else {
        in_digits = false;
        sig.push(ch);
      }
    }
    sig.push('\u{1}');
    sig.push_str(&st.node.class_name);
  }
  sig
}
