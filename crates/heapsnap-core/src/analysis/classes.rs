//! Class names, interface classes and display names (DevTools `calculateObjectNames`,
//! `inferInterfaceDefinitions`, `applyInterfaceDefinitions`, `JSHeapSnapshotNode.name()`).
//!
//! A node's class is a string index, like DevTools' class index: the raw name for objects and
//! natives, an added string such as `(system)` or `Function` for other types, and for plain
//! `Object`s the best matching inferred interface `{a, b}`. All text comparisons follow JS
//! semantics (UTF-16 code units, UTF-16 lengths).

use crate::graph::Graph;
use crate::parse::strings::{utf16_len, utf16_units};
use rustc_hash::FxHashMap as HashMap;
use std::cmp::Ordering;

/// An inferred interface: its display name and its (raw) property names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceDef {
  pub name: Vec<u8>,
  pub properties: Vec<Vec<u8>>,
}

/// Compares two WTF-8 strings as JS compares strings (by UTF-16 code units).
pub fn cmp_js(a: &[u8], b: &[u8]) -> Ordering {
  if a.is_ascii() && b.is_ascii() {
    return a.cmp(b);
  }
  utf16_units(a).cmp(utf16_units(b))
}

/// DevTools' `formatPropertyName`: names containing `, ' " { }` become JSON string literals.
pub fn format_property_name(name: &[u8]) -> Vec<u8> {
  if !name
    .iter()
    .any(|b| matches!(b, b',' | b'\'' | b'"' | b'{' | b'}'))
  {
    return name.to_vec();
  }
  json_quote(name)
}

/// `JSON.stringify` of a string (lower-case `\u00xx`, lone surrogates escaped).
pub fn json_quote(s: &[u8]) -> Vec<u8> {
  let mut out = vec![b'"'];
  let units: Vec<u16> = utf16_units(s).collect();
  let mut i = 0;
  while i < units.len() {
    let u = units[i];
    match u {
      0x22 => out.extend_from_slice(b"\\\""),
      0x5C => out.extend_from_slice(b"\\\\"),
      0x08 => out.extend_from_slice(b"\\b"),
      0x0C => out.extend_from_slice(b"\\f"),
      0x0A => out.extend_from_slice(b"\\n"),
      0x0D => out.extend_from_slice(b"\\r"),
      0x09 => out.extend_from_slice(b"\\t"),
      0..=0x1F => out.extend_from_slice(format!("\\u{u:04x}").as_bytes()),
      0xD800..=0xDBFF if i + 1 < units.len() && (0xDC00..0xE000).contains(&units[i + 1]) => {
        let cp = 0x10000 + (((u as u32) - 0xD800) << 10) + (units[i + 1] as u32 - 0xDC00);
        crate::parse::strings::push_code_point(&mut out, cp);
        i += 1;
      }
      0xD800..=0xDFFF => out.extend_from_slice(format!("\\u{u:04x}").as_bytes()),
      _ => crate::parse::strings::push_code_point(&mut out, u as u32),
    }
    i += 1;
  }
  out.push(b'"');
  out
}

/// Strings added by the analysis (class names such as `(system)`, interface names), numbered
/// after the file's strings but kept aside until [`Interner::flush`], so that passes which add
/// names can run while others read the graph.
pub struct Interner {
  base: usize,
  pending: Vec<Vec<u8>>,
}

impl Interner {
  pub fn new(strings_len: usize) -> Self {
    Interner {
      base: strings_len,
      pending: Vec::new(),
    }
  }
  /// How many strings there will be: the table's and those added.
  pub fn strings(&self) -> usize {
    self.base + self.pending.len()
  }
  pub fn add(&mut self, s: &[u8]) -> u32 {
    self.pending.push(s.to_vec());
    (self.base + self.pending.len() - 1) as u32
  }
  /// Appends the added strings to the table (their indices were promised in order).
  pub fn flush(self, strings: &mut crate::parse::strings::StringTable) {
    debug_assert_eq!(strings.len(), self.base);
    for s in self.pending {
      strings.push(&s);
    }
  }
}

