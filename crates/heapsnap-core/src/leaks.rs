//! Leak finding on plain Node code (memlab's baseline/target/final method, with filters made
//! for Node rather than for DOM pages), retainer paths, clustering, and growth across series.
//!
//! A leak candidate is an object of the *final* snapshot that did not exist at the baseline,
//! existed at the target, and is still alive after the action was undone. Only the final
//! snapshot needs its graph; baseline and target contribute object ids ([`IdSet`]).
//! Candidates owned by other candidates (in the dominator tree) are folded into their owner,
//! except plain collections (Array, Map, Set), which are looked through: a leaked array of
//! `RequestLog`s is reported as the `RequestLog`s, with the array on their path.

use crate::fxhash::FxHashMap as HashMap;
use crate::parse::strings::to_string_lossy;
use crate::snapshot::Snapshot;

/// The object ids of a snapshot (sorted), and its largest odd (JS heap) id.
#[derive(Debug, Clone, Default)]
pub struct IdSet {
  pub ids: Vec<u64>,
  pub max_js_id: u64,
}

impl IdSet {
  pub fn from_ids(mut ids: Vec<u64>) -> IdSet {
    ids.sort_unstable();
    ids.dedup();
    let max_js_id = ids.iter().rev().find(|&&i| i % 2 == 1).copied().unwrap_or(0);
    IdSet { ids, max_js_id }
  }
  pub fn from_snapshot(s: &Snapshot) -> IdSet {
    IdSet::from_ids((0..s.node_count() as u32).map(|v| s.g.id(v)).collect())
  }
  #[inline]
  pub fn contains(&self, id: u64) -> bool {
    self.ids.binary_search(&id).is_ok()
  }
}

#[derive(Debug, Clone)]
pub struct LeakOptions {
  /// Also report objects reachable only from V8's system roots (not from `global`).
  pub include_system: bool,
  /// Class names never reported (they may still appear on paths).
  pub ignore_classes: Vec<String>,
  /// Sample ids kept per cluster.
  pub samples: usize,
  /// Clusters returned (the rest are counted in the totals).
  pub max_clusters: usize,
}

impl Default for LeakOptions {
  fn default() -> Self {
    LeakOptions {
      include_system: false,
      ignore_classes: Vec::new(),
      samples: 5,
      max_clusters: 50,
    }
  }
}

