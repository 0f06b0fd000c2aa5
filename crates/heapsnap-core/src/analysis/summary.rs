//! The Summary view's aggregates (DevTools `buildAggregates` + `calculateClassesRetainedSize`)
//! and the Statistics view (`calculateStatistics`).

use crate::graph::{Graph, Location, Sizes};
use crate::types::Distance;
use rustc_hash::FxHashMap as HashMap;

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
  /// The smallest distance of a member.
  pub distance: Distance,
  /// Member ordinals, ascending.
  pub members: Vec<u32>,
}

impl ClassKey {
  /// The class string index.
  pub fn class(self) -> u32 {
    match self {
      ClassKey::Class(c) | ClassKey::Located(_, c) => c,
    }
  }
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

/// Dense ids for class keys: `ids[node]` indexes `keys`, in first-seen ordinal order (the
/// order DevTools inserts aggregates in). `classes` bounds the class indices (the strings,
/// those added included): the keys without a location, nearly all, are found by index in a
/// table of that size, the others in a map.
pub fn key_ids(g: &Graph, class: Vec<u32>, classes: usize) -> (Vec<u32>, Vec<ClassKey>) {
  const NONE: u32 = u32::MAX;
  let mut by_class = vec![NONE; classes];
  let mut map: HashMap<ClassKey, u32> = HashMap::default();
  let mut keys = Vec::new();
  let object = g.meta.node_types.object;
  let no_locations = g.locations.is_empty();
  // each node's class is read only for its own key, so the ids replace the classes in place
  // (one column of 4 bytes a node instead of two, during the dominator pass's peak)
  let mut ids = class;
  for v in 0..g.node_count {
    let key = if no_locations || g.node_type[v] != object {
      ClassKey::Class(ids[v])
    } else {
      class_key(g, &ids, v as u32)
    };
    let mut new = || {
      keys.push(key);
      (keys.len() - 1) as u32
    };
    ids[v] = match key {
      ClassKey::Class(c) if (c as usize) < classes => {
        let id = &mut by_class[c as usize];
        if *id == NONE {
          *id = new();
        }
        *id
      }
      _ => *map.entry(key).or_insert_with(new),
    };
  }
  (ids, keys)
}

pub struct AggregateInput<'a> {
  pub g: &'a Graph,
  /// Dense class-key id per node, and the keys (see [`key_ids`]).
  pub key_of: &'a [u32],
  pub keys: &'a [ClassKey],
  pub self_size: &'a Sizes,
  pub distance: &'a [Distance],
  pub retained: &'a Sizes,
  pub first_dominated: &'a [u32],
  pub dominated: &'a [u32],
}

/// Aggregates of the nodes accepted by `filter` with a non-zero self size, in DevTools'
/// key-insertion order, with class retained sizes that never count a node twice.
pub fn aggregates(inp: &AggregateInput, filter: &dyn Fn(u32) -> bool) -> Vec<ClassAggregate> {
  aggregates_with(inp, filter, true)
}

/// [`aggregates`], with each row's `members` listed or left empty (the lists hold a number
/// per object: up to ~100 MB on a 1 GB file, the process's peak when only the rows' figures
/// are asked for).
pub fn aggregates_with(inp: &AggregateInput, filter: &dyn Fn(u32) -> bool, members: bool) -> Vec<ClassAggregate> {
  aggregates_impl(inp, filter, members, false)
}

/// [`aggregates_with`] of every node (no filter): the class retained sizes are summed over
/// subtrees of the dominator tree on every thread.
pub fn aggregates_all(inp: &AggregateInput, members: bool) -> Vec<ClassAggregate> {
  aggregates_impl(inp, &|_| true, members, true)
}

/// The figures of every class key but its retained size, in the order DevTools inserts its
/// aggregates (first-seen ordinal): what a Summary starts from. It reads the class keys, self
/// sizes and distances only, so the analysis makes that of every node beside the dominator
/// pass on small graphs (see [`rows_of_all`]).
#[derive(Debug, Clone)]
pub struct ClassTotals {
  rows: Vec<Totals>,
  /// The row of each key id (`u32::MAX`: none).
  slot: Vec<u32>,
}

/// One row of [`ClassTotals`].
#[derive(Debug, Clone)]
struct Totals {
  key_id: u32,
  count: u64,
  shallow_size: u64,
  /// The smallest distance of a member.
  distance: Distance,
  /// Member ordinals, ascending (empty unless asked for).
  members: Vec<u32>,
}

/// [`ClassTotals`] of every node with a non-zero self size.
pub fn class_totals(key_of: &[u32], keys: usize, self_size: &Sizes, distance: &[Distance]) -> ClassTotals {
  totals_of(key_of, keys, self_size, distance, &|_| true, false)
}

