//! The Summary view's aggregates (DevTools `buildAggregates` + `calculateClassesRetainedSize`)
//! and the Statistics view (`calculateStatistics`).

use crate::graph::{Graph, Location};
use std::collections::HashMap;

/// DevTools' internal class key: the class string, split by constructor location for objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClassKey {
  Class(u32),
  Located(Location, u32),
}

#[derive(Debug, Clone)]
pub struct ClassAggregate {
  pub key: ClassKey,
  /// Public key: `",Name"` or `"scriptId,line,col,Name"`.
  pub public_key: String,
  pub class_name: String,
  pub count: u64,
  pub shallow_size: u64,
  pub retained_size: u64,
  pub distance: i32,
  /// Member ordinals, ascending.
  pub members: Vec<u32>,
}

pub fn class_key(g: &Graph, class: &[u32], v: u32) -> ClassKey {
  if g.node_type[v as usize] == g.meta.node_types.object {
    if let Some(loc) = g.locations.get(&v) {
      return ClassKey::Located(*loc, class[v as usize]);
    }
  }
  ClassKey::Class(class[v as usize])
}

pub fn public_key(g: &Graph, key: ClassKey) -> String {
  match key {
    ClassKey::Class(c) => format!(
      ",{}",
      crate::parse::strings::to_string_lossy(g.strings.get(c as usize))
    ),
    ClassKey::Located(l, c) => format!(
      "{},{},{},{}",
      l.script_id,
      l.line,
      l.column,
      crate::parse::strings::to_string_lossy(g.strings.get(c as usize))
    ),
  }
}

pub struct AggregateInput<'a> {
  pub g: &'a Graph,
  pub class: &'a [u32],
  pub self_size: &'a [u32],
  pub distance: &'a [i32],
  pub retained: &'a [u64],
  pub first_dominated: &'a [u32],
  pub dominated: &'a [u32],
}

/// Aggregates of the nodes accepted by `filter` with a non-zero self size, in DevTools'
/// key-insertion order, with class retained sizes that never count a node twice.
pub fn aggregates(inp: &AggregateInput, filter: &dyn Fn(u32) -> bool) -> Vec<ClassAggregate> {
  let g = inp.g;
  let mut index: HashMap<ClassKey, usize> = HashMap::new();
  let mut out: Vec<ClassAggregate> = Vec::new();
  for v in 0..g.node_count as u32 {
    let s = inp.self_size[v as usize];
    if s == 0 || !filter(v) {
      continue;
    }
    let key = class_key(g, inp.class, v);
    let d = inp.distance[v as usize];
    match index.get(&key) {
      Some(&i) => {
        let a = &mut out[i];
        a.count += 1;
        a.shallow_size += s as u64;
        a.distance = a.distance.min(d);
        a.members.push(v);
      }
      None => {
        index.insert(key, out.len());
        out.push(ClassAggregate {
          key,
          public_key: public_key(g, key),
          class_name: crate::parse::strings::to_string_lossy(g.strings.get(inp.class[v as usize] as usize)),
          count: 1,
          shallow_size: s as u64,
          retained_size: 0,
          distance: d,
          members: vec![v],
        });
      }
    }
  }
  // Class retained sizes over the dominator tree; a class is "seen" within the subtree of a
  // node that contributed to it.
  let mut seen: HashMap<ClassKey, bool> = HashMap::new();
  let mut list: Vec<u32> = vec![g.root];
  let mut sizes: Vec<i64> = vec![-1];
  let mut keys: Vec<ClassKey> = Vec::new();
  while let Some(v) = list.pop() {
    let key = class_key(g, inp.class, v);
    let is_seen = seen.get(&key).copied().unwrap_or(false);
    let (from, to) = (
      inp.first_dominated[v as usize] as usize,
      inp.first_dominated[v as usize + 1] as usize,
    );
    if !is_seen && inp.self_size[v as usize] != 0 && filter(v) {
      if let Some(&i) = index.get(&key) {
        out[i].retained_size += inp.retained[v as usize];
      }
      if from != to {
        seen.insert(key, true);
        sizes.push(list.len() as i64);
        keys.push(key);
      }
    }
    list.extend_from_slice(&inp.dominated[from..to]);
    let l = list.len() as i64;
    while sizes.last() == Some(&l) {
      sizes.pop();
      if let Some(k) = keys.pop() {
        seen.insert(k, false);
      }
    }
  }
  out
}

/// Collapses aggregates by public key the way DevTools' record assignment does (a later
/// internal key with the same public key replaces the earlier one).
pub fn by_public_key(aggs: Vec<ClassAggregate>) -> Vec<ClassAggregate> {
  let mut pos: HashMap<String, usize> = HashMap::new();
  let mut out: Vec<ClassAggregate> = Vec::new();
  for a in aggs {
    match pos.get(&a.public_key) {
      Some(&i) => out[i] = a,
      None => {
        pos.insert(a.public_key.clone(), out.len());
        out.push(a);
      }
    }
  }
  out
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statistics {
  pub total: u64,
  pub native_total: u64,
  pub typed_arrays: u64,
  pub v8heap_total: u64,
  pub code: u64,
  pub strings: u64,
  pub js_arrays: u64,
  pub system: u64,
}

pub fn statistics(g: &Graph, self_size: &[u32], total: u64) -> Statistics {
  let nt = &g.meta.node_types;
  let mut st = Statistics {
    native_total: g.meta.extra_native_bytes,
    ..Default::default()
  };
  let internal = g.meta.edge_types.internal;
  for v in 0..g.node_count {
    let s = self_size[v] as u64;
    let t = g.node_type[v];
    if t == nt.hidden {
      st.system += s;
      continue;
    }
    if t == nt.native {
      st.native_total += s;
      if g.name_bytes(v as u32) == b"system / JSArrayBufferData" {
        st.typed_arrays += s;
      }
    } else if t == nt.code {
      st.code += s;
    } else if t == nt.cons_string || t == nt.sliced_string || t == nt.string {
      st.strings += s;
    } else if g.name_bytes(v as u32) == b"Array" {
      let mut size = s;
      for k in g.edges_of(v as u32) {
        if g.edge_type[k] != internal || g.strings.get(g.edge_name[k] as usize) != b"elements" {
          continue;
        }
        let el = g.edge_to[k];
        if g.retainers_of(el).len() == 1 {
          size += self_size[el as usize] as u64;
        }
        break;
      }
      st.js_arrays += size;
    }
  }
  st.total = total;
  st.v8heap_total = total - st.native_total.min(total);
  st
}
