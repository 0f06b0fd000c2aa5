//! Engine values into the JS shapes of [`crate::types`], and JS arguments into engine values.
//! Nothing here computes: each function copies fields and widens numbers to `f64`.

use crate::error::Failure;
use crate::types;
use heapsnap_core::analysis::allocations::Frame;
use heapsnap_core::analysis::dupes::DuplicateGroup;
use heapsnap_core::analysis::locations::SourceLocation;
use heapsnap_core::analysis::pipeline::Timings;
use heapsnap_core::analysis::summary::ClassAggregate;
use heapsnap_core::diff::DiffRow;
use heapsnap_core::leaks::{
  GrowthReport, LeakCluster, LeakOptions, LeakReport, NodeRef, Profile, RetainerPath, TreeEntry, TreeLimits,
};
use heapsnap_core::parse::strings::to_string_lossy;
use heapsnap_core::snapshot::NodeInfo;
use heapsnap_core::{Distance, OpenOptions};
use std::ops::Bound;

/// A JS number as a node id, when it can be one (a non-negative integer below 2^64).
pub fn id_arg(id: f64) -> Option<u64> {
  (id >= 0.0 && id.fract() == 0.0 && id < 1.8e19).then_some(id as u64)
}

/// `(min, max]` over ids from two JS numbers (`allocatedSince`: above the base's largest id, up
/// to this snapshot's), or `None` when no id can lie there. Compared as JS compares: a
/// negative `min` bounds nothing, fractions round as `>` and `<=` do, NaN matches nothing.
pub fn id_range(min: f64, max: f64) -> Option<(Bound<u64>, Bound<u64>)> {
  if min.is_nan() || max.is_nan() || max < 0.0 {
    return None;
  }
  let lo = if min < 0.0 {
    Bound::Unbounded
  } else {
    Bound::Excluded(min.floor() as u64)
  };
  Some((lo, Bound::Included(max.floor() as u64)))
}

/// A JS string from WTF-8. napi strings are UTF-8, so lone surrogates become U+FFFD here;
/// `nameUtf16` gives the exact code units.
pub fn js_string(bytes: &[u8]) -> String {
  to_string_lossy(bytes)
}

fn nums(v: Vec<u64>) -> Vec<f64> {
  v.into_iter().map(|x| x as f64).collect()
}

pub fn reachability(d: Distance) -> String {
  d.reachability().name().to_string()
}

pub fn open_options(o: Option<types::OpenOptions>) -> OpenOptions {
  let o = o.unwrap_or_default();
  let d = OpenOptions::default();
  OpenOptions {
    mmap: o.mmap.unwrap_or(d.mmap),
    trace_memory: o.trace_memory.unwrap_or(d.trace_memory),
  }
}

pub fn leak_options(o: Option<types::LeakOptions>) -> Result<LeakOptions, Failure> {
  let o = o.unwrap_or_default();
  let profile = match o.profile.as_deref() {
    None => Profile::default(),
    Some(name) => Profile::from_name(name).ok_or_else(|| Failure::InvalidArgValue {
      message: format!("options.profile must be 'snapshots' or 'assertion', got '{name}'"),
    })?,
  };
  let d = LeakOptions::for_profile(profile);
  let min_count = match (o.min_count, o.actions) {
    (Some(m), _) => m as u64,
    (None, Some(a)) => LeakOptions::min_count_for_actions(a as u64),
    (None, None) => d.min_count,
  };
  Ok(LeakOptions {
    include_system: o.include_system.unwrap_or(d.include_system),
    include_stack: o.include_stack.unwrap_or(d.include_stack),
    ignore_classes: o.ignore_classes.unwrap_or(d.ignore_classes),
    samples: o.samples.map_or(d.samples, |v| v as usize),
    max_clusters: o.max_clusters.map_or(d.max_clusters, |v| v as usize),
    profile,
    min_count,
  })
}

pub fn timings(t: &Timings) -> Vec<types::PhaseTiming> {
  t.phases
    .iter()
    .map(|p| types::PhaseTiming {
      phase: p.name.to_string(),
      ms: p.ms,
      rss: p.memory.map(|m| m.rss as f64),
      peak_rss: p.memory.map(|m| m.peak_rss as f64),
    })
    .collect()
}

pub fn location(l: SourceLocation) -> types::SourceLocation {
  types::SourceLocation {
    script_id: l.script_id,
    url: l.url,
    line: l.line,
    column: l.column,
  }
}

pub fn frame(f: Frame) -> types::StackFrame {
  types::StackFrame {
    function_name: f.function_name,
    url: f.url,
    script_id: f.script_id,
    line: f.line,
    column: f.column,
  }
}

/// A Summary row, with the location of a location-split class (`location`: from the snapshot).
pub fn summary_row(a: ClassAggregate, location: Option<SourceLocation>) -> types::SummaryRow {
  types::SummaryRow {
    location: location.map(self::location),
    reachability: reachability(a.distance),
    key: a.public_key,
    class_name: a.class_name,
    count: a.count as f64,
    shallow_size: a.shallow_size as f64,
    retained_size: a.retained_size as f64,
    distance: a.distance.get(),
  }
}

