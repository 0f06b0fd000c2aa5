//! Leak finding on plain Node code (memlab's baseline/target/final method, with filters made
//! for Node rather than for DOM pages): candidates, ownership, clusters, and what to call them.
//!
//! A leak candidate is an object of the *final* snapshot that did not exist at the baseline,
//! existed at the target, and is still alive after the action was undone. Only the final
//! snapshot needs its graph; baseline and target contribute object ids ([`IdSet`]).
//! The [`filters`] decide which candidates count. Candidates owned by other candidates (in the
//! dominator tree) are folded into their owner, except plain collections (Array, Map, Set),
//! which are looked through: a leaked array of `RequestLog`s is reported as the `RequestLog`s,
//! with the array on their path. Reported objects are clustered by the shape of their
//! retainer [`path`] (chosen by the [`finder`]: through the program's code where it can), and
//! [`naming`] says what leaked and who holds it; [`growth`] looks at a series of snapshots
//! instead of three.
//!
//! **A leak repeats.** Objects a correct program makes once after the baseline (the first
//! `console.log` creating `process.stdout`, a module loaded lazily, a keep-alive socket, a
//! parser pool's first parsers) survive as surely as a leak does. What tells a leak apart is
//! that it happens again with every action: a cluster counts how many times its objects were
//! allocated apart ([`LeakCluster::repeats`]: objects that hang off one new object, such as the
//! functions of one lazily loaded module, are one allocation), and a cluster that repeats
//! fewer than [`LeakOptions::min_count`] times is set aside as one-off, and listed as such.
//! So is a cluster Node makes for itself (held by Node's own state, with none of the
//! program's code or classes in it: a module's export names, a parser pool, keep-alive
//! sockets' timers). Nothing is set aside silently: [`LeakReport::set_aside`] counts every
//! candidate a rule removed, by rule, and the clusters set aside are listed.

pub mod filters;
pub mod finder;
pub mod growth;
pub mod naming;
pub mod path;
pub mod tree;

pub use filters::{Profile, Rules};
pub use finder::{EdgeFilter, PathFinder};
pub use growth::{fan_out, find_growth, ClassGrowth, CollectionGrowth, GrowthReport};
pub use naming::{Holder, Retained};
pub use path::{edge_label, node_ref, retainer_path, NodeRef, PathStep, RetainerPath};
pub use tree::{retainer_tree, TreeEntry, TreeLimits};

use crate::analysis::allocations::Frame;
use crate::analysis::locations::{origin, Origin, SourceLocation};
use crate::snapshot::Snapshot;
use filters::ObjectRule;
use path::signature;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// The object ids of a snapshot (sorted), and its largest odd (JS heap) id.
#[derive(Debug, Clone, Default)]
pub struct IdSet {
  pub ids: Vec<u64>,
  pub max_js_id: u64,
}

