//! User roots, the `pageObject` flag and essential edges (DevTools `calculateFlags`,
//! `computeIsEssentialEdge`): which edges the dominator tree may use.

use super::weakmap;
use crate::graph::Graph;
use rustc_hash::FxHashMap as HashMap;

/// Is `node` a user root when it is a direct child of the root? (not synthetic, or the
/// synthetic `(Document DOM trees)`)
pub fn is_user_root(g: &Graph, node: u32) -> bool {
  g.node_type[node as usize] != g.meta.node_types.synthetic || g.name_bytes(node) == b"(Document DOM trees)"
}

pub fn has_user_roots(g: &Graph) -> bool {
  g.edges_of(g.root).any(|k| is_user_root(g, g.edge_to[k]))
}

/// Nodes reachable (over non-weak edges) from the root's shortcut targets and DOM-tree roots.
///
/// A set, whatever the order of the walk: a depth-first walk while the stack is small, and,
/// when it holds [`WIDE`] nodes or more, rounds that expand its top (up to 4 × [`WIDE`] nodes) on every thread
/// (each node claimed by the first thread to flag it), in small lists (big temporaries here
/// raised the allocator's threshold for giving blocks back to the system, which kept later
/// passes' temporaries resident).
pub fn page_objects(g: &Graph) -> Vec<bool> {
  use rayon::prelude::*;
  use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
  const WIDE: usize = if cfg!(test) { 4 } else { 1 << 14 };
  // looked up before it is set, at random, on both cores: see written_zeros
  let mut flags: Vec<bool> = super::written_zeros(g.node_count);
  // SAFETY: AtomicBool has the size, alignment and bit validity of bool; `flags` is only
  // accessed through `flag` until `flag`'s last use.
  let flag: &[AtomicBool] = unsafe { &*(flags.as_mut_slice() as *mut [bool] as *const [AtomicBool]) };
  let mut stack = Vec::new();
  let et = &g.meta.edge_types;
  for k in g.edges_of(g.root) {
    let to = g.edge_to[k];
    let t = g.edge_type[k];
    if t == et.element {
      if !(g.node_type[to as usize] == g.meta.node_types.synthetic
        && g.name_bytes(to) == b"(Document DOM trees)")
      {
        continue;
      }
    } else if t != et.shortcut {
      continue;
    }
    stack.push(to);
    flag[to as usize].store(true, Relaxed);
  }
  // the targets of `v`'s non-weak edges not flagged yet, flagged and pushed (in the rounds)
  let expand = |v: u32, out: &mut Vec<u32>| {
    for k in g.edges_of(v) {
      let to = g.edge_to[k] as usize;
      if g.edge_type[k] == et.weak || flag[to].load(Relaxed) || flag[to].swap(true, Relaxed) {
        continue;
      }
      out.push(to as u32);
    }
  };
  let mut round = Vec::new();
  while !stack.is_empty() {
    // alone: a plain store claims a node
    while stack.len() < WIDE {
      let Some(v) = stack.pop() else { break };
      for k in g.edges_of(v) {
        let to = g.edge_to[k] as usize;
        if g.edge_type[k] == et.weak || flag[to].load(Relaxed) {
          continue;
        }
        flag[to].store(true, Relaxed);
        stack.push(to as u32);
      }
    }
    while stack.len() >= WIDE {
      // the top of the stack, expanded on every thread, what they find pushed back on it
      let from = stack.len().saturating_sub(WIDE * 4);
      round.clear();
      round.extend_from_slice(&stack[from..]);
      stack.truncate(from);
      let found: Vec<Vec<u32>> = round
        .par_chunks(1 << 10)
        .map(|part| {
          let mut out = Vec::new();
          for &v in part {
            expand(v, &mut out);
          }
          out
        })
        .collect();
      for f in found {
        stack.extend_from_slice(&f);
      }
    }
  }
  flags
}

/// Per-string cache of the ephemeron test: one byte per string (untested, no, yes) and the
/// matches, which are rare, in a map (a 24-byte slot per string was ~100 MB on a 1 GB file).
pub struct EphemeronCache {
  state: Vec<u8>,
  found: HashMap<u32, weakmap::Ephemeron>,
}

const UNTESTED: u8 = 0;
const NOT_EPHEMERON: u8 = 1;
const EPHEMERON: u8 = 2;

