//! Retainer paths: how an object is held, from a root down to it, as DevTools labels it.
//!
//! The path follows DevTools' distances (each step goes to a retainer one closer to the
//! roots), so it is a shortest path over non-weak edges and the one a person would find by
//! expanding the Retainers view. Its text form (`global → .cache (Map) → {table} → [12]
//! (RequestLog @1234)`) is what reports print; its [`signature`] is what leak clusters group by.

pub use super::finder::PathFinder;
use crate::analysis::locations::SourceLocation;
use crate::parse::strings::to_string_lossy;
use crate::snapshot::Snapshot;
use crate::types::Distance;

/// A node as shown on a path.
#[derive(Debug, Clone)]
pub struct NodeRef {
  pub id: u64,
  /// Its ordinal in the snapshot the path was found in (what later passes look it up by,
  /// with no id index to build).
  pub ordinal: u32,
  pub node_type: String,
  pub class_name: String,
  pub name: String,
  pub distance: Distance,
  /// Where in the source it comes from (closures; objects through their constructor).
  pub location: Option<SourceLocation>,
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
  node_ref_named(s, v, shown_name(s, v))
}

/// A node's display name as a path shows it (at most 80 characters).
fn shown_name(s: &Snapshot, v: u32) -> String {
  let name = to_string_lossy(&s.display_name_bytes(v));
  if name.chars().count() > 80 {
    name.chars().take(77).collect::<String>() + "…"
  } else {
    name
  }
}

fn node_ref_named(s: &Snapshot, v: u32, name: String) -> NodeRef {
  NodeRef {
    id: s.g.id(v),
    ordinal: v,
    node_type: s.type_name(v).to_string(),
    class_name: s.class_name(v),
    name,
    distance: s.distance[v as usize],
    location: s.location(v),
  }
}

/// One step of a path: the edge `k` and the node it leads to.
fn path_step(s: &Snapshot, k: usize, edge_label: String, node: NodeRef) -> PathStep {
  PathStep {
    edge_type: s.edge_type_name(k).to_string(),
    edge_name: s.g.edge_name_string(k),
    edge_label,
    node,
  }
}

fn node_label(r: &NodeRef) -> String {
  match r.node_type.as_str() {
    "array" if r.name.is_empty() => "(internal array)".to_string(),
    "synthetic" if r.name.is_empty() => "(root)".to_string(),
    "synthetic" | "hidden" | "native" | "array" => r.name.clone(),
    // a function with where it is defined: `closure onConfigChange leaky-app.js:51`
    "closure" => {
      let name = if r.name.is_empty() { "(anonymous)" } else { &r.name };
      match &r.location {
        Some(l) => format!("closure {name} {}", l.short()),
        None => format!("closure {name}"),
      }
    }
    "string" | "concatenated string" | "sliced string" => {
      let short: String = r.name.chars().take(30).collect();
      format!("string \"{short}\"")
    }
    _ if r.class_name.starts_with('{') || r.class_name == "Object" => r.class_name.clone(),
    _ => r.class_name.clone(),
  }
}

/// The shortest retainer path of `v` from a root, over non-weak edges, consistent with
/// DevTools' distances (each step goes to a retainer one closer to the roots); among the
/// paths of that length, one through the program's own code (see [`PathFinder`]).
pub fn retainer_path(s: &Snapshot, v: u32) -> RetainerPath {
  PathFinder::new(s).path(v)
}

/// What the leak search reads of a node on a path (for every leak, before it is clustered):
/// a [`node_ref`] without the display name, but for functions (clusters of closures are told
/// apart by it).
fn search_node_ref(s: &Snapshot, v: u32) -> NodeRef {
  let name = if s.type_name(v) == "closure" {
    shown_name(s, v)
  } else {
    String::new()
  };
  node_ref_named(s, v, name)
}

/// The path [`build_path`] makes, as far as the leak search reads it before it clusters
/// ([`signature`], the report rules, the allocation root): the nodes as [`search_node_ref`] has
/// them, the edges' types and names, and no labels or text (the path of each cluster is then
/// made whole). Most leaks' paths are read only this far.
pub(super) fn build_search_path(s: &Snapshot, root: u32, rev: &[(usize, u32)]) -> RetainerPath {
  RetainerPath {
    root: search_node_ref(s, root),
    steps: rev
      .iter()
      .rev()
      .map(|&(k, target)| path_step(s, k, String::new(), search_node_ref(s, target)))
      .collect(),
    text: String::new(),
  }
}

/// A path from its edges, leaf upwards: `(edge, node it leads to)` from `v` to the root's child.
pub(super) fn build_path(s: &Snapshot, v: u32, root: u32, rev: &[(usize, u32)]) -> RetainerPath {
  let root = node_ref(s, root);
  let mut text = node_label(&root);
  let mut steps: Vec<PathStep> = Vec::new();
  let mut run = 0usize;
  let order: Vec<(usize, u32)> = rev.iter().rev().copied().collect();
  // each step's node, edge label and node label, made once (a step is compared with the next)
  let made: Vec<(NodeRef, String, String)> = order
    .iter()
    .map(|&(k, target)| {
      let node = node_ref(s, target);
      let shown = node_label(&node);
      (node, edge_label(s, k), shown)
    })
    .collect();
  let mut it = made.into_iter().zip(order.iter().copied()).peekable();
  while let Some(((node, label, shown), (k, target))) = it.next() {
    // runs of the same step (linked lists) are written once with a count
    let next_same = it
      .peek()
      .is_some_and(|((_, label2, shown2), (_, t2))| *t2 != v && *label2 == label && *shown2 == shown);
    let piece = format!("{label} ({shown})");
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
    steps.push(path_step(s, k, label, node));
  }
  RetainerPath { root, steps, text }
}

