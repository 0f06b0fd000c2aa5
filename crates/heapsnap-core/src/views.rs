//! Paged views of one snapshot, for interactive explorers (the web explorer, the MCP server):
//! a class' objects by retained size, an object's references in and out, its children in the
//! dominator tree, strings by content. Each answer is one page, and costs time in proportion to
//! the list it pages through (a partial selection, never a sort of the whole list), so a page of
//! a class of millions answers in milliseconds. [`ClassIndex`] keeps the Summary's member lists,
//! computed once.

use crate::analysis::summary::ClassAggregate;
use crate::snapshot::{EdgeInfo, Snapshot};
use crate::types::Distance;
use rustc_hash::FxHashMap as HashMap;
use std::cmp::Ordering;
use std::sync::atomic::{AtomicU8, Ordering::Relaxed};

/// The page `[offset, offset + limit)` of `items` in the order `cmp`, without sorting the
/// rest: a selection moves the first `offset + limit` to the front, then only those are sorted.
/// `cmp` must be a total order (ties broken), so that pages never overlap.
pub fn page_by<T: Copy>(
  items: &mut [T],
  offset: usize,
  limit: usize,
  cmp: impl Fn(&T, &T) -> Ordering,
) -> Vec<T> {
  let end = offset.saturating_add(limit).min(items.len());
  if offset >= end {
    return Vec::new();
  }
  if end < items.len() {
    items.select_nth_unstable_by(end, &cmp);
  }
  let head = &mut items[..end];
  if offset > 0 {
    head.select_nth_unstable_by(offset, &cmp);
  }
  let page = &mut head[offset..];
  page.sort_unstable_by(&cmp);
  page.to_vec()
}

/// Larger retained size first, then smaller id: the order of DevTools' Summary and Dominators.
pub fn by_retained(s: &Snapshot) -> impl Fn(&u32, &u32) -> Ordering + '_ {
  move |&a, &b| {
    s.retained
      .get(b)
      .cmp(&s.retained.get(a))
      .then_with(|| s.g.id(a).cmp(&s.g.id(b)))
  }
}

/// The Summary rows with their member ordinals sorted by retained size (then id), found by
/// public key (`",Foo"`). Built once: the sort of every class' members is one parallel pass,
/// after which a page of any class is a slice.
pub struct ClassIndex {
  pub rows: Vec<ClassAggregate>,
  by_key: HashMap<String, usize>,
}

impl ClassIndex {
  pub fn new(s: &Snapshot) -> ClassIndex {
    use rayon::prelude::*;
    let mut rows = s.summary();
    rows
      .par_iter_mut()
      .for_each(|r| r.members.par_sort_unstable_by(by_retained(s)));
    let by_key = rows
      .iter()
      .enumerate()
      .map(|(i, r)| (r.public_key.clone(), i))
      .collect();
    ClassIndex { rows, by_key }
  }

  pub fn get(&self, key: &str) -> Option<&ClassAggregate> {
    self.by_key.get(key).map(|&i| &self.rows[i])
  }

  /// One page of a class' objects by retained size, and how many it has.
  pub fn instances(&self, key: &str, offset: usize, limit: usize) -> Option<(usize, &[u32])> {
    let m = &self.get(key)?.members;
    let start = offset.min(m.len());
    let end = start.saturating_add(limit).min(m.len());
    Some((m.len(), &m[start..end]))
  }
}

/// The class index, built while the id index and the retainers' edges (which the first
/// queries would otherwise build) are made ready beside it.
pub fn prepare(s: &Snapshot) -> ClassIndex {
  rayon::join(
    || ClassIndex::new(s),
    || {
      s.id_index();
      s.g.retainer_edges();
    },
  )
  .0
}

