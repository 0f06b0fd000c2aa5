//! Building the graph from the parser's columns, checking every cross reference first.
//!
//! Edge counts must add up to the edges, every `to_node` must be the index of a node, every
//! node name an index into the strings (an edge name outside them becomes `""` with a warning,
//! as DevTools opens such files), and the root the first or the last node: after these checks
//! the passes index the columns without bounds worries. `to_node` becomes an ordinal in place
//! (in parallel), and the checks that scan whole columns run in parallel too.

use super::{Graph, Location};
use crate::error::{Array, Error, Result, Section};
use crate::parse::{Meta, Parsed};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

impl Graph {
  pub fn from_parsed(p: Parsed) -> Result<Graph> {
    let Parsed {
      meta,
      nodes,
      edges,
      mut strings,
      locations,
      samples,
      ..
    } = p;
    let n = nodes.ty.len();
    let e = edges.ty.len();
    if n == 0 {
      return Err(Error::parse(
        Array::Nodes,
        None,
        "the snapshot has no nodes (a snapshot has at least the root)",
      ));
    }
    if n > u32::MAX as usize - 2 || e >= u32::MAX as usize {
      return Err(Error::parse(
        Array::Nodes,
        None,
        format!("{n} nodes / {e} edges exceed what heapsnap indexes (2^32)"),
      ));
    }
    let nf = meta.node_stride() as u64;
    // One parallel pass over the edges: to_node becomes an ordinal in place (invalid values,
    // not a multiple of the stride or not below it, become u32::MAX and are reported below),
    // and the edge names outside the string table are counted. Beside it, on one thread, what
    // is made in node order: the edge ranges (by prefix sum; the sum must be the number of
    // edges) and the locations by node. Errors are reported in that order.
    let mut edge_to = edges.to_node;
    let ns = strings.len() as u64;
    let (el, hi) = (meta.edge_types.element, meta.edge_types.hidden);
    let named = |k: usize| edges.ty[k] != el && edges.ty[k] != hi;
    let mut edge_name = edges.name_or_index;
    let check = EdgeCheck {
      n: n as u32,
      plain: (el, hi),
      strings: ns,
    };
    let mut converted = edges.converted;
    let first_retainer = converted.as_mut().and_then(|c| c.retainer_starts.take()).unwrap_or_default();
    let ((bad_to, bad_edge_names), ((first_edge, acc), locations)) = rayon::join(
      || match &converted {
        // made beside the parse: the names are counted only when one may be outside
        Some(c) => (c.bad_to, match c.max_named {
          Some(m) if m as u64 >= ns => check.names_outside(&edges.ty, &edge_name),
          _ => 0,
        }),
        None => check.run(nf as u32, &mut edge_to, &edges.ty, &edge_name),
      },
      || {
        let mut first_edge = Vec::with_capacity(n + 1);
        let mut acc: u64 = 0;
        for &c in &nodes.edge_count {
          first_edge.push(acc as u32);
          acc += c as u64;
        }
        first_edge.push(e as u32);
        ((first_edge, acc), build_locations(&meta, &locations, nf, n))
      },
    );
    if acc != e as u64 {
      // the sum as far as the first node that takes it past the edges, as it is reported
      let mut upto = 0u64;
      for &c in &nodes.edge_count {
        upto += c as u64;
        if upto > e as u64 {
          break;
        }
      }
      return Err(Error::parse(
        Section::Column(Array::Nodes, "edge_count".into()),
        None,
        format!(
          "the nodes' edge_count values add up to {}{} but the edges array holds {e} edges",
          if upto > e as u64 { "more than " } else { "" },
          upto
        ),
      ));
    }
    if bad_to {
      let k = edge_to
        .par_iter()
        .position_first(|&t| t == u32::MAX)
        .unwrap_or_default();
      return Err(Error::parse(
        Section::Column(Array::Edges, "to_node".into()),
        None,
        format!(
          "edge #{k}: to_node is not the index of a node (a multiple of the stride {nf} below {})",
          n as u64 * nf
        ),
      ));
    }
    // Name indices must be in the string table.
    let outside = |s: u32| s as u64 >= ns;
    let bad_name = nodes
      .name
      .par_chunks(EDGE_CHUNK)
      .any(|c| c.iter().fold(false, |b, &s| b | outside(s)));
    if let Some(k) = nodes.name.iter().position(|&s| bad_name && outside(s)) {
      return Err(Error::parse(
        Section::Column(Array::Nodes, "name".into()),
        None,
        format!(
          "node #{k}: name index {} is outside the {ns} strings",
          nodes.name[k]
        ),
      ));
    }
    // Edge names outside the table: DevTools opens such files (its own comparison test relies
    // on one), so they are accepted with an empty name and a warning, not refused.
    let mut warnings = Vec::new();
    if bad_edge_names > 0 {
      let first = (0..e)
        .find(|&k| named(k) && edge_name[k] as u64 >= ns)
        .unwrap_or_default();
      warnings.push(format!(
        "{bad_edge_names} edge name(s) outside the {ns} strings (first: edge #{first}, name index {}) are shown as empty names",
        edge_name[first]
      ));
      let empty = strings.push(b"");
      edge_name.par_iter_mut().enumerate().for_each(|(k, x)| {
        if named(k) && *x as u64 >= ns {
          *x = empty;
        }
      });
    }
    let root = match meta.root_index {
      None => 0,
      Some(ri) => {
        if ri % nf != 0 || ri / nf >= n as u64 {
          return Err(Error::parse(
            Section::HeaderField("root_index"),
            None,
            format!("root_index {ri} is not a node index"),
          ));
        }
        let r = (ri / nf) as usize;
        if r != 0 && r != n - 1 {
          return Err(Error::parse(
            Section::HeaderField("root_index"),
            None,
            format!("root_index {ri}: the root must be the first or the last node"),
          ));
        }
        r as u32
      }
    };
    let wide = |v: Vec<(u64, u64)>| {
      v.into_iter()
        .map(|(k, x)| (k as u32, x))
        .collect::<HashMap<_, _>>()
    };
    Ok(Graph {
      node_count: n,
      edge_count: e,
      root,
      node_type: nodes.ty,
      node_name: nodes.name,
      node_id: nodes.id,
      id_wide: wide(nodes.id_wide),
      raw_self_size: super::Sizes::from_parts(nodes.self_size, nodes.self_wide),
      trace_node_id: nodes.trace_node_id.filter(|t| t.iter().any(|&x| x != 0)),
      detachedness: nodes.detachedness,
      first_edge,
      edge_type: edges.ty,
      edge_name,
      edge_to,
      first_retainer,
      retainer_edge: std::sync::OnceLock::new(),
      strings,
      locations,
      samples,
      meta,
      warnings,
    })
  }
}