impl IdSet {
  pub fn from_ids(mut ids: Vec<u64>) -> IdSet {
    sort_ids(&mut ids);
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

/// Sorts ids. V8 writes them almost in order (4 descents in 1.9 M nodes measured): the stable
/// sort merges the few runs (3 ms there) where the unstable one sorts them anew (51 ms). Ids in
/// more runs (a snapshot made of copies: 131 to 108 K descents in 3.9 M ids, 70-130 ms of
/// merging) go through a bitmap instead ([`bitmap_sort`]).
fn sort_ids(ids: &mut Vec<u64>) {
  const FEW_RUNS: usize = 16;
  if ids.len() < 1 << 16 || ids.windows(2).filter(|w| w[1] < w[0]).nth(FEW_RUNS).is_none() {
    ids.sort();
    return;
  }
  bitmap_sort(ids);
}

/// Sorts ids (duplicates may stay, next to each other) through a bitmap of the range that holds
/// nearly all of them: V8's ids are dense (the odd ones count JS objects as they are made; in
/// the x33 leak series 3.9 M ids below 8.3 M and 0.06 % near 2·10^9). The range is twice the
/// distance from the smallest id to the 98.4 % quantile of a sample, at most 32 bits an id; the
/// ids above it are sorted apart and come after.
fn bitmap_sort(ids: &mut Vec<u64>) {
  let n = ids.len();
  let min = ids.iter().copied().min().unwrap_or(0);
  let mut sample: Vec<u64> = ids.iter().step_by(64).copied().collect();
  sample.sort_unstable();
  let q = sample[sample.len() - 1 - sample.len() / 64];
  let span = (q - min).saturating_mul(2).saturating_add(64).min(32 * n as u64);
  let mut bits = vec![0u64; (span / 64 + 1) as usize];
  let mut rest = Vec::new();
  set_bits(
    &mut bits,
    ids.iter().filter_map(|&x| match x - min {
      o if o < span => Some(o),
      _ => {
        rest.push(x);
        None
      }
    }),
  );
  rest.sort_unstable();
  ids.clear();
  for (w, &b) in bits.iter().enumerate() {
    let mut b = b;
    while b != 0 {
      ids.push(min + 64 * w as u64 + b.trailing_zeros() as u64);
      b &= b - 1;
    }
  }
  ids.extend_from_slice(&rest);
}

/// Sets the bits at `offsets`, which mostly ascend: the current word is kept in a register while
/// they stay in it (one read-modify-write of memory per word, not a chain of them per bit).
#[inline]
fn set_bits(bits: &mut [u64], offsets: impl Iterator<Item = u64>) {
  let mut w = 0usize;
  let mut word = 0u64;
  for o in offsets {
    let k = (o / 64) as usize;
    if k != w {
      bits[w] |= word;
      w = k;
      word = 0;
    }
    word |= 1 << (o % 64);
  }
  if let Some(b) = bits.get_mut(w) {
    *b |= word;
  }
}

/// An [`IdSet`] as the leak search asks it, about every node of the final snapshot: a bitmap
/// of the range that holds nearly all ids (from the smallest to twice the distance to the
/// 98.4 % quantile, at most 32 bits an id: V8's ids are dense, ~2 bits an id in the x33 leak
/// series, ~1 MB a set) answers with one bit, and the few ids above it (V8's synthetic and
/// native ids near 2^31) by a binary search. Built in one pass over the sorted ids (a bucket
/// index over the whole range, which those few huge ids made millions of buckets wide, took
/// ~10 ms a set to build there).
struct IdLookup {
  min: u64,
  /// Ids `min..min + span` are in `bits`; the ones above are in `tail`.
  span: u64,
  bits: Vec<u64>,
  tail: Vec<u64>,
}

impl IdLookup {
  fn new(set: &IdSet) -> IdLookup {
    let ids = &set.ids[..];
    let Some(&min) = ids.first() else {
      return IdLookup {
        min: 0,
        span: 0,
        bits: Vec::new(),
        tail: Vec::new(),
      };
    };
    let q = ids[ids.len() - 1 - ids.len() / 64];
    let span = (q - min)
      .saturating_mul(2)
      .saturating_add(64)
      .min(32 * ids.len() as u64);
    let dense = ids.partition_point(|&x| x - min < span);
    let mut bits = vec![0u64; span.div_ceil(64) as usize];
    set_bits(&mut bits, ids[..dense].iter().map(|&x| x - min));
    IdLookup {
      min,
      span,
      bits,
      tail: ids[dense..].to_vec(),
    }
  }

  #[inline]
  fn contains(&self, id: u64) -> bool {
    let Some(o) = id.checked_sub(self.min) else {
      return false;
    };
    if o < self.span {
      return self.bits[(o / 64) as usize] & (1 << (o % 64)) != 0;
    }
    self.tail.binary_search(&id).is_ok()
  }
}

/// How to search; see [`filters`] for what each choice filters.
#[derive(Debug, Clone)]
pub struct LeakOptions {
  /// Also report objects reachable only from V8's system roots (not from `global`).
  pub include_system: bool,
  /// Keep objects only a running function's locals hold (V8's stack roots), which the
  /// system-only rule would otherwise drop.
  pub include_stack: bool,
  /// Class names never reported (they may still appear on paths).
  pub ignore_classes: Vec<String>,
  /// Sample ids kept per cluster.
  pub samples: usize,
  /// Clusters returned (the rest are counted in the totals).
  pub max_clusters: usize,
  /// What the search is for (which [`ReportRule`](filters::ReportRule)s apply).
  pub profile: Profile,
  /// A cluster is a leak when its objects were allocated apart at least this many times;
  /// clusters that repeat less are set aside as one-off (see the module doc). 1 keeps all.
  pub min_count: u64,
}

impl LeakOptions {
  /// The default `min_count`: 5 for snapshots of any process (what ten actions give under
  /// [`min_count_for_actions`](Self::min_count_for_actions)), 1 for assertions, which apply
  /// their own threshold.
  pub fn default_min_count(profile: Profile) -> u64 {
    match profile {
      Profile::Snapshots => 5,
      Profile::Assertion => 1,
    }
  }

  /// The `min_count` when the caller says how many actions ran between baseline and target:
  /// at least half of them, and at least 2 (a leak that happens every other action still
  /// counts; a one-off never scales with the actions). The rule `assertNoLeak` applies too.
  pub fn min_count_for_actions(actions: u64) -> u64 {
    actions.div_ceil(2).max(2)
  }

  pub fn for_profile(profile: Profile) -> LeakOptions {
    LeakOptions {
      include_system: false,
      include_stack: profile == Profile::Snapshots,
      ignore_classes: Vec::new(),
      samples: 5,
      max_clusters: 50,
      profile,
      min_count: Self::default_min_count(profile),
    }
  }
}

impl Default for LeakOptions {
  fn default() -> Self {
    LeakOptions::for_profile(Profile::Snapshots)
  }
}

/// One class among a cluster's objects (a Map's keys and values are one cluster).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterPart {
  pub class_name: String,
  pub count: u64,
  pub retained_size: u64,
}

#[derive(Debug, Clone)]
pub struct LeakCluster {
  /// The class of its objects (of most of them by retained size, when they are mixed).
  pub class_name: String,
  /// What leaked, as a developer names it (see [`naming::leak_name`]).
  pub name: String,
  /// Where what leaked comes from in the source.
  pub location: Option<SourceLocation>,
  /// Leaked objects of this shape (top-level: not owned by another leaked object).
  pub count: u64,
  /// How many times they were allocated apart (objects hanging off one new object are one).
  pub repeats: u64,
  /// Σ retained size of those objects (no object counted twice).
  pub retained_size: u64,
  pub shallow_size: u64,
  /// Leaked objects they own (dominate), themselves included.
  pub objects: u64,
  pub path: RetainerPath,
  /// The variable or property that holds them.
  pub holder: Option<Holder>,
  /// The largest class of the program's own code they keep alive.
  pub retains: Option<Retained>,
  /// Top frames of a sample's allocation stack (snapshots taken with allocation tracking).
  pub allocation: Vec<Frame>,
  /// Classes of its objects, largest first, when there is more than one.
  pub parts: Vec<ClusterPart>,
  pub sample_ids: Vec<u64>,
  /// Why the cluster is not reported (`one-off`, `node-internal`), for set-aside clusters.
  pub set_aside: Option<&'static str>,
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

/// Candidates one rule set aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
  /// The rule's name (`one-off`, `system-only`, `engine-held`, `leak-filter`, …).
  pub reason: String,
  /// Objects it set aside (for report rules and one-off clusters, with what they own).
  pub objects: u64,
  /// Clusters (one-off only).
  pub clusters: u64,
  /// Retained size of what it set aside (report rules and one-off clusters).
  pub retained_size: u64,
}

#[derive(Debug, Clone, Default)]
pub struct LeakReport {
  pub clusters: Vec<LeakCluster>,
  pub totals: LeakTotals,
  /// Clusters set aside (one-off, node-internal; see [`LeakCluster::set_aside`]), largest first.
  pub set_aside_clusters: Vec<LeakCluster>,
  /// What every rule set aside, in rule order, rules that set nothing aside omitted.
  pub set_aside: Vec<SetAside>,
  /// The `min_count` the search used.
  pub min_count: u64,
}

/// Decides whether a reported object (node ordinal) stays in the report.
pub type LeakFilter<'f> = dyn FnMut(&Snapshot, u32) -> bool + 'f;

/// Callbacks a caller may add to a search (memlab's `leakFilter` and
/// `retainerReferenceFilter`), called only on what is about to be reported and on the edges
/// paths are built from.
#[derive(Default)]
pub struct LeakHooks<'f> {
  /// Keeps (true) or drops (false) a reported object (node ordinal).
  pub leak_filter: Option<&'f mut LeakFilter<'f>>,
  /// Allows (true) or forbids (false) an edge (ordinal, from, to) on retainer paths.
  pub edge_filter: Option<&'f mut EdgeFilter<'f>>,
}

