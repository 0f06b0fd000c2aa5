//! What leaked and who holds it, in the words a developer uses for their own code.
//!
//! A cluster's class says little when the class is generic: every closure is a `Function`,
//! every bound handler `Function` too, every timer a `Timeout`. So a cluster is named after
//! what leaked ([`leak_name`]): a function by its name and where it is defined, a bound
//! function by its target and the class of its `this`, a `Timeout` by its callback, and a
//! plain object or collection by the largest class of the program's own that it keeps alive
//! ([`largest_retained`]). The path's holder ([`holder`]) is the variable or property nearest to
//! the leak that the program named: `responseCache (Map) ← server.js` for a module-level
//! binding, `'config' listeners on bus (EventEmitter) ← Server` for an emitter's listeners.

use super::finder::PathFinder;
use super::path::RetainerPath;
use crate::analysis::locations::{internal_edge, Origin, SourceLocation};
use crate::parse::strings::to_string_lossy;
use crate::snapshot::Snapshot;
use rustc_hash::FxHashMap as HashMap;

/// The variable or property that holds a leak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
  /// `responseCache (Map) ← server.js`
  pub text: String,
  /// The variable or property name (`responseCache`), or the event name for listeners.
  pub name: String,
  /// The class of what it names (`Map`).
  pub class_name: String,
  /// The object it names.
  pub id: u64,
  /// The path from the holder on, as a developer reads it: `server.js → ->responseCache (Map)
  /// → {table} ((internal array)) → {23} (Response @98037)` (what comes before it, often Node's
  /// timers or a test runner, is in the full path).
  pub path: String,
  /// Where the owner comes from: the script of a module-level binding, the constructor of an
  /// object's class.
  pub location: Option<SourceLocation>,
}

/// The largest class of the program's own code that a cluster keeps alive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retained {
  pub class_name: String,
  /// Objects of that class the cluster's objects own (dominate).
  pub count: u64,
  /// Their shallow size in all.
  pub size: u64,
  pub location: Option<SourceLocation>,
}

/// The function name of a closure, or `(anonymous)`.
fn function_name(s: &Snapshot, v: u32) -> String {
  let name = to_string_lossy(s.g.name_bytes(v));
  if name.is_empty() {
    "(anonymous)".into()
  } else {
    name
  }
}

/// A bound function's target and `this` (V8's `bound_function`/`bound_target_function` and
/// `bound_this` edges).
fn bound_parts(s: &Snapshot, v: u32) -> Option<(u32, Option<u32>)> {
  let g = &s.g;
  let target =
    internal_edge(g, v, b"bound_function").or_else(|| internal_edge(g, v, b"bound_target_function"))?;
  let this = internal_edge(g, v, b"bound_this").filter(|&t| {
    let ty = s.type_name(t);
    ty == "object" || ty == "closure"
  });
  Some((target, this))
}

/// A function as a person names it: `handler`, `bound handler (this: Logger)`; its location
/// (a bound function's is its target's).
fn function_label(s: &Snapshot, v: u32) -> (String, Option<SourceLocation>) {
  if let Some((target, this)) = bound_parts(s, v) {
    let mut name = format!("bound {}", function_label(s, target).0);
    if let Some(t) = this {
      name.push_str(&format!(" (this: {})", s.class_name(t)));
    }
    return (name, s.location(target));
  }
  (function_name(s, v), s.location(v))
}

/// What leaked, in one name, and where in the source it comes from.
pub fn leak_name(s: &Snapshot, v: u32) -> (String, Option<SourceLocation>) {
  let g = &s.g;
  if g.node_type[v as usize] == g.meta.node_types.closure {
    return function_label(s, v);
  }
  let class = s.class_name(v);
  if class == "Timeout" || class == "Immediate" {
    let property = g.meta.edge_types.property;
    let key: &[u8] = if class == "Timeout" {
      b"_onTimeout"
    } else {
      b"_onImmediate"
    };
    let callback = g
      .edges_of(v)
      .find(|&k| g.edge_type[k] == property && g.strings.get(g.edge_name[k] as usize) == key)
      .map(|k| g.edge_to[k])
      .filter(|&c| g.node_type[c as usize] == g.meta.node_types.closure);
    if let Some(c) = callback {
      let (name, loc) = function_label(s, c);
      return (format!("{class} → {name}"), loc);
    }
  }
  (class, s.location(v))
}

/// Is this class one a program defines (its constructor has a script of the program or a
/// dependency), as opposed to the language's or Node's?
fn program_class(f: &mut PathFinder, v: u32) -> bool {
  matches!(f.origin(v), Origin::User | Origin::Dependency)
}

/// The largest (by shallow size) class of the program's own code among what `members` own
/// (their dominator subtrees), the members themselves included. Walks at most `budget` nodes.
pub fn largest_retained(
  s: &Snapshot,
  f: &mut PathFinder,
  members: &[u32],
  budget: usize,
) -> Option<Retained> {
  let object = s.g.meta.node_types.object;
  let mut by_key: HashMap<u32, (u64, u64, u32)> = HashMap::default();
  let mut stack: Vec<u32> = members.to_vec();
  let mut seen = 0usize;
  while let Some(v) = stack.pop() {
    seen += 1;
    if seen > budget {
      break;
    }
    if s.g.node_type[v as usize] == object && program_class(f, v) {
      let e = by_key.entry(s.key_of[v as usize]).or_insert((0, 0, v));
      e.0 += 1;
      e.1 += s.self_size.get(v);
    }
    let (a, b) = (
      s.first_dominated[v as usize] as usize,
      s.first_dominated[v as usize + 1] as usize,
    );
    stack.extend_from_slice(&s.dominated[a..b]);
  }
  let (_, &(count, size, sample)) = by_key
    .iter()
    .max_by_key(|(k, (_, size, _))| (*size, std::cmp::Reverse(**k)))?;
  Some(Retained {
    class_name: s.class_name(sample),
    count,
    size,
    location: s.location(sample),
  })
}