/// Adds each text once (DevTools' `getIndexForString`).
#[derive(Default)]
pub struct AddedStrings {
  map: HashMap<Vec<u8>, u32>,
}

impl AddedStrings {
  pub fn new() -> Self {
    AddedStrings {
      map: HashMap::default(),
    }
  }
  pub fn index(&mut self, interner: &mut Interner, s: &[u8]) -> u32 {
    if let Some(&i) = self.map.get(s) {
      return i;
    }
    let i = interner.add(s);
    self.map.insert(s.to_vec(), i);
    i
  }
}

fn is_plain_object(g: &Graph, v: u32) -> bool {
  g.node_type[v as usize] == g.meta.node_types.object && g.name_bytes(v) == b"Object"
}

/// Base class index of every node (before interfaces).
pub fn object_classes(g: &Graph, interner: &mut Interner) -> Vec<u32> {
  let mut added = AddedStrings::new();
  let nt = g.meta.node_types.clone();
  let hidden = added.index(interner, b"(system)");
  let code = added.index(interner, b"(compiled code)");
  let function = added.index(interner, b"Function");
  let regexp = added.index(interner, b"RegExp");
  let mut by_type: Vec<Option<u32>> = vec![None; nt.names.len()];
  let mut class = Vec::with_capacity(g.node_count);
  for v in 0..g.node_count {
    let t = g.node_type[v];
    let c = if t == nt.hidden {
      hidden
    } else if t == nt.object || t == nt.native {
      let name = g.strings.get(g.node_name[v] as usize);
      if name.first() == Some(&b'<') {
        match name.iter().position(|&b| b == b' ') {
          Some(sp) => {
            let mut s = name[..sp].to_vec();
            s.push(b'>');
            added.index(interner, &s)
          }
          None => {
            let s = name.to_vec();
            added.index(interner, &s)
          }
        }
      } else if name.starts_with(b"Detached <") {
        match name[10..].iter().position(|&b| b == b' ') {
          Some(sp) => {
            let mut s = name[..10 + sp].to_vec();
            s.push(b'>');
            added.index(interner, &s)
          }
          None => {
            let s = name.to_vec();
            added.index(interner, &s)
          }
        }
      } else {
        g.node_name[v]
      }
    } else if t == nt.code {
      code
    } else if t == nt.closure {
      function
    } else if t == nt.regexp {
      regexp
    } else {
      match by_type[t as usize] {
        Some(c) => c,
        None => {
          let s = format!("({})", nt.names[t as usize]);
          let c = added.index(interner, s.as_bytes());
          by_type[t as usize] = Some(c);
          c
        }
      }
    };
    class.push(c);
  }
  class
}

/// The plain objects (`is_plain_object`) grouped by shape: the names of their property edges,
/// in edge order. The interface inference and the matching read nothing else of an object, so
/// each is made once per shape instead of once per object (a 152 MB file has ~25 times fewer
/// shapes than plain objects).
pub struct Shapes {
  /// The property names (string indices) of each shape.
  props: Vec<Box<[u32]>>,
  /// The plain objects of each shape.
  count: Vec<u64>,
  /// Every plain object, with or without properties.
  total: u64,
}

/// `is_plain_object`, with the string indices whose text is `Object` found once (V8 writes
/// each string once; a file that repeats one is still answered by text).
fn plain_objects(g: &Graph) -> impl Fn(u32) -> bool + '_ {
  let names: Vec<u32> = (0..g.strings.len() as u32)
    .filter(|&i| g.strings.get(i as usize) == b"Object")
    .collect();
  let object = g.meta.node_types.object;
  move |v| g.node_type[v as usize] == object && names.contains(&g.node_name[v as usize])
}