/// Plain collections, looked through when they hold candidates: the language's, and the list
/// Node keeps the timers of one duration in (made by the first timer of that duration, so new
/// with the first leaked interval).
fn is_collection(s: &Snapshot, v: u32) -> bool {
  s.g.node_type[v as usize] == s.g.meta.node_types.object
    && matches!(s.g.name_bytes(v), b"Array" | b"Map" | b"Set" | b"TimersList")
}

/// Counts of what the rules set aside, by rule name, in the order rules run.
#[derive(Default)]
struct Tally {
  rows: Vec<SetAside>,
}

impl Tally {
  fn add(&mut self, reason: &str, objects: u64, clusters: u64, retained: u64) {
    let row = match self.rows.iter_mut().find(|r| r.reason == reason) {
      Some(r) => r,
      None => {
        self.rows.push(SetAside {
          reason: reason.to_string(),
          objects: 0,
          clusters: 0,
          retained_size: 0,
        });
        self.rows.last_mut().expect("just pushed")
      }
    };
    row.objects += objects;
    row.clusters += clusters;
    row.retained_size += retained;
  }
}

/// Node types V8 makes and frees on its own: never "an allocation" of the program.
fn engine_made(node_type: &str) -> bool {
  matches!(
    node_type,
    "hidden" | "array" | "code" | "object shape" | "synthetic" | "number"
  )
}