/// A node as shown on a path.
#[derive(Debug, Clone)]
pub struct NodeRef {
  pub id: u64,
  pub node_type: String,
  pub class_name: String,
  pub name: String,
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

#[derive(Debug, Clone)]
pub struct LeakCluster {
  pub class_name: String,
  /// Leaked objects of this shape (top-level: not owned by another leaked object).
  pub count: u64,
  /// Σ retained size of those objects (no object counted twice).
  pub retained_size: u64,
  pub shallow_size: u64,
  /// Leaked objects they own (dominate), themselves included.
  pub objects: u64,
  pub path: RetainerPath,
  pub sample_ids: Vec<u64>,
}

#[derive(Debug, Clone, Default)]
pub struct LeakTotals {
  /// Every new-and-surviving object that passed the filters.
  pub leaked_objects: u64,
  /// Top-level leaked objects (the clusters' members).
  pub top_level: u64,
  pub retained_size: u64,
  pub clusters: u64,
}

#[derive(Debug, Clone, Default)]
pub struct LeakReport {
  pub clusters: Vec<LeakCluster>,
  pub totals: LeakTotals,
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
  let mut seen = crate::fxhash::FxHashSet::default();
  seen.insert(cur);
  for _ in 0..1000 {
    let d = s.distance[cur as usize];
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
      let ds = s.distance[src as usize] as i64;
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
fn signature(p: &RetainerPath) -> String {
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

fn is_leakable(s: &Snapshot, v: u32, opts: &LeakOptions) -> bool {
  let nt = &s.g.meta.node_types;
  let t = s.g.node_type[v as usize];
  if [nt.hidden, nt.array, nt.code, nt.number, nt.synthetic].contains(&t) {
    return false;
  }
  let tn = s.type_name(v);
  if tn == "object shape" {
    return false;
  }
  if s.self_size[v as usize] == 0 {
    return false;
  }
  let d = s.distance[v as usize];
  if d < 0 {
    return false;
  }
  // Even ids are embedder (native) objects, whose ids do not follow allocation order; they leak
  // as DOM nodes do, detached, and are kept only then.
  if s.g.id(v).is_multiple_of(2) && s.detachedness[v as usize] != crate::analysis::dom::DETACHED {
    return false;
  }
  if s.has_user_roots && d >= crate::analysis::distances::BASE_SYSTEM_DISTANCE && !opts.include_system {
    return false;
  }
  // Objects owned by code (allocation-site boilerplates, feedback) are V8's, not the app's.
  // So are objects owned by maps and descriptor arrays (property-name strings).
  let dom = s.dominator[v as usize];
  if s.g.node_type[dom as usize] == nt.code || s.type_name(dom) == "object shape" {
    return false;
  }
  true
}

fn is_collection(s: &Snapshot, v: u32) -> bool {
  s.g.node_type[v as usize] == s.g.meta.node_types.object
    && matches!(s.g.name_bytes(v), b"Array" | b"Map" | b"Set")
}

/// Objects new since `baseline`, present at `target` and still alive in `fin`, clustered.
pub fn find_leaks(baseline: &IdSet, target: &IdSet, fin: &Snapshot, opts: &LeakOptions) -> LeakReport {
  let g = &fin.g;
  let n = g.node_count;
  let mut cand = vec![false; n];
  for v in 0..n as u32 {
    let id = g.id(v);
    if baseline.contains(id) || !target.contains(id) {
      continue;
    }
    if is_leakable(fin, v, opts) {
      cand[v as usize] = true;
    }
  }
  // Walk the dominator tree from the root, remembering the nearest candidate ancestor.
  // Collections with a candidate below them are looked through.
  let mut has_cand_below = vec![false; n];
  {
    // post-order over the dominator tree via an explicit stack
    let mut stack: Vec<(u32, bool)> = vec![(g.root, false)];
    while let Some((v, done)) = stack.pop() {
      let (a, b) = (
        fin.first_dominated[v as usize] as usize,
        fin.first_dominated[v as usize + 1] as usize,
      );
      if !done {
        stack.push((v, true));
        for &c in &fin.dominated[a..b] {
          stack.push((c, false));
        }
      } else {
        let below = fin.dominated[a..b]
          .iter()
          .any(|&c| cand[c as usize] || has_cand_below[c as usize]);
        has_cand_below[v as usize] = below;
      }
    }
  }
  for v in 0..n as u32 {
    if cand[v as usize] && has_cand_below[v as usize] && is_collection(fin, v) {
      cand[v as usize] = false;
    }
  }
  drop(has_cand_below);
  // Top-level candidates and how many candidates each owns.
  let mut top: Vec<u32> = Vec::new();
  let mut owned: HashMap<u32, u64> = HashMap::default();
  let mut leaked = 0u64;
  let mut stack: Vec<(u32, u32)> = vec![(g.root, u32::MAX)];
  while let Some((v, owner)) = stack.pop() {
    let mut own = owner;
    if cand[v as usize] {
      leaked += 1;
      if owner == u32::MAX {
        top.push(v);
        own = v;
      }
      *owned.entry(own).or_insert(0) += 1;
    }
    let (a, b) = (
      fin.first_dominated[v as usize] as usize,
      fin.first_dominated[v as usize + 1] as usize,
    );
    for &c in &fin.dominated[a..b] {
      stack.push((c, own));
    }
  }
  top.sort_unstable();
  // Ignored classes are dropped with everything they own (they still own it: their children
  // do not surface as leaks of their own).
  if !opts.ignore_classes.is_empty() {
    top.retain(|&v| {
      let keep = !opts.ignore_classes.iter().any(|c| *c == fin.class_name(v));
      if !keep {
        leaked -= owned.get(&v).copied().unwrap_or(1);
      }
      keep
    });
  }
  // Cluster by path shape.
  let mut index: HashMap<String, usize> = HashMap::default();
  let mut clusters: Vec<LeakCluster> = Vec::new();
  let mut total_retained = 0u64;
  for &v in &top {
    let path = retainer_path(fin, v);
    let sig = signature(&path);
    let r = fin.retained[v as usize];
    total_retained += r;
    let objects = owned.get(&v).copied().unwrap_or(1);
    match index.get(&sig) {
      Some(&i) => {
        let c = &mut clusters[i];
        c.count += 1;
        c.retained_size += r;
        c.shallow_size += fin.self_size[v as usize] as u64;
        c.objects += objects;
        if c.sample_ids.len() < opts.samples {
          c.sample_ids.push(g.id(v));
        }
      }
      None => {
        index.insert(sig, clusters.len());
        clusters.push(LeakCluster {
          class_name: fin.class_name(v),
          count: 1,
          retained_size: r,
          shallow_size: fin.self_size[v as usize] as u64,
          objects,
          path,
          sample_ids: if opts.samples > 0 { vec![g.id(v)] } else { vec![] },
        });
      }
    }
  }
  clusters.sort_by(|a, b| b.retained_size.cmp(&a.retained_size).then(b.count.cmp(&a.count)));
  let totals = LeakTotals {
    leaked_objects: leaked,
    top_level: top.len() as u64,
    retained_size: total_retained,
    clusters: clusters.len() as u64,
  };
  clusters.truncate(opts.max_clusters);
  LeakReport { clusters, totals }
}

/// A class whose instance count grew at every step of a series.
#[derive(Debug, Clone)]
pub struct ClassGrowth {
  pub key: String,
  pub class_name: String,
  pub counts: Vec<u64>,
  pub sizes: Vec<u64>,
}

/// A collection (Array, Map, Set, object) alive through the series whose fan-out grew at
/// every step.
#[derive(Debug, Clone)]
pub struct CollectionGrowth {
  pub id: u64,
  pub class_name: String,
  pub sizes: Vec<u64>,
  pub retained_sizes: Vec<u64>,
  pub path: RetainerPath,
}

#[derive(Debug, Clone, Default)]
pub struct GrowthReport {
  pub classes: Vec<ClassGrowth>,
  pub collections: Vec<CollectionGrowth>,
}

/// Entries an object holds: its own element/property edges plus those of its backing stores
/// (`elements`, `properties`, `table`).
pub fn fan_out(s: &Snapshot, v: u32) -> u64 {
  let g = &s.g;
  let et = &g.meta.edge_types;
  let mut n = 0u64;
  for k in g.edges_of(v) {
    let t = g.edge_type[k];
    if t == et.element || t == et.property {
      n += 1;
    } else if t == et.internal
      && matches!(
        g.strings.get(g.edge_name[k] as usize),
        b"elements" | b"properties" | b"table"
      )
    {
      let store = g.edge_to[k];
      n += g.edges_of(store).filter(|&kk| g.edge_type[kk] != et.weak).count() as u64;
    }
  }
  n
}

pub fn find_growth(snaps: &[&Snapshot], limit: usize) -> GrowthReport {
  let mut report = GrowthReport::default();
  if snaps.len() < 2 {
    return report;
  }
  // Classes: count strictly increasing across every step.
  let per: Vec<HashMap<String, (String, u64, u64)>> = snaps
    .iter()
    .map(|s| {
      s.summary()
        .into_iter()
        .map(|a| (a.public_key, (a.class_name, a.count, a.shallow_size)))
        .collect()
    })
    .collect();
  let last = snaps.len() - 1;
  const INTERNAL: [&str; 7] = [
    "(compiled code)",
    "(system)",
    "(array)",
    "(number)",
    "(object shape)",
    "(synthetic)",
    "(hidden)",
  ];
  for (key, (name, _, _)) in per[last].iter() {
    if INTERNAL.contains(&name.as_str()) {
      continue;
    }
    let counts: Vec<u64> = per.iter().map(|m| m.get(key).map(|x| x.1).unwrap_or(0)).collect();
    if counts.windows(2).all(|w| w[1] > w[0]) {
      let sizes = per.iter().map(|m| m.get(key).map(|x| x.2).unwrap_or(0)).collect();
      report.classes.push(ClassGrowth {
        key: key.clone(),
        class_name: name.clone(),
        counts,
        sizes,
      });
    }
  }
  report.classes.sort_by(|a, b| {
    let da = *a.sizes.last().unwrap_or(&0) as i64 - *a.sizes.first().unwrap_or(&0) as i64;
    let db = *b.sizes.last().unwrap_or(&0) as i64 - *b.sizes.first().unwrap_or(&0) as i64;
    db.cmp(&da)
  });
  report.classes.truncate(limit);
  // Collections alive in every snapshot whose fan-out grew at every step.
  let fin = snaps[last];
  let object = fin.g.meta.node_types.object;
  for v in 0..fin.node_count() as u32 {
    if fin.g.node_type[v as usize] != object || fin.distance[v as usize] < 0 {
      continue;
    }
    let id = fin.g.id(v);
    let mut sizes = Vec::with_capacity(snaps.len());
    let mut retained = Vec::with_capacity(snaps.len());
    let mut ok = true;
    for s in snaps.iter() {
      match s.ordinal_of(id) {
        Some(o) => {
          sizes.push(fan_out(s, o));
          retained.push(s.retained[o as usize]);
        }
        None => {
          ok = false;
          break;
        }
      }
    }
    if !ok || !sizes.windows(2).all(|w| w[1] > w[0]) {
      continue;
    }
    report.collections.push(CollectionGrowth {
      id,
      class_name: fin.class_name(v),
      sizes,
      retained_sizes: retained,
      path: retainer_path(fin, v),
    });
  }
  report.collections.sort_by(|a, b| {
    let ga = a.sizes.last().unwrap_or(&0) - a.sizes.first().unwrap_or(&0);
    let gb = b.sizes.last().unwrap_or(&0) - b.sizes.first().unwrap_or(&0);
    gb.cmp(&ga)
  });
  report.collections.truncate(limit);
  report
}