/// [`ClassTotals`] of the nodes with a non-zero self size that `filter` accepts, with their
/// members listed when `members` is set.
fn totals_of(
  key_of: &[u32],
  keys: usize,
  self_size: &Sizes,
  distance: &[Distance],
  filter: &dyn Fn(u32) -> bool,
  members: bool,
) -> ClassTotals {
  const NONE: u32 = u32::MAX;
  let mut slot = vec![NONE; keys];
  let mut rows: Vec<Totals> = Vec::new();
  for (v, &kid) in key_of.iter().enumerate() {
    let s = self_size.get(v as u32);
    if s == 0 || !filter(v as u32) {
      continue;
    }
    let d = distance[v];
    match slot[kid as usize] {
      NONE => {
        slot[kid as usize] = rows.len() as u32;
        rows.push(Totals {
          key_id: kid,
          count: 1,
          shallow_size: s,
          distance: d,
          members: if members { vec![v as u32] } else { Vec::new() },
        });
      }
      at => {
        let r = &mut rows[at as usize];
        r.count += 1;
        r.shallow_size += s;
        r.distance = r.distance.min(d);
        if members {
          r.members.push(v as u32);
        }
      }
    }
  }
  ClassTotals { rows, slot }
}

/// A Summary row from its totals (retained size 0 until summed).
fn named_row(inp: &AggregateInput, t: &Totals, members: Vec<u32>) -> ClassAggregate {
  let key = inp.keys[t.key_id as usize];
  ClassAggregate {
    key,
    public_key: public_key(inp.g, key),
    class_name: crate::parse::strings::to_string_lossy(inp.g.strings.get(key.class() as usize)),
    count: t.count,
    shallow_size: t.shallow_size,
    retained_size: 0,
    distance: t.distance,
    members,
  }
}

/// The Summary rows of every node, without members, from their [`ClassTotals`]: the rows' names
/// and the class retained sizes (on every thread) are what is left to do.
pub fn rows_of_all(inp: &AggregateInput, totals: &ClassTotals) -> Vec<ClassAggregate> {
  let mut out: Vec<ClassAggregate> = totals.rows.iter().map(|t| named_row(inp, t, Vec::new())).collect();
  for (a, r) in out.iter_mut().zip(retained_in_parallel(inp, &totals.slot)) {
    a.retained_size = r;
  }
  out
}

fn aggregates_impl(
  inp: &AggregateInput,
  filter: &dyn Fn(u32) -> bool,
  members: bool,
  all: bool,
) -> Vec<ClassAggregate> {
  let g = inp.g;
  let ClassTotals { rows, slot } = totals_of(inp.key_of, inp.keys.len(), inp.self_size, inp.distance, filter, members);
  let mut out: Vec<ClassAggregate> = rows
    .into_iter()
    .map(|mut t| {
      let members = std::mem::take(&mut t.members);
      named_row(inp, &t, members)
    })
    .collect();
  if all {
    for (a, r) in out.iter_mut().zip(retained_in_parallel(inp, &slot)) {
      a.retained_size = r;
    }
    return out;
  }
  // Class retained sizes over the dominator tree, in one walk (the filter need not be Sync)
  let mut walk = Walk::new(inp.keys.len(), out.len());
  walk.subtree(inp, &slot, g.root, filter);
  for (a, r) in out.iter_mut().zip(walk.sums) {
    a.retained_size = r;
  }
  out
}

/// The top of the dominator tree is split until no subtree left whole retains more than
/// this fraction of the root's retained size, or after this many nodes.
const SPLIT_FRACTION: u64 = 64;
const SPLIT_NODES: usize = 1 << 14;

/// The class retained sizes of every node (no filter), by slot (`slot[key id]`, `u32::MAX`
/// for none): the same sums as the one DFS of [`aggregates_with`] (a node counts when no
/// dominator of it with a child has its class and a non-zero self size), made on every thread.
/// The nodes retaining the most are taken one at a time from the top, each with the classes
/// its dominators counted, until the subtrees left are small enough (retained size as the
/// measure of their work); each subtree is then walked with its dominators' classes.
fn retained_in_parallel(inp: &AggregateInput, slot: &[u32]) -> Vec<u64> {
  use rayon::prelude::*;
  use std::collections::BinaryHeap;
  const NONE: u32 = u32::MAX;
  let rows = slot.iter().filter(|&&s| s != NONE).count();
  let mut sums = vec![0u64; rows];
  let children = |v: u32| {
    &inp.dominated[inp.first_dominated[v as usize] as usize..inp.first_dominated[v as usize + 1] as usize]
  };
  let small = inp.retained.get(inp.g.root) / SPLIT_FRACTION;
  // (node, index of its dominators' counted classes in `paths`)
  let mut paths: Vec<Vec<u32>> = vec![Vec::new()];
  let mut frontier: Vec<(u32, u32)> = Vec::new();
  let mut big: BinaryHeap<(u64, u32, u32)> = BinaryHeap::new();
  big.push((u64::MAX, inp.g.root, 0));
  let mut taken = 0;
  while let Some((_, v, p)) = big.pop() {
    if taken == SPLIT_NODES {
      frontier.push((v, p));
      continue;
    }
    taken += 1;
    let kid = inp.key_of[v as usize];
    let mut p = p;
    if !paths[p as usize].contains(&kid) && !inp.self_size.is_zero(v) {
      if slot[kid as usize] != NONE {
        sums[slot[kid as usize] as usize] += inp.retained.get(v);
      }
      if !children(v).is_empty() {
        let mut q = paths[p as usize].clone();
        q.push(kid);
        paths.push(q);
        p = (paths.len() - 1) as u32;
      }
    }
    for &c in children(v) {
      let r = inp.retained.get(c);
      if r > small && !children(c).is_empty() {
        big.push((r, c, p));
      } else {
        frontier.push((c, p));
      }
    }
  }
  const SUBTREES: usize = 1024;
  let keys = inp.keys.len();
  let walked = frontier
    .par_chunks(frontier.len().div_ceil(SUBTREES).max(1))
    .fold(
      || Walk::new(keys, rows),
      |mut w, tasks| {
        for &(top, p) in tasks {
          for &k in &paths[p as usize] {
            w.seen[k as usize] = true;
          }
          w.subtree(inp, slot, top, |_| true);
          for &k in &paths[p as usize] {
            w.seen[k as usize] = false;
          }
        }
        w
      },
    )
    .map(|w| w.sums)
    .reduce(
      || vec![0u64; rows],
      |mut a, b| {
        for (x, y) in a.iter_mut().zip(b) {
          *x += y;
        }
        a
      },
    );
  for (x, y) in sums.iter_mut().zip(walked) {
    *x += y;
  }
  sums
}