/// The object whose allocation brought `v` (the leaf of `path`) into the heap: walking up from
/// `v`, the highest new object before the first one the baseline had, where V8's internal
/// objects, plain collections and Node's own objects are looked through (a collection that
/// grows is not one allocation of its members; a module's exports object is one allocation
/// of all its functions). Objects hanging off the same allocation are one repeat.
fn allocation_root(baseline: &IdLookup, path: &RetainerPath) -> u64 {
  let leaf = path.steps.last().map_or(path.root.id, |s| s.node.id);
  let mut root = leaf;
  let above = path.steps.len().saturating_sub(1);
  for st in path.steps[..above].iter().rev() {
    let n = &st.node;
    if baseline.contains(n.id) {
      break;
    }
    let looked_through = engine_made(&n.node_type)
      || matches!(n.class_name.as_str(), "Array" | "Map" | "Set" | "Object")
      || n
        .location
        .as_ref()
        .is_some_and(|l| origin(&l.url) == Origin::Machinery);
    if !looked_through {
      root = n.id;
    }
  }
  root
}

/// A cluster being built: members and how they were allocated.
struct Building {
  cluster: LeakCluster,
  first: u32,
  members: Vec<u32>,
  /// (member, its allocation root)
  roots: Vec<(u32, u64)>,
  parts: HashMap<String, (u64, u64)>,
}

/// Objects new since `baseline`, present at `target` and still alive in `fin`, clustered.
pub fn find_leaks(baseline: &IdSet, target: &IdSet, fin: &Snapshot, opts: &LeakOptions) -> LeakReport {
  find_leaks_with(baseline, target, fin, opts, LeakHooks::default())
}