/// What the edge pass checks: node count, the edge types whose name is an index (element,
/// hidden) and the number of strings.
struct EdgeCheck {
  n: u32,
  plain: (u8, u8),
  strings: u64,
}

/// Edges (or nodes) per task of the passes that check a column.
const EDGE_CHUNK: usize = 1 << 16;

impl EdgeCheck {
  /// Converts `to` to ordinals (u32::MAX where invalid) and counts the names outside the
  /// strings: (any invalid to_node, names outside).
  fn run(&self, stride: u32, to: &mut [u32], ty: &[u8], name: &[u32]) -> (bool, usize) {
    let (el, hi) = self.plain;
    // s as u64 >= strings, in 32 bits: with 2^32 strings or more no index is outside
    let (limit, any) = match u32::try_from(self.strings) {
      Ok(l) => (l, true),
      Err(_) => (u32::MAX, false),
    };
    to.par_chunks_mut(EDGE_CHUNK)
      .zip(ty.par_chunks(EDGE_CHUNK))
      .zip(name.par_chunks(EDGE_CHUNK))
      .map(|((to, ty), name)| {
        let bad = to_ordinals(to, stride, self.n);
        let outside: usize = ty
          .iter()
          .zip(name)
          .map(|(&y, &s)| ((y != el) & (y != hi) & (s >= limit) & any) as usize)
          .sum();
        (bad, outside)
      })
      .reduce(|| (false, 0), |a, b| (a.0 || b.0, a.1 + b.1))
  }

  /// The names outside the strings, of the edges whose name is a string.
  fn names_outside(&self, ty: &[u8], name: &[u32]) -> usize {
    let (el, hi) = self.plain;
    ty.par_iter()
      .zip(name)
      .filter(|&(&y, &s)| y != el && y != hi && s as u64 >= self.strings)
      .count()
  }
}

/// Makes the `to_node` values `to` node ordinals in place, on the calling thread: a value that
/// is not a multiple of `stride` below `n × stride` becomes `u32::MAX`; returns whether there
/// was one. The usual strides are divided by a constant (a multiply; no division instruction
/// per edge).
pub(crate) fn to_ordinals(to: &mut [u32], stride: u32, n: u32) -> bool {
  #[inline(always)]
  fn with(to: &mut [u32], stride: u32, n: u32, div: impl Fn(u32) -> u32) -> bool {
    let mut bad = false;
    for t in to.iter_mut() {
      let o = div(*t);
      // o * stride <= t: equal when t is a multiple of the stride
      let ok = (o * stride == *t) & (o < n);
      bad |= !ok;
      *t = if ok { o } else { u32::MAX };
    }
    bad
  }
  match stride {
    6 => with(to, 6, n, |t| t / 6),
    7 => with(to, 7, n, |t| t / 7),
    5 => with(to, 5, n, |t| t / 5),
    8 => with(to, 8, n, |t| t / 8),
    s => with(to, s, n, |t| t / s),
  }
}