/// One thread's walk of subtrees: the classes counted on the path, the sums by slot, and the
/// DFS's stacks (kept from one subtree to the next).
struct Walk {
  seen: Vec<bool>,
  sums: Vec<u64>,
  list: Vec<u32>,
  sizes: Vec<i64>,
  keys: Vec<u32>,
}

impl Walk {
  fn new(keys: usize, rows: usize) -> Walk {
    Walk {
      seen: vec![false; keys],
      sums: vec![0u64; rows],
      list: Vec::new(),
      sizes: Vec::new(),
      keys: Vec::new(),
    }
  }

  /// Adds the class retained sizes of the subtree of `top` (nodes that `filter` keeps) to
  /// `sums`, by slot: a DFS over the dominator tree in which a class is "seen" within the
  /// subtree of a node that contributed to it. `seen` holds the classes `top`'s dominators
  /// counted, and is as it was when it returns.
  fn subtree(&mut self, inp: &AggregateInput, slot: &[u32], top: u32, filter: impl Fn(u32) -> bool) {
    const NONE: u32 = u32::MAX;
    let Walk {
      seen,
      sums,
      list,
      sizes,
      keys,
    } = self;
    list.clear();
    list.push(top);
    sizes.clear();
    sizes.push(-1);
    keys.clear();
    while let Some(v) = list.pop() {
      let kid = inp.key_of[v as usize];
      let (from, to) = (
        inp.first_dominated[v as usize] as usize,
        inp.first_dominated[v as usize + 1] as usize,
      );
      if !seen[kid as usize] && !inp.self_size.is_zero(v) && filter(v) {
        let at = slot[kid as usize];
        if at != NONE {
          sums[at as usize] += inp.retained.get(v);
        }
        if from != to {
          seen[kid as usize] = true;
          sizes.push(list.len() as i64);
          keys.push(kid);
        }
      }
      list.extend_from_slice(&inp.dominated[from..to]);
      let l = list.len() as i64;
      while sizes.last() == Some(&l) {
        sizes.pop();
        if let Some(k) = keys.pop() {
          seen[k as usize] = false;
        }
      }
    }
  }
}

/// Collapses aggregates by public key the way DevTools' record assignment does (a later
/// internal key with the same public key replaces the earlier one).
pub fn by_public_key(aggs: Vec<ClassAggregate>) -> Vec<ClassAggregate> {
  let mut pos: HashMap<String, usize> = HashMap::default();
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

/// The Statistics view; `first_retainer` are the retainers' slice starts (the graph's own,
/// or made beside it before they are its own), `total` the root's retained size plus the
/// file's extra native bytes.
pub fn statistics(g: &Graph, self_size: &Sizes, first_retainer: &[u32], total: u64) -> Statistics {
  let mut st = statistics_by_type(g, self_size, first_retainer);
  st.set_total(total);
  st
}

/// The Statistics view without its totals (see [`Statistics::set_total`]): what needs no
/// retained size, so that it can be made beside the dominator pass.
pub fn statistics_by_type(g: &Graph, self_size: &Sizes, first_retainer: &[u32]) -> Statistics {
  let nt = &g.meta.node_types;
  let mut st = Statistics {
    native_total: g.meta.extra_native_bytes,
    ..Default::default()
  };
  let internal = g.meta.edge_types.internal;
  for v in 0..g.node_count {
    let s = self_size.get(v as u32);
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
        if first_retainer[el as usize + 1] - first_retainer[el as usize] == 1 {
          size += self_size.get(el);
        }
        break;
      }
      st.js_arrays += size;
    }
  }
  st
}

impl Statistics {
  /// Sets the totals: `total` (the root's retained size plus the file's extra native bytes)
  /// and the V8 heap's part of it.
  pub fn set_total(&mut self, total: u64) {
    self.total = total;
    self.v8heap_total = total - self.native_total.min(total);
  }
}