/// [`find_leaks`] with the caller's [`LeakHooks`].
pub fn find_leaks_with(
  baseline: &IdSet,
  target: &IdSet,
  fin: &Snapshot,
  opts: &LeakOptions,
  hooks: LeakHooks<'_>,
) -> LeakReport {
  let g = &fin.g;
  let n = g.node_count;
  let rules = Rules::new(opts, fin);
  let mut tally = Tally::default();
  let mut object_counts = [0u64; ObjectRule::ALL.len()];
  let mut cand = vec![false; n];
  let (in_baseline, in_target) = (IdLookup::new(baseline), IdLookup::new(target));
  for v in 0..n as u32 {
    let id = g.id(v);
    if in_baseline.contains(id) || !in_target.contains(id) {
      continue;
    }
    match rules.object_exclusion(fin, v) {
      None => cand[v as usize] = true,
      Some(r) => {
        if let Some(i) = ObjectRule::ALL.iter().position(|&x| x == r) {
          object_counts[i] += 1;
        }
      }
    }
  }
  for (i, r) in ObjectRule::ALL.iter().enumerate() {
    if object_counts[i] > 0 {
      tally.add(r.name(), object_counts[i], 0, 0);
    }
  }
  // Every node's dominators lead to the root (nodes no DFS reached are parented by it), so the
  // dominator tree is walked upwards from the candidates only: each climb stops at the first
  // node already answered, and the nodes no candidate lies under are never read.
  let dom = &fin.dominator;
  // Which nodes have a candidate below them: each candidate marks its dominators, up to the
  // first one already marked (whose own dominators are then marked too).
  // Collections with a candidate below them are looked through.
  let mut has_cand_below = vec![false; n];
  for c in (0..n as u32).filter(|&c| cand[c as usize]) {
    let mut u = c;
    while u != g.root {
      let d = dom[u as usize];
      if has_cand_below[d as usize] {
        break;
      }
      has_cand_below[d as usize] = true;
      u = d;
    }
  }
  for v in 0..n as u32 {
    if cand[v as usize] && has_cand_below[v as usize] && is_collection(fin, v) {
      cand[v as usize] = false;
    }
  }
  drop(has_cand_below);
  // Top-level candidates (no candidate dominates them) and how many candidates each owns: a
  // candidate's owner is the candidate closest to the root among its dominators and itself,
  // remembered for every node a climb passes (`top_of`), so each node is climbed through once.
  const NONE: u32 = u32::MAX;
  const UNKNOWN: u32 = u32::MAX - 1;
  let mut top_of = vec![UNKNOWN; n];
  let mut chain: Vec<u32> = Vec::new();
  let mut top: Vec<u32> = Vec::new();
  let mut owned: HashMap<u32, u64> = HashMap::default();
  let mut leaked = 0u64;
  for v in (0..n as u32).filter(|&v| cand[v as usize]) {
    chain.clear();
    let mut u = v;
    let mut above = loop {
      let known = top_of[u as usize];
      if known != UNKNOWN {
        break known;
      }
      chain.push(u);
      if u == g.root || chain.len() > n {
        break NONE;
      }
      u = dom[u as usize];
    };
    for &x in chain.iter().rev() {
      if above == NONE && cand[x as usize] {
        above = x;
      }
      top_of[x as usize] = above;
    }
    let own = top_of[v as usize];
    leaked += 1;
    if own == v {
      top.push(v);
    }
    *owned.entry(own).or_insert(0) += 1;
  }
  drop(top_of);
  top.sort_unstable();
  let owned_of = |v: u32| owned.get(&v).copied().unwrap_or(1);
  // Report rules drop an object with everything it owns (it still owns it: its children do
  // not surface as leaks of their own).
  top.retain(|&v| match rules.report_exclusion(fin, v, opts) {
    None => true,
    Some(r) => {
      leaked -= owned_of(v);
      tally.add(r.name(), owned_of(v), 0, fin.retained.get(v));
      false
    }
  });
  if let Some(keep) = hooks.leak_filter {
    top.retain(|&v| {
      let k = keep(fin, v);
      if !k {
        leaked -= owned_of(v);
        tally.add("leak-filter", owned_of(v), 0, fin.retained.get(v));
      }
      k
    });
  }
  // Cluster by path shape.
  let mut finder = match hooks.edge_filter {
    Some(f) => PathFinder::with_edge_filter(fin, f),
    None => PathFinder::new(fin),
  };
  let mut index: HashMap<String, usize> = HashMap::default();
  let mut building: Vec<Building> = Vec::new();
  for &v in &top {
    let (path_root, way) = finder.walk(v);
    let path = path::build_search_path(fin, path_root, &way);
    if let Some(r) = rules.path_exclusion(fin, v, opts, &path) {
      leaked -= owned_of(v);
      tally.add(r.name(), owned_of(v), 0, fin.retained.get(v));
      continue;
    }
    let root = allocation_root(&in_baseline, &path);
    let r = fin.retained.get(v);
    let class = fin.class_name(v);
    let mut sig = signature(&path);
    if class == "Timeout" || class == "Immediate" {
      // the timers of one list share their path (list → _idlePrev …): a leaked timer and one
      // of Node's own must not be one cluster, so timers are told apart by what they run
      let (name, loc) = naming::leak_name(fin, v);
      sig.push('\u{1}');
      sig.push_str(&name);
      if let Some(l) = loc {
        sig.push_str(&format!("\u{1}{}:{}:{}", l.script_id, l.line, l.column));
      }
    }
    let i = *index.entry(sig).or_insert_with(|| {
      building.push(Building {
        cluster: LeakCluster {
          class_name: String::new(),
          name: String::new(),
          location: None,
          count: 0,
          repeats: 0,
          retained_size: 0,
          shallow_size: 0,
          objects: 0,
          path: path::build_path(fin, v, path_root, &way),
          holder: None,
          retains: None,
          allocation: Vec::new(),
          parts: Vec::new(),
          sample_ids: Vec::new(),
          set_aside: None,
        },
        first: v,
        members: Vec::new(),
        roots: Vec::new(),
        parts: HashMap::default(),
      });
      building.len() - 1
    });
    let b = &mut building[i];
    b.members.push(v);
    b.roots.push((v, root));
    let part = b.parts.entry(class).or_insert((0, 0));
    part.0 += 1;
    part.1 += r;
    let c = &mut b.cluster;
    c.count += 1;
    c.retained_size += r;
    c.shallow_size += fin.self_size.get(v);
    c.objects += owned_of(v);
  }
  // Name the clusters; set aside those that do not repeat, and those Node made for itself.
  let mut clusters = Vec::new();
  let mut aside = Vec::new();
  for mut b in building {
    let mut parts: Vec<ClusterPart> = b
      .parts
      .drain()
      .map(|(class_name, (count, retained_size))| ClusterPart {
        class_name,
        count,
        retained_size,
      })
      .collect();
    parts.sort_by(|a, b| {
      b.retained_size
        .cmp(&a.retained_size)
        .then(a.class_name.cmp(&b.class_name))
    });
    let main = parts[0].clone();
    let is_main = |v: &u32| fin.class_name(*v) == main.class_name;
    // samples of the main class first: they are what the name describes
    let mut samples: Vec<u32> = b.members.iter().copied().filter(is_main).collect();
    samples.extend(b.members.iter().copied().filter(|v| !is_main(v)));
    let sample = samples.first().copied().unwrap_or(b.first);
    let c = &mut b.cluster;
    if sample != b.first {
      // the path shown leads to what the name describes (a Map's value, not its key)
      c.path = finder.path(sample);
    }
    // a Map's key and value are one entry: repeats are counted by what the name describes
    let roots: HashSet<u64> = b
      .roots
      .iter()
      .filter(|(v, _)| is_main(v))
      .map(|&(_, r)| r)
      .collect();
    c.repeats = roots.len() as u64;
    c.class_name = main.class_name.clone();
    if parts.len() > 1 {
      c.count = main.count;
      c.parts = parts;
    }
    c.sample_ids = samples.iter().take(opts.samples).map(|&v| g.id(v)).collect();
    let (name, location) = naming::leak_name(fin, sample);
    c.retains =
      naming::largest_retained(fin, &mut finder, &b.members, 20_000).filter(|r| r.class_name != c.class_name);
    c.name = match &c.retains {
      Some(r) if location.is_none() && !is_function(fin, sample) => {
        format!("{name} holding {}", r.class_name)
      }
      _ => name,
    };
    c.holder = naming::holder(fin, &mut finder, &c.path);
    // program code in it: where it comes from (a function's definition, a class), or a class it keeps
    let program = |l: &Option<SourceLocation>| {
      l.as_ref().is_some_and(|l| {
        matches!(
          origin(&l.url),
          Origin::User | Origin::Dependency | Origin::Unknown
        )
      })
    };
    // held by Node's own state: its holder is Node's, or its path runs through Node's code
    // and never through the program's (`process.moduleLoadList` through a timers closure)
    let origins: Vec<Origin> = std::iter::once(&c.path.root)
      .chain(c.path.steps.iter().map(|st| &st.node))
      .filter_map(|n| n.location.as_ref().map(|l| origin(&l.url)))
      .collect();
    let node_held = c.holder.as_ref().is_some_and(|h| {
      h.location
        .as_ref()
        .is_some_and(|l| origin(&l.url) == Origin::Machinery)
    }) || (origins.contains(&Origin::Machinery)
      && !origins
        .iter()
        .any(|&o| matches!(o, Origin::User | Origin::Dependency)));
    c.set_aside = if c.repeats < opts.min_count {
      Some("one-off")
    } else if opts.profile == Profile::Snapshots && node_held && !program(&location) && c.retains.is_none() {
      // (not for an assertion: there the only code that ran is the function under test, so what
      // Node keeps for each call, such as a performance mark, is that function's leak)
      Some("node-internal")
    } else {
      None
    };
    c.location = location;
    c.allocation = fin.allocation_stack(sample).unwrap_or_default();
    c.allocation.truncate(8);
    match c.set_aside {
      Some(reason) => {
        tally.add(reason, c.objects, 1, c.retained_size);
        leaked -= c.objects;
        aside.push(b.cluster);
      }
      None => clusters.push(b.cluster),
    }
  }
  let by_size =
    |a: &LeakCluster, b: &LeakCluster| b.retained_size.cmp(&a.retained_size).then(b.count.cmp(&a.count));
  clusters.sort_by(by_size);
  aside.sort_by(by_size);
  let totals = LeakTotals {
    leaked_objects: leaked,
    top_level: clusters
      .iter()
      .map(|c| c.parts.iter().map(|p| p.count).sum::<u64>().max(c.count))
      .sum(),
    retained_size: clusters.iter().map(|c| c.retained_size).sum(),
    clusters: clusters.len() as u64,
  };
  clusters.truncate(opts.max_clusters);
  aside.truncate(opts.max_clusters);
  LeakReport {
    clusters,
    totals,
    set_aside_clusters: aside,
    set_aside: tally.rows,
    min_count: opts.min_count,
  }
}