impl Shapes {
  /// Groups the plain objects of `g`, calling `visit(node, shape)` for each, in node order;
  /// shapes are numbered in the order their first object comes.
  fn of(g: &Graph, visit: &mut dyn FnMut(u32, u32)) -> Shapes {
    let plain = plain_objects(g);
    let prop = g.meta.edge_types.property;
    let mut index: HashMap<Box<[u32]>, u32> = HashMap::default();
    let mut count: Vec<u64> = Vec::new();
    let mut total = 0u64;
    let mut key: Vec<u32> = Vec::new();
    for v in 0..g.node_count as u32 {
      if !plain(v) {
        continue;
      }
      total += 1;
      key.clear();
      key.extend(g.edges_of(v).filter(|&k| g.edge_type[k] == prop).map(|k| g.edge_name[k]));
      let s = match index.get(key.as_slice()) {
        Some(&s) => s,
        None => {
          let s = count.len() as u32;
          index.insert(key.as_slice().into(), s);
          count.push(0);
          s
        }
      };
      count[s as usize] += 1;
      visit(v, s);
    }
    let mut props: Vec<Box<[u32]>> = vec![Box::default(); count.len()];
    for (k, s) in index {
      props[s as usize] = k;
    }
    Shapes { props, count, total }
  }
}

/// DevTools' interface inference over all plain objects.
pub fn infer_interfaces(g: &Graph) -> Vec<InterfaceDef> {
  infer_from(g, &Shapes::of(g, &mut |_, _| {}))
}

/// The inference on the shapes: every object of a shape has the same candidate name.
fn infer_from(g: &Graph, shapes: &Shapes) -> Vec<InterfaceDef> {
  // name text -> candidate, in first-seen order; a candidate keeps its property names as
  // string indices and its count, and the few that pass are made text at the end (a 1 GB
  // snapshot's hundreds of thousands of one-off shapes held ~70 MB as text, during the peak)
  let mut index: HashMap<Vec<u8>, usize> = HashMap::default();
  let mut cands: Vec<(Vec<u32>, u64)> = Vec::new();
  for (shape, &count) in shapes.props.iter().zip(&shapes.count) {
    let mut name = b"{".to_vec();
    let mut name_len = 1usize;
    let mut props: Vec<u32> = Vec::new();
    for &si in shape.iter() {
      let en = g.strings.get(si as usize);
      if en == b"__proto__" {
        continue;
      }
      let f = format_property_name(en);
      let flen = utf16_len(&f);
      if name_len > 1 && name_len + flen > 120 {
        break;
      }
      if name_len != 1 {
        name.extend_from_slice(b", ");
        name_len += 2;
      }
      name.extend_from_slice(&f);
      name_len += flen;
      props.push(si);
    }
    if props.is_empty() {
      continue;
    }
    name.push(b'}');
    match index.get(&name) {
      Some(&i) => cands[i].1 += count,
      None => {
        index.insert(name, cands.len());
        cands.push((props, count));
      }
    }
  }
  let total = shapes.total;
  let mut names: Vec<Vec<u8>> = vec![Vec::new(); cands.len()];
  for (name, i) in index {
    names[i] = name;
  }
  let mut order: Vec<usize> = (0..cands.len()).collect();
  order.sort_by_key(|&i| std::cmp::Reverse(cands[i].1)); // stable: ties keep first-seen order
  let min = f64::max(2.0, total as f64 / 1000.0);
  order
    .into_iter()
    .take_while(|&i| (cands[i].1 as f64) >= min)
    .map(|i| InterfaceDef {
      name: std::mem::take(&mut names[i]),
      properties: cands[i]
        .0
        .iter()
        .map(|&s| g.strings.get(s as usize).to_vec())
        .collect(),
    })
    .collect()
}

struct TrieNode {
  next: HashMap<u32, u32>,
  /// (property count, definition index)
  matched: Option<(usize, usize)>,
  greatest: Option<u32>,
}