pub fn node_info(n: NodeInfo) -> types::NodeInfo {
  types::NodeInfo {
    id: n.id as f64,
    ordinal: n.ordinal,
    node_type: n.node_type,
    name: js_string(&n.name),
    class_name: n.class_name,
    class_key: n.class_key,
    self_size: n.self_size as f64,
    raw_self_size: n.raw_self_size as f64,
    retained_size: n.retained_size as f64,
    distance: n.distance.get(),
    reachability: reachability(n.distance),
    dominator_id: n.dominator_id as f64,
    edge_count: n.edge_count,
    retainer_count: n.retainer_count,
    detachedness: n.detachedness as u32,
    location: n.location.map(location),
  }
}

pub fn duplicate_group(g: DuplicateGroup) -> types::DuplicateGroup {
  types::DuplicateGroup {
    value: js_string(&g.value),
    count: g.count as f64,
    total_self_size: g.total_self_size as f64,
    total_retained_size: g.total_retained_size as f64,
    sample_ids: nums(g.sample_ids),
  }
}

pub fn diff_row(r: DiffRow) -> types::DiffRow {
  types::DiffRow {
    count_delta: r.count_delta() as f64,
    size_delta: r.size_delta() as f64,
    key: r.key,
    class_name: r.class_name,
    added_count: r.added_count as f64,
    removed_count: r.removed_count as f64,
    added_size: r.added_size as f64,
    removed_size: r.removed_size as f64,
    added_ids: nums(r.added_ids),
    removed_ids: nums(r.removed_ids),
  }
}

fn node_ref(r: NodeRef) -> types::NodeRef {
  types::NodeRef {
    id: r.id as f64,
    node_type: r.node_type,
    class_name: r.class_name,
    name: r.name,
    distance: r.distance.get(),
    reachability: reachability(r.distance),
    location: r.location.map(location),
  }
}

pub fn retainer_path(p: RetainerPath) -> types::RetainerPath {
  types::RetainerPath {
    root: node_ref(p.root),
    steps: p
      .steps
      .into_iter()
      .map(|s| types::PathStep {
        edge_type: s.edge_type,
        edge_name: s.edge_name,
        edge_label: s.edge_label,
        node: node_ref(s.node),
      })
      .collect(),
    text: p.text,
  }
}

pub fn tree_entry(e: TreeEntry) -> types::RetainerTreeEntry {
  types::RetainerTreeEntry {
    parent: e.parent.map_or(-1, |p| p as i32),
    depth: e.depth,
    edge_type: e.edge_type,
    edge_name: e.edge_name,
    edge_label: e.edge_label,
    node: node_ref(e.node),
    cycle: e.cycle,
    omitted: e.omitted,
  }
}

pub fn tree_limits(o: Option<types::RetainerTreeOptions>) -> TreeLimits {
  let o = o.unwrap_or_default();
  let d = TreeLimits::default();
  TreeLimits {
    depth: o.depth.unwrap_or(d.depth),
    max_nodes: o.max_nodes.map_or(d.max_nodes, |n| n.max(1) as usize),
  }
}

fn leak_cluster(c: LeakCluster) -> types::LeakCluster {
  types::LeakCluster {
    class_name: c.class_name,
    name: c.name,
    location: c.location.map(location),
    count: c.count as f64,
    repeats: c.repeats as f64,
    retained_size: c.retained_size as f64,
    shallow_size: c.shallow_size as f64,
    objects: c.objects as f64,
    path: retainer_path(c.path),
    holder: c.holder.map(|h| types::Holder {
      text: h.text,
      path: h.path,
      name: h.name,
      class_name: h.class_name,
      id: h.id as f64,
      location: h.location.map(location),
    }),
    retains: c.retains.map(|r| types::Retained {
      class_name: r.class_name,
      count: r.count as f64,
      size: r.size as f64,
      location: r.location.map(location),
    }),
    allocation: c.allocation.into_iter().map(frame).collect(),
    parts: c
      .parts
      .into_iter()
      .map(|p| types::ClusterPart {
        class_name: p.class_name,
        count: p.count as f64,
        retained_size: p.retained_size as f64,
      })
      .collect(),
    sample_ids: nums(c.sample_ids),
    set_aside: c.set_aside.map(str::to_string),
  }
}

pub fn leak_report(r: LeakReport) -> types::LeakReport {
  types::LeakReport {
    clusters: r.clusters.into_iter().map(leak_cluster).collect(),
    totals: types::LeakTotals {
      leaked_objects: r.totals.leaked_objects as f64,
      top_level: r.totals.top_level as f64,
      retained_size: r.totals.retained_size as f64,
      clusters: r.totals.clusters as f64,
    },
    set_aside_clusters: r.set_aside_clusters.into_iter().map(leak_cluster).collect(),
    set_aside: r
      .set_aside
      .into_iter()
      .map(|a| types::SetAside {
        reason: a.reason,
        objects: a.objects as f64,
        clusters: a.clusters as f64,
        retained_size: a.retained_size as f64,
      })
      .collect(),
    min_count: r.min_count as f64,
  }
}

pub fn growth_report(r: GrowthReport) -> types::GrowthReport {
  types::GrowthReport {
    classes: r
      .classes
      .into_iter()
      .map(|c| types::ClassGrowth {
        key: c.key,
        class_name: c.class_name,
        counts: nums(c.counts),
        sizes: nums(c.sizes),
      })
      .collect(),
    collections: r
      .collections
      .into_iter()
      .map(|c| types::CollectionGrowth {
        id: c.id as f64,
        class_name: c.class_name,
        sizes: nums(c.sizes),
        retained_sizes: nums(c.retained_sizes),
        path: retainer_path(c.path),
      })
      .collect(),
  }
}