impl RetainerPath {
  /// The path's text from step `j` on (`->responseCache (Map) → {table} → … (Response @12)`),
  /// runs of one step written once with a count, as in [`RetainerPath::text`].
  pub fn text_from(&self, j: usize) -> String {
    let steps = self.steps.get(j..).unwrap_or(&[]);
    if steps.is_empty() {
      return String::new();
    }
    let piece = |st: &PathStep| format!("{} ({})", st.edge_label, node_label(&st.node));
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < steps.len() {
      let p = piece(&steps[i]);
      let mut run = 1;
      while i + run < steps.len() - 1 && piece(&steps[i + run]) == p {
        run += 1;
      }
      let last = i + run == steps.len();
      let mut text = if run > 1 { format!("{p} ×{run}") } else { p };
      if last {
        text.truncate(text.len() - 1);
        text.push_str(&format!(" @{})", steps[i].node.id));
      }
      out.push(text);
      i += run;
    }
    out.join(" → ")
  }
}

/// Is the path's leaf an entry of a Map or Set (held by its hash table)?
pub(super) fn is_collection_entry(p: &RetainerPath) -> bool {
  let n = p.steps.len();
  n >= 2 && p.steps[n - 2].edge_type == "internal" && p.steps[n - 2].edge_name == "table"
}

/// Cluster signature of a path: the classes and edge names (indices abstracted) from the root
/// down to the first object of the leaked class, whose own edge keeps only its type. So the
/// members of one array, map or linked list (reached through `_next` or `_prev`) share one
/// signature, while the same class held by different owners does not. The keys and values of
/// one Map are one signature (its entries), whatever their classes.
pub(super) fn signature(p: &RetainerPath) -> String {
  let entry = is_collection_entry(p);
  let leaf = p
    .steps
    .last()
    .map(|s| s.node.class_name.as_str())
    .unwrap_or(p.root.class_name.as_str());
  // A closure is told from the functions on its way by what it is (name and location), not
  // by its class: every function is a `Function`, and the path to a leaked listener often runs
  // through others (`.setTimeout`, a timer's callback), where it must not stop.
  let leaf_node = p.steps.last().map(|s| &s.node);
  let is_closure = leaf_node.is_some_and(|n| n.node_type == "closure");
  let same_as_leaf = |n: &NodeRef| match leaf_node {
    Some(l) if is_closure => n.node_type == "closure" && n.name == l.name && n.location == l.location,
    _ => n.class_name == leaf,
  };
  let mut sig = p.root.class_name.clone();
  let last = p.steps.len().saturating_sub(1);
  for (i, st) in p.steps.iter().enumerate() {
    sig.push('\u{1}');
    sig.push_str(&st.edge_type);
    if entry && i == last {
      sig.push_str("\u{1}\u{2}entry");
      break;
    }
    if !entry && same_as_leaf(&st.node) {
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

#[cfg(test)]
mod tests {
  use super::*;

  fn node(id: u64, node_type: &str, class_name: &str, name: &str, line: u32) -> NodeRef {
    NodeRef {
      id,
      ordinal: id as u32,
      node_type: node_type.into(),
      class_name: class_name.into(),
      name: name.into(),
      distance: Distance(0),
      location: (line > 0).then(|| SourceLocation {
        script_id: 7,
        url: "/app/node_modules/pkg/index.js".into(),
        line,
        column: 1,
      }),
    }
  }

  fn step(edge_type: &str, edge_name: &str, n: NodeRef) -> PathStep {
    PathStep {
      edge_type: edge_type.into(),
      edge_name: edge_name.into(),
      edge_label: String::new(),
      node: n,
    }
  }

  /// global → .setTimeout (closure) → {context} → ->req → ._events → .connect → [i] (closure `name`)
  fn listener(id: u64, name: &str, line: u32) -> RetainerPath {
    RetainerPath {
      root: node(1, "object", "global", "global", 0),
      steps: vec![
        step(
          "property",
          "setTimeout",
          node(2, "closure", "Function", "setTimeout", 139),
        ),
        step(
          "internal",
          "context",
          node(3, "object", "system / Context", "", 0),
        ),
        step("context", "req", node(4, "object", "ClientRequest", "", 0)),
        step("property", "_events", node(5, "object", "Object", "", 0)),
        step("property", "connect", node(6, "array", "Array", "", 0)),
        step(
          "element",
          &id.to_string(),
          node(id, "closure", "Function", name, line),
        ),
      ],
      text: String::new(),
    }
  }

  #[test]
  fn a_closure_is_told_from_the_functions_on_its_way() {
    // the path runs through another function (setTimeout): the signature goes on past it, so
    // listeners of different holders are not one cluster, and one function's listeners are
    let a = signature(&listener(100, "connect", 24));
    assert_eq!(a, signature(&listener(101, "connect", 24)));
    assert!(a.contains("connect"), "{a:?}");
    assert!(a.contains("ClientRequest"), "{a:?}");
  }
}