/// Infers the interfaces and re-classifies the plain objects with them (DevTools'
/// `inferInterfaceDefinitions` then `applyInterfaceDefinitions`): each gets the matching
/// definition with the most properties (ties: the earliest), else its raw name. One pass over
/// the nodes finds the shapes (their numbers kept in `class` meanwhile, the plain objects
/// noted a bit each), and one over the plain objects writes their classes. `names` caches the
/// string index of each interface name across calls.
pub fn infer_and_apply_interfaces(
  g: &Graph,
  class: &mut [u32],
  names: &mut AddedStrings,
  interner: &mut Interner,
) -> Vec<InterfaceDef> {
  // the plain objects, a bit each, for the second pass
  let mut plain = vec![0u64; g.node_count.div_ceil(64)];
  let shapes = Shapes::of(g, &mut |v, s| {
    class[v as usize] = s;
    plain[v as usize >> 6] |= 1 << (v & 63);
  });
  let defs = infer_from(g, &shapes);
  let best = match_shapes(g, &defs, &shapes);
  drop(shapes);
  let def_name_index: Vec<u32> = defs.iter().map(|d| names.index(interner, &d.name)).collect();
  for (w, &bits) in plain.iter().enumerate() {
    let mut bits = bits;
    while bits != 0 {
      let v = (w << 6) | bits.trailing_zeros() as usize;
      bits &= bits - 1;
      class[v] = match best[class[v] as usize] {
        Some(di) => def_name_index[di],
        None => g.node_name[v],
      };
    }
  }
  defs
}

/// For every plain object, the definition it matches (most properties, then earliest), or
/// None; reported through `assign(node, definition)`, in node order.
pub fn match_interfaces(g: &Graph, defs: &[InterfaceDef], assign: &mut dyn FnMut(u32, Option<usize>)) {
  let mut objects: Vec<(u32, u32)> = Vec::new();
  let shapes = Shapes::of(g, &mut |v, s| objects.push((v, s)));
  let best = match_shapes(g, defs, &shapes);
  for (v, s) in objects {
    assign(v, best[s as usize]);
  }
}

/// The definition each shape matches (most properties, then earliest), or None.
fn match_shapes(g: &Graph, defs: &[InterfaceDef], shapes: &Shapes) -> Vec<Option<usize>> {
  // Rank every property name the definitions mention, in JS sort order.
  let mut texts: Vec<&[u8]> = defs
    .iter()
    .flat_map(|d| d.properties.iter().map(|p| p.as_slice()))
    .collect();
  texts.sort_by(|a, b| cmp_js(a, b));
  texts.dedup();
  let rank: HashMap<Vec<u8>, u32> = texts
    .iter()
    .enumerate()
    .map(|(i, t)| (t.to_vec(), i as u32))
    .collect();
  let mut trie = vec![TrieNode {
    next: HashMap::default(),
    matched: None,
    greatest: None,
  }];
  for (di, d) in defs.iter().enumerate() {
    let mut ps: Vec<u32> = d.properties.iter().map(|p| rank[p]).collect();
    ps.sort();
    let mut cur = 0usize;
    for &p in &ps {
      let nxt = match trie[cur].next.get(&p) {
        Some(&x) => x as usize,
        None => {
          let x = trie.len();
          trie.push(TrieNode {
            next: HashMap::default(),
            matched: None,
            greatest: None,
          });
          trie[cur].next.insert(p, x as u32);
          if trie[cur].greatest.is_none_or(|gr| gr < p) {
            trie[cur].greatest = Some(p);
          }
          x
        }
      };
      cur = nxt;
    }
    if trie[cur].matched.is_none() {
      trie[cur].matched = Some((ps.len(), di));
    }
  }
  let better = |a: Option<(usize, usize)>, b: Option<(usize, usize)>| -> Option<(usize, usize)> {
    match (a, b) {
      (a, None) => a,
      (None, b) => b,
      (Some(a), Some(b)) => {
        if a.0 > b.0 {
          Some(a)
        } else if b.0 > a.0 {
          Some(b)
        } else if a.1 <= b.1 {
          Some(a)
        } else {
          Some(b)
        }
      }
    }
  };
  // Rank lookups by string index (V8 deduplicates strings, but key by text to be safe).
  let mut rank_of_string: HashMap<u32, Option<u32>> = HashMap::default();
  let mut props: Vec<Option<u32>> = Vec::new();
  let mut states: Vec<usize> = Vec::new();
  let mut added: Vec<usize> = Vec::new();
  let mut out = Vec::with_capacity(shapes.props.len());
  for shape in &shapes.props {
    props.clear();
    for &si in shape.iter() {
      let r = *rank_of_string
        .entry(si)
        .or_insert_with(|| rank.get(g.strings.get(si as usize)).copied());
      props.push(r);
    }
    // Unknown names (None) sort among known ones by text; they never match, but they do
    // prune states whose greatest transition they pass. Approximate them by skipping: a name
    // outside every definition cannot start a transition, and pruning is only an optimisation.
    let mut known: Vec<u32> = props.iter().filter_map(|&r| r).collect();
    known.sort_unstable();
    states.clear();
    states.push(0);
    let mut best = better(None, trie[0].matched);
    for &p in &known {
      added.clear();
      states.retain(|&s| {
        let node = &trie[s];
        if let Some(&nx) = node.next.get(&p) {
          added.push(nx as usize);
        }
        node.greatest.is_some_and(|gr| p < gr)
      });
      for &a in &added {
        best = better(best, trie[a].matched);
        if !states.contains(&a) {
          states.push(a);
        }
      }
    }
    out.push(best.map(|(_, di)| di));
  }
  out
}

