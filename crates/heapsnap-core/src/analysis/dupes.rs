//! Duplicated strings (DevTools' "Duplicated strings" filter, `getDuplicateStrings`): string
//! and concatenated-string objects with the same text, counted with their total shallow and
//! retained sizes — the memory a `Map` of interned values would save. Flattened cons strings
//! (one half empty) and size-0 helper strings are skipped, as DevTools does. Strings V8
//! truncated at 1024 characters are grouped by their visible prefix (older V8s write no
//! length/hash to tell them apart).

use crate::snapshot::Snapshot;
use rustc_hash::FxHashMap as HashMap;

#[derive(Debug, Clone)]
pub struct DuplicateGroup {
  /// The text (WTF-8).
  pub value: Vec<u8>,
  pub count: u64,
  pub total_self_size: u64,
  pub total_retained_size: u64,
  pub sample_ids: Vec<u64>,
}

fn is_flat_cons(s: &Snapshot, v: u32) -> bool {
  let g = &s.g;
  let internal = g.meta.edge_types.internal;
  g.edges_of(v).any(|k| {
    g.edge_type[k] == internal
      && matches!(g.strings.get(g.edge_name[k] as usize), b"first" | b"second")
      && crate::analysis::classes::display_name(g, g.edge_to[k]).is_empty()
  })
}

pub fn duplicated_strings(s: &Snapshot, samples: usize) -> Vec<DuplicateGroup> {
  let g = &s.g;
  let nt = &g.meta.node_types;
  let mut index: HashMap<Vec<u8>, usize> = HashMap::default();
  let mut groups: Vec<DuplicateGroup> = Vec::new();
  for v in 0..g.node_count as u32 {
    let t = g.node_type[v as usize];
    if t != nt.string && t != nt.cons_string {
      continue;
    }
    if s.self_size.is_zero(v) || (t == nt.cons_string && is_flat_cons(s, v)) {
      continue;
    }
    let name = s.display_name_bytes(v);
    let at = match index.get(&name) {
      Some(&i) => i,
      None => {
        index.insert(name.clone(), groups.len());
        groups.push(DuplicateGroup {
          value: name,
          count: 0,
          total_self_size: 0,
          total_retained_size: 0,
          sample_ids: Vec::new(),
        });
        groups.len() - 1
      }
    };
    let grp = &mut groups[at];
    grp.count += 1;
    grp.total_self_size += s.self_size.get(v);
    grp.total_retained_size += s.retained.get(v);
    if grp.sample_ids.len() < samples {
      grp.sample_ids.push(g.id(v));
    }
  }
  groups.retain(|g| g.count > 1);
  groups.sort_by(|a, b| {
    b.total_retained_size
      .cmp(&a.total_retained_size)
      .then(b.count.cmp(&a.count))
  });
  groups
}