/// One page of a node's children in the dominator tree (what it alone keeps alive), largest
/// retained size first, and how many there are.
pub fn dominated(s: &Snapshot, v: u32, offset: usize, limit: usize) -> (usize, Vec<u32>) {
  let (from, to) = (
    s.first_dominated[v as usize] as usize,
    s.first_dominated[v as usize + 1] as usize,
  );
  let mut kids = s.dominated[from..to].to_vec();
  (kids.len(), page_by(&mut kids, offset, limit, by_retained(s)))
}

/// One page of a node's outgoing references, in the file's order, and how many there are.
pub fn edges(s: &Snapshot, v: u32, offset: usize, limit: usize) -> (usize, Vec<EdgeInfo>) {
  let range = s.g.edges_of(v);
  let total = range.len();
  let start = range.start.saturating_add(offset).min(range.end);
  let end = start.saturating_add(limit).min(range.end);
  let rows = (start..end)
    .map(|k| EdgeInfo {
      edge_type: s.edge_type_name(k).to_string(),
      name: s.g.edge_name_string(k),
      other: s.g.edge_to[k],
      other_id: s.g.id(s.g.edge_to[k]),
    })
    .collect();
  (total, rows)
}

/// Rank of a distance for ordering retainers: by DevTools' raw value (user roots, then system
/// roots), nodes nothing reaches last.
fn distance_rank(d: Distance) -> i64 {
  if d.get() < 0 {
    i64::MAX
  } else {
    d.get() as i64
  }
}

/// One page of a node's retainers, nearest to the roots first (then in the file's order), and
/// how many there are.
pub fn retainers(s: &Snapshot, v: u32, offset: usize, limit: usize) -> (usize, Vec<EdgeInfo>) {
  let g = &s.g;
  // Slots in the file's (source, edge) order: the CSR holds them reversed. Each with its rank,
  // looked up once (a slot's source is a search).
  let mut slots: Vec<((i64, u32), usize)> = g
    .retainers_of(v)
    .rev()
    .enumerate()
    .map(|(i, rk)| {
      (
        (distance_rank(s.distance[g.retainer(rk).1 as usize]), i as u32),
        rk,
      )
    })
    .collect();
  let total = slots.len();
  let page = page_by(&mut slots, offset, limit, |a, b| a.0.cmp(&b.0));
  let rows = page
    .into_iter()
    .map(|(_, rk)| {
      let (k, other) = g.retainer(rk);
      EdgeInfo {
        edge_type: s.edge_type_name(k).to_string(),
        name: g.edge_name_string(k),
        other,
        other_id: g.id(other),
      }
    })
    .collect();
  (total, rows)
}

/// A case-insensitive (ASCII letters) substring search for one needle: candidates by a SIMD
/// scan for the first byte in either case, then a check of the rest.
struct Finder {
  lower: Vec<u8>,
}

impl Finder {
  fn new(needle: &str) -> Finder {
    Finder {
      lower: needle.bytes().map(|b| b.to_ascii_lowercase()).collect(),
    }
  }

  fn is_match(&self, hay: &[u8]) -> bool {
    let n = &self.lower;
    let Some(&first) = n.first() else { return true };
    if hay.len() < n.len() {
      return false;
    }
    let last_start = hay.len() - n.len();
    let rest = &n[1..];
    let verify = |i: usize| {
      hay[i + 1..i + n.len()]
        .iter()
        .zip(rest)
        .all(|(a, b)| a.to_ascii_lowercase() == *b)
    };
    let upper = first.to_ascii_uppercase();
    let mut at = 0;
    while at <= last_start {
      let window = &hay[at..=last_start];
      let found = if upper == first {
        memchr::memchr(first, window)
      } else {
        memchr::memchr2(first, upper, window)
      };
      let Some(i) = found else { return false };
      if verify(at + i) {
        return true;
      }
      at += i + 1;
    }
    false
  }
}