impl EphemeronCache {
  pub fn new(strings: usize) -> Self {
    EphemeronCache {
      state: vec![UNTESTED; strings],
      found: HashMap::default(),
    }
  }
  pub fn get(&mut self, g: &Graph, name: u32) -> Option<weakmap::Ephemeron> {
    match self.state[name as usize] {
      NOT_EPHEMERON => None,
      EPHEMERON => self.found.get(&name).copied(),
      _ => {
        let r = weakmap::parse(g.strings.get(name as usize));
        match r {
          Some(m) => {
            self.state[name as usize] = EPHEMERON;
            self.found.insert(name, m);
          }
          None => self.state[name as usize] = NOT_EPHEMERON,
        }
        r
      }
    }
  }
}

/// One bit per edge: may the dominator computation use it? In parallel over ranges of
/// sources (each range's words made on their own, then or-ed together: a word may span two).
/// The ephemeron test is made on each internal edge's name as met. Most names fail on their
/// first bytes; one that looks like an ephemeron name (or starts with a long run of digits) is
/// read whole, so a long one's answer is kept for the rest of the range: many edges sharing one
/// huge name (a crafted file) would otherwise cost edges × name length.
pub fn essential_edges(g: &Graph, page: &[bool]) -> Vec<u64> {
  use rayon::prelude::*;
  const SOURCES: usize = 1 << 15;
  // longer than V8's short internal names, shorter than its ephemeron names (~80 bytes)
  const LONG_NAME: usize = 64;
  let n = g.node_count;
  let et = &g.meta.edge_types;
  let parts: Vec<(usize, Vec<u64>)> = (0..n.div_ceil(SOURCES))
    .into_par_iter()
    .map(|c| {
      let (lo, hi) = (c * SOURCES, n.min((c + 1) * SOURCES));
      let (e0, e1) = (g.first_edge[lo] as usize, g.first_edge[hi] as usize);
      let w0 = e0 >> 6;
      let mut bits = vec![0u64; e1.div_ceil(64).saturating_sub(w0)];
      let mut long_names: HashMap<u32, Option<u64>> = HashMap::default();
      for v in lo as u32..hi as u32 {
        for k in g.edges_of(v) {
          let t = g.edge_type[k];
          if t == et.internal {
            let name = g.edge_name[k];
            let text = g.strings.get(name as usize);
            let table = |text: &[u8]| weakmap::parse(text).map(|m| m.table_id);
            let table_id = if weakmap::fails_early(text) {
              None
            } else if text.len() <= LONG_NAME {
              table(text)
            } else {
              *long_names.entry(name).or_insert_with(|| table(text))
            };
            if table_id == Some(g.node_id[v as usize] as u64) {
              continue;
            }
          }
          if t == et.weak {
            continue;
          }
          let to = g.edge_to[k];
          if to == v {
            continue;
          }
          if v != g.root {
            if t == et.shortcut {
              continue;
            }
            if page[to as usize] && !page[v as usize] {
              continue;
            }
          }
          bits[(k >> 6) - w0] |= 1 << (k & 63);
        }
      }
      (w0, bits)
    })
    .collect();
  let mut out = vec![0u64; g.edge_count.div_ceil(64)];
  for (w0, bits) in parts {
    for (o, b) in out[w0..].iter_mut().zip(bits) {
      *o |= b;
    }
  }
  out
}

#[inline]
pub fn bit(bits: &[u64], k: usize) -> bool {
  bits[k >> 6] & (1 << (k & 63)) != 0
}

#[cfg(test)]
mod tests {
  use super::*;

  /// The meta of the tests' snapshots: nodes of 5 fields, edges of 3.
  const META: &str = r#"{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["synthetic","object","array","hidden","native"],"string","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"]}"#;

  /// The walk as it was (one depth-first walk), the set the parallel rounds must equal.
  fn page_objects_reference(g: &Graph) -> Vec<bool> {
    let mut flag = vec![false; g.node_count];
    let mut stack = Vec::new();
    let et = &g.meta.edge_types;
    for k in g.edges_of(g.root) {
      let to = g.edge_to[k];
      let t = g.edge_type[k];
      if t == et.element {
        if !(g.node_type[to as usize] == g.meta.node_types.synthetic
          && g.name_bytes(to) == b"(Document DOM trees)")
        {
          continue;
        }
      } else if t != et.shortcut {
        continue;
      }
      stack.push(to);
      flag[to as usize] = true;
    }
    while let Some(v) = stack.pop() {
      for k in g.edges_of(v) {
        let to = g.edge_to[k] as usize;
        if flag[to] || g.edge_type[k] == et.weak {
          continue;
        }
        flag[to] = true;
        stack.push(to as u32);
      }
    }
    flag
  }