fn build_locations(meta: &Meta, flat: &[u32], nf: u64, n: usize) -> HashMap<u32, Location> {
  let lf = &meta.location_fields;
  let pos = |name: &str| lf.iter().position(|f| f == name);
  let (Some(oi), Some(si), Some(li), Some(ci)) =
    (pos("object_index"), pos("script_id"), pos("line"), pos("column"))
  else {
    return HashMap::default();
  };
  let stride = lf.len();
  let mut map = HashMap::with_capacity_and_hasher(flat.len() / stride, Default::default());
  for rec in flat.chunks_exact(stride) {
    let idx = rec[oi] as u64;
    if !idx.is_multiple_of(nf) || idx / nf >= n as u64 {
      continue;
    }
    map.insert(
      (idx / nf) as u32,
      Location {
        script_id: rec[si] as i32,
        line: rec[li] as i32,
        column: rec[ci] as i32,
      },
    );
  }
  map
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::parse::{parse_bytes, StreamParser};

  const META: &str = r#"{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["synthetic","object"],"string","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["element","property","hidden"],"string_or_number","node"]}"#;
  const NODES: &str = "0,0,1,0,2, 1,1,3,10,2, 1,2,5,20,0";
  const EDGES: &str = "0,0,5, 1,1,10, 1,2,10, 2,7,0";

  fn header_first(edges: &str, strings: &str) -> String {
    format!(r#"{{"snapshot":{{"meta":{META},"node_count":3,"edge_count":4}},"nodes":[{NODES}],"edges":[{edges}],"strings":[{strings}]}}"#)
  }

  fn streamed(text: &str, chunk: usize) -> crate::parse::Parsed {
    let mut p = StreamParser::new();
    for c in text.as_bytes().chunks(chunk) {
      p.push(c).unwrap();
    }
    p.finish().unwrap()
  }

  #[test]
  fn edges_converted_beside_the_parse_make_the_same_graph() {
    let text = header_first(EDGES, r#""","a","b""#);
    let whole = parse_bytes(text.as_bytes()).unwrap();
    let c = whole.edges.converted.clone().expect("the header came first: converted beside the parse");
    assert_eq!((c.bad_to, c.max_named), (false, Some(2)));
    // a small graph's retainers are counted there too: nodes 0 and 1 have one, node 2 two
    assert_eq!(c.retainer_starts.as_deref(), Some(&[0, 1, 2, 4][..]));
    assert_eq!(whole.edges.to_node, [1, 2, 2, 0]);
    // in small chunks the same; with the header last, nothing is converted early
    let parts = streamed(&text, 7);
    assert_eq!(parts.edges.to_node, [1, 2, 2, 0]);
    assert_eq!(parts.edges.converted, Some(c));
    let late = format!(r#"{{"nodes":[{NODES}],"edges":[{EDGES}],"strings":["","a","b"],"snapshot":{{"meta":{META},"node_count":3,"edge_count":4}}}}"#);
    let late = parse_bytes(late.as_bytes()).unwrap();
    assert_eq!((&late.edges.converted, &late.edges.to_node[..]), (&None, &[5, 10, 10, 0][..]));
    let a = Graph::from_parsed(whole).unwrap();
    let mut b = Graph::from_parsed(late).unwrap();
    assert_eq!((&a.edge_to, &a.first_edge, a.warnings.len()), (&b.edge_to, &b.first_edge, 0));
    assert_eq!(a.edge_to, [1, 2, 2, 0]);
    assert!(b.first_retainer.is_empty(), "built by the analysis, not the parse");
    b.build_retainers();
    assert_eq!(a.first_retainer, b.first_retainer);
  }

  #[test]
  fn a_header_that_says_more_nodes_than_there_are_is_refused_not_converted_past_them() {
    // node_count 4 lets to_node 15 (node 3) pass the parse's check and the conversion; there
    // are three nodes, so the parse ends with the header's error, and no graph is made
    let text = format!(r#"{{"snapshot":{{"meta":{META},"node_count":4,"edge_count":4}},"nodes":[{NODES}],"edges":[0,0,5, 1,1,10, 1,2,15, 2,7,0],"strings":["","a","b"]}}"#);
    for chunk in [text.len(), 5] {
      let mut p = StreamParser::new();
      let pushed: Result<()> = text.as_bytes().chunks(chunk).try_for_each(|c| p.push(c));
      let err = pushed.and_then(|()| p.finish().map(|_| ())).unwrap_err();
      assert!(err.to_string().contains("node_count 4 but the nodes array holds 3 nodes"), "{err}");
    }
  }

  #[test]
  fn a_converted_edge_name_outside_the_strings_is_still_found() {
    // property edge 2 names string 3, and there are three strings: shown as empty (an added
    // string), with a warning; the hidden edge's index 7 is a number, not a string
    let text = header_first("0,0,5, 1,1,10, 1,3,10, 2,7,0", r#""","a","b""#);
    let parsed = parse_bytes(text.as_bytes()).unwrap();
    assert_eq!(parsed.edges.converted.as_ref().map(|c| c.max_named), Some(Some(3)));
    let g = Graph::from_parsed(parsed).unwrap();
    assert_eq!(g.warnings.len(), 1, "{:?}", g.warnings);
    assert!(g.warnings[0].starts_with("1 edge name(s) outside the 3 strings"), "{}", g.warnings[0]);
    assert_eq!((g.strings.get(g.edge_name[2] as usize), g.edge_name[3]), (&b""[..], 7));
  }
}