/// Up to `want` bytes from the start (`from_end` false) or the end of a string node's text,
/// walking concatenated strings; bounded like DevTools' display names.
fn text_edge(g: &crate::graph::Graph, halves: &Halves, v: u32, want: usize, from_end: bool) -> Vec<u8> {
  let cons = g.meta.node_types.cons_string;
  let mut out: Vec<u8> = Vec::new();
  let mut stack = vec![v];
  let mut steps = 0u32;
  while out.len() < want && steps < 1 << 13 {
    steps += 1;
    let Some(x) = stack.pop() else { break };
    if g.node_type[x as usize] != cons {
      let b = g.name_bytes(x);
      let take = (want - out.len()).min(b.len());
      if from_end {
        let mut part = b[b.len() - take..].to_vec();
        part.extend_from_slice(&out);
        out = part;
      } else {
        out.extend_from_slice(&b[..take]);
      }
      continue;
    }
    let (first, second) = halves.of(g, x);
    if from_end {
      stack.push(first);
      stack.push(second);
    } else {
      stack.push(second);
      stack.push(first);
    }
  }
  out
}

/// The halves of concatenated strings, by their edges named "first" and "second" (compared
/// as string-table indices, found once).
struct Halves {
  internal: u8,
  first: Vec<u32>,
  second: Vec<u32>,
}

impl Halves {
  fn new(g: &crate::graph::Graph) -> Halves {
    use rayon::prelude::*;
    let find = |text: &[u8]| -> Vec<u32> {
      (0..g.strings.len() as u32)
        .into_par_iter()
        .with_min_len(4096)
        .filter(|&i| g.strings.get(i as usize) == text)
        .collect()
    };
    Halves {
      internal: g.meta.edge_types.internal,
      first: find(b"first"),
      second: find(b"second"),
    }
  }

  /// (first, second); a missing half reads as the empty string (the root, never a string).
  fn of(&self, g: &crate::graph::Graph, x: u32) -> (u32, u32) {
    let (mut first, mut second) = (g.root, g.root);
    for k in g.edges_of(x) {
      if g.edge_type[k] == self.internal {
        let name = g.edge_name[k];
        if self.first.contains(&name) {
          first = g.edge_to[k];
        } else if self.second.contains(&name) {
          second = g.edge_to[k];
        }
      }
    }
    (first, second)
  }
}

/// Search of string objects by content, with what it needs built once per snapshot.
pub struct StringSearch {
  halves: Halves,
}

impl StringSearch {
  pub fn new(s: &Snapshot) -> StringSearch {
    StringSearch {
      halves: Halves::new(&s.g),
    }
  }

  /// String objects whose text contains `needle` (ASCII letters in any case), the first
  /// `limit` in the file's order. The string table is searched once, in parallel; a
  /// concatenated string matches when one of its halves does or the needle spans the seam
  /// between them (so its whole text is searched, never built). Nodes are scanned in parallel
  /// waves, stopping at the wave that completes `limit` hits.
  pub fn find(&self, s: &Snapshot, needle: &str, limit: usize) -> Vec<u32> {
    use rayon::prelude::*;
    let g = &s.g;
    if limit == 0 {
      return Vec::new();
    }
    let finder = Finder::new(needle);
    let table: Vec<bool> = (0..g.strings.len())
      .into_par_iter()
      .with_min_len(1024)
      .map(|i| finder.is_match(g.strings.get(i)))
      .collect();
    let m = Matcher {
      g,
      halves: &self.halves,
      table: &table,
      pairs: finder.lower.windows(2).map(|w| (w[0], w[1])).collect(),
      seam: finder.lower.len().saturating_sub(1),
      finder: &finder,
    };
    const CHUNK: usize = 1 << 16;
    let wave = CHUNK * 4 * rayon::current_num_threads().max(1);
    let n = g.node_count;
    // Decided concatenated strings, shared by the workers (a race decides one twice, alike).
    let state: Vec<AtomicU8> = (0..n).map(|_| AtomicU8::new(0)).collect();
    let mut hits = Vec::new();
    let mut from = 0;
    while from < n && hits.len() < limit {
      let to = (from + wave).min(n);
      let found: Vec<Vec<u32>> = (from..to)
        .step_by(CHUNK)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map_init(Vec::new, |stack, start| {
          let mut out = Vec::new();
          for v in start as u32..(start + CHUNK).min(to) as u32 {
            if m.node_matches(v, &state, stack) {
              out.push(v);
              if out.len() >= limit {
                break;
              }
            }
          }
          out
        })
        .collect();
      hits.extend(found.into_iter().flatten());
      from = to;
    }
    hits.truncate(limit);
    hits
  }
}