/// DevTools' display name of a node: cons strings concatenated, plain objects `{a, …, z}`.
pub fn display_name(g: &Graph, v: u32) -> Vec<u8> {
  let nt = &g.meta.node_types;
  let t = g.node_type[v as usize];
  if t == nt.cons_string {
    return cons_string_name(g, v);
  }
  if is_plain_object(g, v) {
    return plain_object_name(g, v);
  }
  g.name_bytes(v).to_vec()
}

fn cons_string_name(g: &Graph, v: u32) -> Vec<u8> {
  let cons = g.meta.node_types.cons_string;
  let internal = g.meta.edge_types.internal;
  let mut stack = vec![v];
  let mut name = Vec::new();
  let mut len = 0usize;
  let mut steps = 0u32;
  // The step bound only matters for malformed cyclic cons strings with empty leaves. A real
  // tree reaches 1024 characters within ~2100 steps (leaves hold at least one character);
  // a lower bound keeps a hostile file with many cyclic cons strings from costing
  // 2^20 steps per node in queries that name every string (duplicated strings).
  while len < 1024 && steps < 1 << 13 {
    steps += 1;
    let Some(x) = stack.pop() else { break };
    if g.node_type[x as usize] != cons {
      let s = g.name_bytes(x);
      name.extend_from_slice(s);
      len += utf16_len(s);
      continue;
    }
    let (mut first, mut second) = (0u32, 0u32);
    for k in g.edges_of(x) {
      if first != 0 && second != 0 {
        break;
      }
      if g.edge_type[k] == internal {
        match g.strings.get(g.edge_name[k] as usize) {
          b"first" => first = g.edge_to[k],
          b"second" => second = g.edge_to[k],
          _ => {}
        }
      }
    }
    stack.push(second);
    stack.push(first);
  }
  name
}

