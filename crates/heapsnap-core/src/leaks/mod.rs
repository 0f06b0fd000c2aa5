//! Leak finding on plain Node code (memlab's baseline/target/final method, with filters made
//! for Node rather than for DOM pages): candidates, ownership, clusters.
//!
//! A leak candidate is an object of the *final* snapshot that did not exist at the baseline,
//! existed at the target, and is still alive after the action was undone. Only the final
//! snapshot needs its graph; baseline and target contribute object ids ([`IdSet`]).
//! The [`filters`] decide which candidates count. Candidates owned by other candidates (in the
//! dominator tree) are folded into their owner, except plain collections (Array, Map, Set),
//! which are looked through: a leaked array of `RequestLog`s is reported as the `RequestLog`s,
//! with the array on their path. Reported objects are clustered by the shape of their
//! retainer [`path`]; [`growth`] looks at a series of snapshots instead of three.

pub mod filters;
pub mod growth;
pub mod path;

pub use filters::{Profile, Rules};
pub use growth::{fan_out, find_growth, ClassGrowth, CollectionGrowth, GrowthReport};
pub use path::{edge_label, node_ref, retainer_path, NodeRef, PathStep, RetainerPath};

use crate::snapshot::Snapshot;
use path::signature;
use rustc_hash::FxHashMap as HashMap;

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

/// How to search; see [`filters`] for what each choice filters.
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
  /// What the search is for (which [`ReportRule`](filters::ReportRule)s apply).
  pub profile: Profile,
}

impl Default for LeakOptions {
  fn default() -> Self {
    LeakOptions {
      include_system: false,
      ignore_classes: Vec::new(),
      samples: 5,
      max_clusters: 50,
      profile: Profile::Snapshots,
    }
  }
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

fn is_collection(s: &Snapshot, v: u32) -> bool {
  s.g.node_type[v as usize] == s.g.meta.node_types.object
    && matches!(s.g.name_bytes(v), b"Array" | b"Map" | b"Set")
}

/// Objects new since `baseline`, present at `target` and still alive in `fin`, clustered.
pub fn find_leaks(baseline: &IdSet, target: &IdSet, fin: &Snapshot, opts: &LeakOptions) -> LeakReport {
  let g = &fin.g;
  let n = g.node_count;
  let rules = Rules::for_options(opts);
  let mut cand = vec![false; n];
  for v in 0..n as u32 {
    let id = g.id(v);
    if baseline.contains(id) || !target.contains(id) {
      continue;
    }
    if rules.object_exclusion(fin, v).is_none() {
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
  // Report rules drop an object with everything it owns (it still owns it: its children do
  // not surface as leaks of their own).
  let mut drop_owned = |v: u32| leaked -= owned.get(&v).copied().unwrap_or(1);
  top.retain(|&v| {
    let keep = rules.report_exclusion(fin, v, opts).is_none();
    if !keep {
      drop_owned(v);
    }
    keep
  });
  // Cluster by path shape.
  let mut index: HashMap<String, usize> = HashMap::default();
  let mut clusters: Vec<LeakCluster> = Vec::new();
  let mut total_retained = 0u64;
  let mut reported = 0u64;
  for &v in &top {
    let path = retainer_path(fin, v);
    if rules.need_paths() && rules.path_exclusion(fin, v, opts, &path).is_some() {
      drop_owned(v);
      continue;
    }
    reported += 1;
    let sig = signature(&path);
    let r = fin.retained[v as usize];
    total_retained += r;
    let objects = owned.get(&v).copied().unwrap_or(1);
    match index.get(&sig) {
      Some(&i) => {
        let c = &mut clusters[i];
        c.count += 1;
        c.retained_size += r;
        c.shallow_size += fin.self_size.get(v);
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
          shallow_size: fin.self_size.get(v),
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
    top_level: reported,
    retained_size: total_retained,
    clusters: clusters.len() as u64,
  };
  clusters.truncate(opts.max_clusters);
  LeakReport { clusters, totals }
}