/// One search: the needle's matches in the string table, and how to decide a node.
struct Matcher<'a> {
  g: &'a crate::graph::Graph,
  halves: &'a Halves,
  table: &'a [bool],
  /// Adjacent byte pairs of the needle: a match across a seam puts one of them across it.
  pairs: Vec<(u8, u8)>,
  seam: usize,
  finder: &'a Finder,
}

impl Matcher<'_> {
  fn is_leaf(&self, t: u8) -> bool {
    let nt = &self.g.meta.node_types;
    t == nt.string || t == nt.sliced_string
  }

  /// The first (last) byte of a string's text: down the leftmost (rightmost) halves, without
  /// building anything; an empty leaf on the way takes the slow path.
  fn edge_byte(&self, start: u32, from_end: bool) -> Option<u8> {
    let g = self.g;
    let mut y = start;
    for _ in 0..64 {
      if g.node_type[y as usize] != g.meta.node_types.cons_string {
        let b = g.name_bytes(y);
        if let Some(c) = if from_end { b.last() } else { b.first() } {
          return Some(c.to_ascii_lowercase());
        }
        break;
      }
      let (a, b) = self.halves.of(g, y);
      y = if from_end { b } else { a };
    }
    text_edge(g, self.halves, start, 1, from_end)
      .first()
      .map(|c| c.to_ascii_lowercase())
  }

  fn across(&self, a: u32, b: u32) -> bool {
    if self.seam == 0 {
      return false;
    }
    let (Some(x), Some(y)) = (self.edge_byte(a, true), self.edge_byte(b, false)) else {
      return false;
    };
    if !self.pairs.contains(&(x, y)) {
      return false;
    }
    let mut joint = text_edge(self.g, self.halves, a, self.seam, true);
    joint.extend(text_edge(self.g, self.halves, b, self.seam, false));
    self.finder.is_match(&joint)
  }

  /// A decided value: leaves from the table, concatenated strings from `state` (0 undecided,
  /// 1 no match, 2 a match), anything else (and the missing half) no match.
  fn value(&self, y: u32, state: &[AtomicU8]) -> Option<bool> {
    let g = self.g;
    let t = g.node_type[y as usize];
    if self.is_leaf(t) {
      Some(self.table[g.node_name[y as usize] as usize])
    } else if y == g.root || t != g.meta.node_types.cons_string {
      Some(false)
    } else {
      match state[y as usize].load(Relaxed) {
        0 => None,
        v => Some(v == 2),
      }
    }
  }

  fn node_matches(&self, v: u32, state: &[AtomicU8], stack: &mut Vec<(u32, bool)>) -> bool {
    let g = self.g;
    let t = g.node_type[v as usize];
    if self.is_leaf(t) {
      return self.table[g.node_name[v as usize] as usize];
    }
    if t != g.meta.node_types.cons_string {
      return false;
    }
    // Halves are decided before their string, depth first, without recursion.
    stack.clear();
    stack.push((v, false));
    let mut steps = 0u32;
    while let Some((x, expanded)) = stack.pop() {
      steps += 1;
      if state[x as usize].load(Relaxed) != 0 {
        continue;
      }
      let (a, b) = self.halves.of(g, x);
      match (self.value(a, state), self.value(b, state)) {
        (Some(va), Some(vb)) => {
          let hit = va || vb || self.across(a, b);
          state[x as usize].store(if hit { 2 } else { 1 }, Relaxed);
        }
        _ if expanded || steps > 1 << 20 => {
          // A cycle (a malformed file): no match through it.
          state[x as usize].store(1, Relaxed);
        }
        (va, vb) => {
          stack.push((x, true));
          if vb.is_none() {
            stack.push((b, false));
          }
          if va.is_none() {
            stack.push((a, false));
          }
        }
      }
    }
    state[v as usize].load(Relaxed) == 2
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn pages_partition_the_order() {
    let base: Vec<u32> = (0..1000).map(|i| (i * 7919) % 1000).collect();
    let mut sorted = base.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    for (offset, limit) in [(0, 10), (5, 20), (990, 50), (0, 1000), (1000, 5), (400, 0)] {
      let mut items = base.clone();
      let page = page_by(&mut items, offset, limit, |a, b| b.cmp(a));
      let end = (offset + limit).min(1000);
      assert_eq!(
        page,
        sorted[offset.min(1000)..end.max(offset.min(1000))].to_vec(),
        "{offset} {limit}"
      );
    }
    let mut none: Vec<u32> = Vec::new();
    assert!(page_by(&mut none, 0, 10, |a, b| a.cmp(b)).is_empty());
    let mut big = vec![1u32; 3];
    assert_eq!(
      page_by(&mut big, usize::MAX, usize::MAX, |a, b| a.cmp(b)),
      Vec::<u32>::new()
    );
  }

  /// root → holder → { "Hello", "World", cons("Hello", cons("World", "Hello")) }
  fn strings_snapshot() -> Snapshot {
    // node: type, name, id, self_size, edge_count (stride 5); types: 2 string, 3 object,
    // 9 synthetic, 10 concatenated string. Edges: type, name_or_index, to_node (stride 3);
    // edge types: 2 property, 3 internal.
    let text = r#"{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],
      "node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic","concatenated string","sliced string"],"string","number","number","number"],
      "edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"]},
      "node_count":7,"edge_count":10},
      "nodes":[9,0,1,0,1, 3,1,3,16,5, 2,2,5,20,0, 2,3,7,20,0, 10,4,9,32,2, 10,4,11,32,2, 2,2,13,20,0],
      "edges":[2,5,5, 2,6,10, 2,7,15, 2,8,20, 2,9,25, 2,10,30, 3,11,10, 3,12,25, 3,11,15, 3,12,30],
      "strings":["","Holder","Hello","World","(concatenated string)","h","a","b","c","d","e","first","second"]}"#;
    Snapshot::from_bytes(text.as_bytes()).expect("a valid snapshot")
  }

  #[test]
  fn string_search_reads_concatenations_across_seams() {
    let s = strings_snapshot();
    let find = |q: &str| -> Vec<u64> {
      let search = StringSearch::new(&s);
      search.find(&s, q, 100).into_iter().map(|v| s.g.id(v)).collect()
    };
    // ids: 5 "Hello", 7 "World", 9 cons(Hello, cons11), 11 cons(World, 13 "Hello"), 13 "Hello"
    assert_eq!(find("hello"), vec![5, 9, 11, 13]);
    assert_eq!(find("OWOR"), vec![9], "across the outer seam only");
    assert_eq!(find("ldhe"), vec![9, 11], "across the inner seam, seen from both");
    assert_eq!(find("helloworldhello"), vec![9]);
    assert_eq!(find("worldhellow"), Vec::<u64>::new());
    assert_eq!(find("hello").len(), 4);
    assert_eq!(StringSearch::new(&s).find(&s, "hello", 2).len(), 2, "limit");
  }

  #[test]
  fn ignore_case_search() {
    assert!(Finder::new("O W").is_match(b"Hello World"));
    assert!(Finder::new("abc").is_match(b"xxABC"));
    assert!(Finder::new("a-1").is_match(b"A-1"));
    assert!(!Finder::new("abc").is_match(b"ab"));
    assert!(!Finder::new("abd").is_match(b"abcabcab"));
    assert!(Finder::new("").is_match(b""));
    assert!(Finder::new("é").is_match("café".as_bytes()));
  }
}