fn plain_object_name(g: &Graph, v: u32) -> Vec<u8> {
  let prop = g.meta.edge_types.property;
  let r = g.edges_of(v);
  if r.is_empty() {
    return b"{}".to_vec();
  }
  let (mut from_start, mut from_end) = (r.start as i64, r.end as i64 - 1);
  let mut start = b"{".to_vec();
  let mut start_len = 1usize;
  let mut end: Vec<u8> = b"}".to_vec();
  let mut end_len = 1usize;
  let mut next_from_end = false;
  while from_start <= from_end {
    let k = if next_from_end { from_end } else { from_start } as usize;
    let en = g.strings.get(g.edge_name[k] as usize);
    if g.edge_type[k] != prop || en == b"__proto__" {
      if next_from_end {
        from_end -= 1;
      } else {
        from_start += 1;
      }
      continue;
    }
    let f = format_property_name(en);
    let flen = utf16_len(&f);
    if start_len > 1 && start_len + end_len + flen > 100 {
      break;
    }
    if next_from_end {
      from_end -= 1;
      if end_len > 1 {
        let mut e = b", ".to_vec();
        e.extend_from_slice(&end);
        end = e;
        end_len += 2;
      }
      let mut e = f;
      e.extend_from_slice(&end);
      end = e;
      end_len += flen;
    } else {
      from_start += 1;
      if start_len > 1 {
        start.extend_from_slice(b", ");
        start_len += 2;
      }
      start.extend_from_slice(&f);
      start_len += flen;
    }
    next_from_end = !next_from_end;
  }
  if from_start <= from_end {
    start.extend_from_slice(", …".as_bytes());
  }
  if end_len > 1 {
    start.extend_from_slice(b", ");
  }
  start.extend_from_slice(&end);
  start
}

#[cfg(test)]
mod tests {
  use super::*;

  /// DevTools' `inferInterfaceDefinitions` as it is written: a candidate name made for every
  /// plain object.
  fn infer_per_object(g: &Graph) -> Vec<InterfaceDef> {
    let prop = g.meta.edge_types.property;
    let mut index: HashMap<Vec<u8>, usize> = HashMap::default();
    let mut cands: Vec<(Vec<Vec<u8>>, Vec<u8>, u64)> = Vec::new();
    let mut total = 0u64;
    for v in 0..g.node_count as u32 {
      if !is_plain_object(g, v) {
        continue;
      }
      total += 1;
      let (mut name, mut name_len, mut props) = (b"{".to_vec(), 1, Vec::new());
      for k in g.edges_of(v).filter(|&k| g.edge_type[k] == prop) {
        let en = g.strings.get(g.edge_name[k] as usize);
        if en == b"__proto__" {
          continue;
        }
        let f = format_property_name(en);
        if name_len > 1 && name_len + utf16_len(&f) > 120 {
          break;
        }
        if name_len != 1 {
          name.extend_from_slice(b", ");
          name_len += 2;
        }
        name_len += utf16_len(&f);
        name.extend_from_slice(&f);
        props.push(en.to_vec());
      }
      if props.is_empty() {
        continue;
      }
      name.push(b'}');
      match index.get(&name) {
        Some(&i) => cands[i].2 += 1,
        None => {
          index.insert(name.clone(), cands.len());
          cands.push((props, name, 1));
        }
      }
    }
    let min = f64::max(2.0, total as f64 / 1000.0);
    let mut order: Vec<usize> = (0..cands.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(cands[i].2));
    order
      .into_iter()
      .take_while(|&i| cands[i].2 as f64 >= min)
      .map(|i| InterfaceDef {
        name: cands[i].1.clone(),
        properties: cands[i].0.clone(),
      })
      .collect()
  }

  /// The definition an object matches, by the rule itself: of the definitions whose property
  /// names it all has (a name twice in a definition, twice), the one with the most, the
  /// earliest of those.
  fn match_by_rule(g: &Graph, defs: &[InterfaceDef], v: u32) -> Option<usize> {
    let prop = g.meta.edge_types.property;
    let have: Vec<&[u8]> = g
      .edges_of(v)
      .filter(|&k| g.edge_type[k] == prop)
      .map(|k| g.strings.get(g.edge_name[k] as usize))
      .collect();
    let mut best: Option<usize> = None;
    for (di, d) in defs.iter().enumerate() {
      let times = |list: &[&[u8]], p: &[u8]| list.iter().filter(|&&q| q == p).count();
      let wanted: Vec<&[u8]> = d.properties.iter().map(|p| p.as_slice()).collect();
      let fits = wanted.iter().all(|p| times(&wanted, p) <= times(&have, p));
      if fits && best.is_none_or(|b| d.properties.len() > defs[b].properties.len()) {
        best = Some(di);
      }
    }
    best
  }

