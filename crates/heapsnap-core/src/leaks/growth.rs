//! Growth across a series of snapshots of one process: classes whose instance count rose at
//! every step, and collections (arrays, maps, sets, objects) alive throughout whose number of
//! entries rose at every step. Monotonic growth over N snapshots is the signature of a leak
//! that no single comparison can tell from a warm-up.

use super::path::{retainer_path, RetainerPath};
use crate::snapshot::Snapshot;
use rustc_hash::FxHashMap as HashMap;

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

/// Entries a collection or object holds, as its owner counts them: a Map's entries (not its
/// hash table's key and value slots), a Set's members, an array's elements, an object's
/// properties (`__proto__` aside).
///
/// V8 reports an object's elements and dictionary properties on the object itself, so backing
/// stores are not descended (that counted them twice). A Map or Set keeps its entries in an
/// ordered hash table reached by its `table` edge: after three header slots and a power-of-two
/// number of buckets come the entries, each a key, a value (Maps only) and a chain slot. Only
/// slots holding heap objects have edges, numbered by slot, so a Set has one edge per member
/// whose key is an object, and a Map one or two per entry (key and value), grouped back into
/// entries by slot: keys sit at one residue modulo 3 and values at the next, and the number of
/// buckets decides which (a value slot is ≡ 0 exactly when keys are ≡ 2). Entries whose key and
/// value are both small integers have no edge at all: no snapshot can count them.
pub fn fan_out(s: &Snapshot, v: u32) -> u64 {
  let g = &s.g;
  let et = &g.meta.edge_types;
  if let Some(table) = crate::analysis::locations::internal_edge(g, v, b"table") {
    let slots: Vec<u64> = g
      .edges_of(table)
      .filter(|&k| g.edge_type[k] != et.weak)
      .filter_map(|k| {
        std::str::from_utf8(g.strings.get(g.edge_name[k] as usize))
          .ok()?
          .parse()
          .ok()
      })
      .collect();
    let name = g.name_bytes(v);
    if name == b"Set" || name == b"WeakSet" {
      return slots.len() as u64;
    }
    let key_residue = if slots.iter().any(|i| i % 3 == 0) { 2 } else { 1 };
    let mut entries: Vec<u64> = slots.iter().map(|&i| i - (i + 3 - key_residue) % 3).collect();
    entries.sort_unstable();
    entries.dedup();
    return entries.len() as u64;
  }
  g.edges_of(v)
    .filter(|&k| {
      let t = g.edge_type[k];
      t == et.element || (t == et.property && g.strings.get(g.edge_name[k] as usize) != b"__proto__")
    })
    .count() as u64
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
      s.summary_rows()
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
    if fin.g.node_type[v as usize] != object || !fin.distance[v as usize].is_reachable() {
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
          retained.push(s.retained.get(o));
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
