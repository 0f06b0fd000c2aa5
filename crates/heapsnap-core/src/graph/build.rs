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
    // Edge ranges by prefix sum; the sum must be the number of edges.
    let mut first_edge = Vec::with_capacity(n + 1);
    let mut acc: u64 = 0;
    for &c in &nodes.edge_count {
      first_edge.push(acc as u32);
      acc += c as u64;
      if acc > e as u64 {
        break;
      }
    }
    if acc != e as u64 {
      return Err(Error::parse(
        Section::Column(Array::Nodes, "edge_count".into()),
        None,
        format!(
          "the nodes' edge_count values add up to {}{} but the edges array holds {e} edges",
          if acc > e as u64 { "more than " } else { "" },
          acc
        ),
      ));
    }
    first_edge.push(e as u32);
    // to_node: multiple of the stride and in range; convert to ordinals in place.
    let mut edge_to = edges.to_node;
    let (nf32, n32) = (nf as u32, n as u32);
    // Convert to ordinals in place; invalid values become u32::MAX and are reported below.
    edge_to.par_iter_mut().for_each(|t| {
      let o = *t / nf32;
      *t = if *t % nf32 != 0 || o >= n32 { u32::MAX } else { o };
    });
    if let Some(k) = edge_to.par_iter().position_first(|&t| t == u32::MAX) {
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
    let ns = strings.len() as u64;
    if let Some(k) = nodes.name.par_iter().position_first(|&s| s as u64 >= ns) {
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
    let (el, hi) = (meta.edge_types.element, meta.edge_types.hidden);
    let named = |k: usize| edges.ty[k] != el && edges.ty[k] != hi;
    let mut edge_name = edges.name_or_index;
    let bad_edge_names = (0..e)
      .into_par_iter()
      .filter(|&k| named(k) && edge_name[k] as u64 >= ns)
      .count();
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
    let locations = build_locations(&meta, &locations, nf, n);
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
      first_retainer: Vec::new(),
      retainer_edge: std::sync::OnceLock::new(),
      strings,
      locations,
      samples,
      meta,
      warnings,
    })
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
  let mut map = HashMap::default();
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