  /// Plain objects (named by either of two strings `Object`) and others, with property edges
  /// drawn from few names (`__proto__`, names that are quoted, long ones that cut a name at 120
  /// units), in random orders: many objects share a shape, several shapes share a name.
  fn random_text(seed: u64, n: usize) -> String {
    let mut next = crate::testing::xorshift(seed);
    let mut below = |k: usize| (next() % k as u64) as usize;
    let names = [
      "", "Object", "Thing", "Object", "a", "b", "c", "__proto__", "x,y", "it's",
      "a_long_property_name_that_takes_up_a_good_part_of_the_limit_00",
      "a_long_property_name_that_takes_up_a_good_part_of_the_limit_01",
      "a_long_property_name_that_takes_up_a_good_part_of_the_limit_02", "d", "e",
    ];
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for i in 0..n {
      let (ty, name) = if i == 0 { (0, 2) } else { [(1, 1), (1, 3), (1, 1), (1, 2), (2, 4)][below(5)] };
      let count = if i == 0 { n - 1 } else { [0, 1, 2, 3, 3, 4, 5, 6][below(8)] };
      for j in 0..count {
        if i == 0 {
          edges.push(format!("1,{},{}", j + 1, (j + 1) * 5));
        } else {
          // mostly property edges, from a few favourite lists so that shapes repeat
          let pick = if below(3) == 0 { 4 + below(names.len() - 4) } else { 4 + (i % 3 + j * 2) % 6 };
          edges.push(format!("{},{pick},{}", [2, 2, 2, 3][below(4)], below(n) * 5));
        }
      }
      nodes.push(format!("{ty},{name},{},8,{count}", 2 * i + 1));
    }
    let meta = r#"{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["synthetic","object","hidden"],"string","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal"],"string_or_number","node"]}"#;
    let strings: Vec<String> = names.iter().map(|s| format!("{s:?}")).collect();
    crate::testing::snapshot_text(meta, &nodes, &edges, &strings)
  }

  #[test]
  fn interfaces_made_once_per_shape_equal_those_made_per_object() {
    let mut matched = 0;
    for seed in 1..=30u64 {
      let n = [40, 400, 3000][seed as usize % 3];
      let text = random_text(seed, n);
      let g = Graph::from_parsed(crate::parse::parse_bytes(text.as_bytes()).unwrap()).unwrap();
      let want = infer_per_object(&g);
      assert_eq!(infer_interfaces(&g), want, "seed {seed}: definitions");
      let mut interner = Interner::new(g.strings.len());
      let mut class = object_classes(&g, &mut interner);
      let defs = infer_and_apply_interfaces(&g, &mut class, &mut AddedStrings::new(), &mut interner);
      assert_eq!(defs, want, "seed {seed}: definitions applied");
      let name_of = |c: u32| match (c as usize).checked_sub(g.strings.len()) {
        Some(i) => interner.pending[i].clone(),
        None => g.strings.get(c as usize).to_vec(),
      };
      // the other snapshot's definitions (a diff) are matched the same way
      let other: Vec<InterfaceDef> = want.iter().rev().cloned().collect();
      let mut by_rule = Vec::new();
      match_interfaces(&g, &other, &mut |v, best| by_rule.push((v, best, match_by_rule(&g, &other, v))));
      for (v, best, rule) in by_rule {
        assert_eq!(best, rule, "seed {seed}: node {v} against the reversed definitions");
      }
      for v in 0..g.node_count as u32 {
        if !is_plain_object(&g, v) {
          continue;
        }
        let expect = match match_by_rule(&g, &want, v) {
          Some(di) => want[di].name.clone(),
          None => g.name_bytes(v).to_vec(),
        };
        matched += (expect.first() == Some(&b'{')) as usize;
        assert_eq!(name_of(class[v as usize]), expect, "seed {seed}: class of node {v}");
      }
    }
    assert!(matched > 1000, "{matched} objects matched a definition");
  }
}