fn is_function(s: &Snapshot, v: u32) -> bool {
  s.g.node_type[v as usize] == s.g.meta.node_types.closure
}

#[cfg(test)]
mod tests {
  use super::*;

  /// Ids in many runs (through the bitmap), in a few runs and in order (merged) come out as the
  /// standard sort has them, duplicates and wide ids included.
  #[test]
  fn ids_are_sorted_whatever_their_order() {
    let mut next = crate::testing::xorshift(31u64);
    let copies: Vec<u64> = (0..40u64)
      .flat_map(|c| {
        (0..5000u64).map(move |k| {
          if k % 97 == 0 {
            1_900_000_000 + k * 64
          } else {
            c * 250_209 + 2 * k + 1
          }
        })
      })
      .collect();
    let random: Vec<u64> = (0..200_000).map(|_| next() % 3_000_000).collect();
    let wide: Vec<u64> = (0..100_000)
      .map(|k| if k % 3 == 0 { next() } else { next() >> 40 })
      .collect();
    let sorted: Vec<u64> = (0..100_000u64).map(|k| 2 * k + 1).collect();
    let few_runs: Vec<u64> = (0..100_000u64)
      .map(|k| if k < 50_000 { k + 10 } else { k - 50_000 })
      .collect();
    for (name, ids) in [
      ("copies", copies),
      ("random", random),
      ("wide", wide),
      ("sorted", sorted),
      ("few runs", few_runs),
    ] {
      let mut want = ids.clone();
      want.sort();
      want.dedup();
      assert_eq!(IdSet::from_ids(ids.clone()).ids, want, "{name}");
      let mut r = ids;
      bitmap_sort(&mut r);
      r.dedup();
      assert_eq!(r, want, "{name}, bitmap");
    }
  }