/// The script of a closure context: the location of a closure that has it as its context.
fn context_location(s: &Snapshot, ctx: u32) -> Option<SourceLocation> {
  let g = &s.g;
  let internal = g.meta.edge_types.internal;
  let closure = g.meta.node_types.closure;
  g.retainers_of(ctx).rev().find_map(|rk| {
    let (k, src) = g.retainer(rk);
    (g.edge_type[k] == internal
      && g.node_type[src as usize] == closure
      && g.strings.get(g.edge_name[k] as usize) == b"context")
      .then(|| s.location(src))
      .flatten()
  })
}

fn is_context(s: &Snapshot, v: u32) -> bool {
  s.g.name_bytes(v) == b"system / Context"
}

fn is_global(name: &str, class: &str) -> bool {
  matches!(name, "global" | "globalThis" | "Window") || matches!(class, "global" | "Window")
}

/// The variable or property nearest to the leak on its path that the program named.
///
/// Walking up from the leak: positions in collections and V8's internal slots are skipped, and
/// so are links inside Node's own structures (a timer list's `_idleNext`); the first named
/// edge whose owner is not Node's, or the first module-level binding, is the holder.
pub fn holder(s: &Snapshot, f: &mut PathFinder, path: &RetainerPath) -> Option<Holder> {
  let steps = &path.steps;
  // the node a step's edge comes from
  let owner_of = |j: usize| -> Option<u32> {
    Some(if j == 0 {
      path.root.ordinal
    } else {
      steps[j - 1].node.ordinal
    })
  };
  let mut fallback: Option<usize> = None;
  let mut chosen: Option<usize> = None;
  for j in (0..steps.len()).rev() {
    let st = &steps[j];
    let named =
      matches!(st.edge_type.as_str(), "property" | "context" | "shortcut") && st.edge_name != "__proto__";
    if !named {
      continue;
    }
    let Some(owner) = owner_of(j) else { continue };
    fallback.get_or_insert(j);
    let module_binding = st.edge_type == "context";
    if module_binding || f.origin(owner) != Origin::Machinery {
      chosen = Some(j);
      break;
    }
  }
  let j = chosen.or(fallback)?;
  let owner = owner_of(j)?;
  let st = &steps[j];
  let held = st.node.ordinal;
  // an emitter's listeners: `x._events.name` is "'name' listeners on x"
  if st.edge_type == "property" && j >= 1 && steps[j - 1].edge_name == "_events" {
    if let Some(emitter) = owner_of(j - 1) {
      let (owner_text, location) = describe_owner(s, f, path, j - 1, emitter);
      return Some(Holder {
        text: format!("'{}' listeners on {owner_text}", st.edge_name),
        name: st.edge_name.clone(),
        class_name: s.class_name(held),
        id: st.node.id,
        path: format!("{owner_text} → {}", path.text_from(j - 1)),
        location,
      });
    }
  }
  let (owner_text, location) = describe_owner(s, f, path, j, owner);
  Some(Holder {
    text: format!("{} ({}) ← {owner_text}", st.edge_name, st.node.class_name),
    name: st.edge_name.clone(),
    class_name: st.node.class_name.clone(),
    id: st.node.id,
    path: format!("{owner_text} → {}", path.text_from(j)),
    location,
  })
}

/// How to name the owner of step `j`'s edge: a module (`server.js`) for a closure context,
/// `global`, a class of the program (`Server`), or the name it is reached by (`requestLog`).
fn describe_owner(
  s: &Snapshot,
  f: &mut PathFinder,
  path: &RetainerPath,
  j: usize,
  owner: u32,
) -> (String, Option<SourceLocation>) {
  let steps = &path.steps;
  if is_context(s, owner) {
    // the closure the path came through, else any closure of this context
    let via = (j >= 2)
      .then(|| steps[j - 2].node.ordinal)
      .filter(|&c| {
        s.g.node_type[c as usize] == s.g.meta.node_types.closure && steps[j - 1].edge_name == "context"
      })
      .and_then(|c| s.location(c));
    let loc = via.or_else(|| context_location(s, owner));
    return match loc {
      Some(l) => (l.file_name(), Some(l)),
      None => ("a closure".into(), None),
    };
  }
  let class = s.class_name(owner);
  let name = to_string_lossy(s.g.name_bytes(owner));
  if is_global(&name, &class) {
    return ("global".into(), None);
  }
  // a property of a function of the program (`createDebug.instances`): the function's name
  if s.g.node_type[owner as usize] == s.g.meta.node_types.closure && program_class(f, owner) {
    let name = function_name(s, owner);
    if name != "(anonymous)" {
      return (name, s.location(owner));
    }
  }
  if program_class(f, owner) {
    return (class, s.location(owner));
  }
  if j >= 1 {
    let into = &steps[j - 1];
    if matches!(into.edge_type.as_str(), "property" | "context" | "shortcut") {
      return (into.edge_name.clone(), s.location(owner));
    }
  }
  (class, s.location(owner))
}
