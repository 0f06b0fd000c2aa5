//! DevTools' Comparison view (`aggregatesForDiff` + `calculateSnapshotDiff`): per class key,
//! the objects only in the base (removed) and only in the current snapshot (added), matched by
//! id within each class. The base is re-classified with the current snapshot's interface
//! definitions first, so `{a, b}` classes line up.

use crate::analysis::classes::{self, InterfaceDef};
use crate::parse::strings::to_string_lossy;
use crate::snapshot::Snapshot;
use rustc_hash::FxHashMap as HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffRow {
  pub key: String,
  pub class_name: String,
  pub added_count: u64,
  pub removed_count: u64,
  pub added_size: u64,
  pub removed_size: u64,
  /// Ids of added and removed objects (ascending).
  pub added_ids: Vec<u64>,
  pub removed_ids: Vec<u64>,
}

impl DiffRow {
  pub fn count_delta(&self) -> i64 {
    self.added_count as i64 - self.removed_count as i64
  }
  pub fn size_delta(&self) -> i64 {
    self.added_size as i64 - self.removed_size as i64
  }
}

/// One class of a snapshot for comparison: its objects' (id, self size), sorted by id.
pub struct DiffGroup {
  pub key: String,
  pub class_name: String,
  pub members: Vec<(u64, u64)>,
}

/// Class text of a node for the comparison: its own class, or (with `defs`) the interface
/// from the other snapshot's definitions.
pub fn diff_groups(s: &Snapshot, defs: Option<&[InterfaceDef]>) -> Vec<DiffGroup> {
  let g = &s.g;
  // Internal key: (location, class id) where class id is a string index, or for re-classified
  // plain objects strings.len() + definition index.
  let nstr = g.strings.len() as u64;
  let mut class: Vec<u64> = (0..g.node_count as u32).map(|v| s.class_of(v) as u64).collect();
  if let Some(defs) = defs {
    classes::match_interfaces(g, defs, &mut |v, best| {
      class[v as usize] = match best {
        Some(di) => nstr + di as u64,
        None => g.node_name[v as usize] as u64,
      };
    });
  }
  let text = |c: u64| -> String {
    if c >= nstr {
      to_string_lossy(&defs.expect("defs exist for interface classes")[(c - nstr) as usize].name)
    } else {
      to_string_lossy(g.strings.get(c as usize))
    }
  };
  let object = g.meta.node_types.object;
  let mut index: HashMap<(Option<crate::graph::Location>, u64), usize> = HashMap::default();
  // (public key, class name, members as (id, self size))
  type Group = (String, String, Vec<(u64, u64)>);
  let mut groups: Vec<Group> = Vec::new();
  for v in 0..g.node_count as u32 {
    let size = s.self_size.get(v);
    if size == 0 {
      continue;
    }
    let loc = if g.node_type[v as usize] == object {
      g.locations.get(&v).copied()
    } else {
      None
    };
    let c = class[v as usize];
    let k = (loc, c);
    let at = match index.get(&k) {
      Some(&i) => i,
      None => {
        let name = text(c);
        let key = match loc {
          Some(l) => format!("{},{},{},{}", l.script_id, l.line, l.column, name),
          None => format!(",{name}"),
        };
        index.insert(k, groups.len());
        groups.push((key, name, Vec::new()));
        groups.len() - 1
      }
    };
    groups[at].2.push((g.id(v), size));
  }
  // Same public key from two internal keys: the later one replaces the earlier (DevTools).
  let mut by_key: HashMap<String, usize> = HashMap::default();
  let mut out: Vec<DiffGroup> = Vec::new();
  for (key, class_name, mut members) in groups {
    members.sort_unstable();
    let grp = DiffGroup {
      key: key.clone(),
      class_name,
      members,
    };
    match by_key.get(&key) {
      Some(&i) => out[i] = grp,
      None => {
        by_key.insert(key, out.len());
        out.push(grp);
      }
    }
  }
  out
}

fn diff_class(key: &str, name: &str, base: &[(u64, u64)], cur: &[(u64, u64)]) -> Option<DiffRow> {
  let mut row = DiffRow {
    key: key.to_string(),
    class_name: name.to_string(),
    added_count: 0,
    removed_count: 0,
    added_size: 0,
    removed_size: 0,
    added_ids: Vec::new(),
    removed_ids: Vec::new(),
  };
  let (mut i, mut j) = (0, 0);
  while i < base.len() && j < cur.len() {
    let (a, b) = (base[i], cur[j]);
    if a.0 < b.0 {
      row.removed_count += 1;
      row.removed_size += a.1;
      row.removed_ids.push(a.0);
      i += 1;
    } else if a.0 > b.0 {
      row.added_count += 1;
      row.added_size += b.1;
      row.added_ids.push(b.0);
      j += 1;
    } else {
      i += 1;
      j += 1;
    }
  }
  for &(id, size) in &base[i..] {
    row.removed_count += 1;
    row.removed_size += size;
    row.removed_ids.push(id);
  }
  for &(id, size) in &cur[j..] {
    row.added_count += 1;
    row.added_size += size;
    row.added_ids.push(id);
  }
  (row.added_count + row.removed_count > 0).then_some(row)
}

/// The Comparison of `current` against `base`, in DevTools' row order (base classes first).
pub fn diff(base: &Snapshot, current: &Snapshot) -> Vec<DiffRow> {
  let b = diff_groups(base, Some(&current.interfaces));
  let c = diff_groups(current, None);
  let cur_by_key: HashMap<&str, &DiffGroup> = c.iter().map(|g| (g.key.as_str(), g)).collect();
  let base_keys: HashMap<&str, ()> = b.iter().map(|g| (g.key.as_str(), ())).collect();
  let mut rows = Vec::new();
  for bg in &b {
    let cg = cur_by_key.get(bg.key.as_str());
    let name = cg.map(|g| g.class_name.as_str()).unwrap_or(&bg.class_name);
    if let Some(r) = diff_class(
      &bg.key,
      name,
      &bg.members,
      cg.map(|g| g.members.as_slice()).unwrap_or(&[]),
    ) {
      rows.push(r);
    }
  }
  for cg in &c {
    if base_keys.contains_key(cg.key.as_str()) {
      continue;
    }
    if let Some(r) = diff_class(&cg.key, &cg.class_name, &[], &cg.members) {
      rows.push(r);
    }
  }
  rows
}