  /// Ephemeron names of any length are recognised, long ones through the range's memo, and an
  /// edge is dropped only from its own table (node id = the name's table id).
  #[test]
  fn long_ephemeron_names_are_tested_once_per_range_with_the_same_answers() {
    let filler = "x".repeat(5000);
    let long_eph = format!("7 / part of key (Object @3) -> value ({filler} @5) pair in WeakMap (table @9)");
    let short_eph = "7 / part of key (a @3) -> value (b @5) pair in WeakMap (table @9)".to_string();
    let long_other = format!("{}z", "1".repeat(5000));
    // strings: 0 "", 1 long ephemeron, 2 short ephemeron, 3 long other
    // nodes: 0 root (id 1), 1 table (id 9), 2 other (id 11), 3 target (id 13)
    // node 1 (the table) and node 2 each: internal edges named 1, 2, 3 (twice each) to node 3
    let per = "3,1,15,3,1,15,3,2,15,3,2,15,3,3,15,3,3,15";
    let text = format!(
      r#"{{"snapshot":{{"meta":{META},"node_count":4,"edge_count":14}},"nodes":[0,0,1,0,2,1,0,9,8,6,1,0,11,8,6,1,0,13,8,0],"edges":[2,0,5,2,0,10,{per},{per}],"strings":["",{},{},{}]}}"#,
      serde_json::to_string(&long_eph).unwrap(),
      serde_json::to_string(&short_eph).unwrap(),
      serde_json::to_string(&long_other).unwrap(),
    );
    let g = Graph::from_parsed(crate::parse::parse_bytes(text.as_bytes()).unwrap()).unwrap();
    let page = vec![false; g.node_count];
    let bits = essential_edges(&g, &page);
    let essential: Vec<bool> = (0..g.edge_count).map(|k| bit(&bits, k)).collect();
    // the root's two edges; the table's ephemeron edges (long and short) are not essential, its
    // other long name is; from node 2 (id 11, not the table) every edge is
    let want = [
      true, true, false, false, false, false, true, true, true, true, true, true, true, true,
    ];
    assert_eq!(essential, want);
  }

  #[test]
  fn page_objects_in_rounds_equal_one_walk() {
    let mut next = crate::testing::xorshift(0x9e37_79b9_7f4a_7c15);
    let mut rnd = |n: u64| next() % n;
    let mut flagged = 0;
    for seed in 0..200u64 {
      let n = 2 + (seed as usize * 13) % 300;
      let mut out: Vec<Vec<(u64, usize)>> = vec![Vec::new(); n];
      for _ in 0..1 + rnd(4) {
        out[0].push((5, 1 + rnd(n as u64 - 1) as usize)); // shortcuts from the root
      }
      for _ in 0..n * (1 + rnd(3) as usize) {
        let s = rnd(n as u64) as usize;
        out[s].push(([1, 2, 3, 6][rnd(4) as usize], rnd(n as u64) as usize));
      }
      let mut nodes = Vec::new();
      let mut edges = Vec::new();
      for (i, list) in out.iter().enumerate() {
        nodes.push(format!(
          "{},1,{},8,{}",
          if i == 0 { 0 } else { 1 },
          2 * i + 1,
          list.len()
        ));
        for &(ty, t) in list {
          edges.push(format!("{ty},{},{}", if ty == 1 { 0 } else { 1 }, t * 5));
        }
      }
      let text = format!(
        r#"{{"snapshot":{{"meta":{META},"node_count":{n},"edge_count":{}}},"nodes":[{}],"edges":[{}],"strings":["<dummy>","a"]}}"#,
        edges.len(),
        nodes.join(","),
        edges.join(",")
      );
      let g = Graph::from_parsed(crate::parse::parse_bytes(text.as_bytes()).unwrap()).unwrap();
      let want = page_objects_reference(&g);
      assert_eq!(page_objects(&g), want, "seed {seed}");
      flagged += want.iter().filter(|&&f| f).count();
    }
    assert!(flagged > 1000, "{flagged}");
  }
}