  /// The lookup answers as a binary search over the sorted ids does, for dense, sparse,
  /// clustered, tiny and wide sets (ids near 2^64), for ids below, between and above them.
  #[test]
  fn id_lookup_matches_binary_search() {
    let mut rand = crate::testing::xorshift(0x9e37_79b9_7f4a_7c15u64);
    let sets: Vec<Vec<u64>> = vec![
      vec![],
      vec![7],
      (1..2000).map(|i| 2 * i + 1).collect(),
      (0..3000).map(|_| rand() % 1_000_000_007).collect(),
      (0..500).map(|_| rand()).collect(),
      (0..1000)
        .map(|i| if i < 900 { i } else { u64::MAX - i })
        .collect(),
      (0..5000)
        .map(|i| {
          if i % 500 == 0 {
            1_900_000_000 + i
          } else {
            2 * i + 1
          }
        })
        .collect(),
      (0..100).map(|i| u64::MAX - 3 * i).collect(),
    ];
    for ids in sets {
      let set = IdSet::from_ids(ids.clone());
      let lookup = IdLookup::new(&set);
      let probes = ids
        .iter()
        .flat_map(|&i| [i, i.wrapping_add(1), i.wrapping_sub(1)])
        .chain((0..2000).map(|_| rand() % 2_000_000_000))
        .chain([0, u64::MAX]);
      let probes: Vec<u64> = probes.collect();
      for &p in &probes {
        assert_eq!(lookup.contains(p), set.contains(p), "id {p}");
      }
    }
  }
}
