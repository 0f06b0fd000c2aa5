//! The columns a parse keeps, and the end of a parse: checks that need the whole input.
//!
//! The header's `meta` says which column of `nodes` and `edges` holds what; [`node_sink`] and
//! friends resolve that by name into [`RecordSink`]s that keep only the columns the engine uses.
//! [`StreamParser::finish`] then checks what only the complete input can tell (record counts
//! against the header, values per record, 32-bit `to_node`) and hands the columns over as
//! [`Parsed`]. Sections that arrived before the header are re-read into columns by [`replay`].

use super::header::Meta;
use super::numbers::{Check, Col, RecordSink};
use super::strings::StringTable;
use super::{missing, StreamParser};
use crate::error::{Array, Error, Result, Section};

/// Per-field node columns, as read (sizes are the file's values).
#[derive(Debug, Default)]
pub struct NodeColumns {
  pub ty: Vec<u8>,
  pub name: Vec<u32>,
  pub id: Vec<u32>,
  /// Ids above 2^32 (non-V8 writers): (ordinal, exact value). `id` holds them wrapped.
  pub id_wide: Vec<(u64, u64)>,
  pub self_size: Vec<u32>,
  /// Self sizes above 2^32 (huge native buffers): (ordinal, exact value).
  pub self_wide: Vec<(u64, u64)>,
  pub edge_count: Vec<u32>,
  pub trace_node_id: Option<Vec<u32>>,
  pub detachedness: Option<Vec<u8>>,
}

/// Per-field edge columns; `to_node` is the file's node index (ordinal × stride), unless
/// `converted` says it was made ordinals beside the rest of the parse.
#[derive(Debug, Default)]
pub struct EdgeColumns {
  pub ty: Vec<u8>,
  pub name_or_index: Vec<u32>,
  pub to_node: Vec<u32>,
  pub converted: Option<Converted>,
}

/// What the edge pass found, made while the parse went on (see [`EdgePrep`]): `to_node` then
/// holds ordinals, `u32::MAX` where a value was not the index of a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
  /// A `to_node` was not the index of a node.
  pub bad_to: bool,
  /// The highest name index of an edge whose name is a string (not element or hidden).
  pub max_named: Option<u32>,
  /// On graphs of up to [`crate::analysis::SMALL_GRAPH_MAX_NODES`] nodes whose `to_node` are
  /// all valid, the retainers' slice starts (`Graph::first_retainer`), counted here too.
  pub retainer_starts: Option<Vec<u32>>,
}

/// The edge columns' conversion, started when the `edges` array closes and joined at the end:
/// the `to_node` values become ordinals, the string names' highest index is found and (small
/// graphs) the retainers' slice starts are counted, on a thread of its own, while the parse
/// reads what follows (the strings: one thread's work for ~20 ms of a 152 MB file, the other
/// core idle), instead of passes of their own once the parse is done. Started only when the
/// header gives the node count (the node index check needs it).
pub(super) struct EdgePrep {
  thread: std::thread::JoinHandle<(EdgeCols, Converted)>,
}

/// The edge columns the conversion reads and writes: type, name, `to_node`.
type EdgeCols = (Vec<u8>, Vec<u32>, Vec<u32>);

/// Edges below this many are converted by the graph's own pass: a thread costs more than it
/// saves there (and the fuzzers, which parse many tiny inputs, ran 100 times slower). The unit
/// tests convert every edges array that holds an edge beside the parse.
const EDGE_PREP_MIN_EDGES: u64 = if cfg!(test) { 1 } else { 1 << 16 };

impl EdgePrep {
  /// Takes the type, name and `to_node` columns of `edges` (at `cols`) and starts converting
  /// them; None (the columns left in place) when that cannot be done or is not worth it.
  pub(super) fn start(edges: &mut RecordSink, cols: [usize; 3], meta: &Meta) -> Option<EdgePrep> {
    if edges.values / (meta.edge_stride().max(1) as u64) < EDGE_PREP_MIN_EDGES {
      return None;
    }
    let n = u32::try_from(meta.node_count?).ok()?;
    let stride = u32::try_from(meta.node_stride()).ok().filter(|&s| s > 0)?;
    let [t, nm, to] = cols;
    let wide_free = |c: &Col| matches!(c, Col::U32(_, w) if w.is_empty());
    if !matches!(edges.cols[t], Col::U8(_)) || !wide_free(&edges.cols[nm]) || !wide_free(&edges.cols[to]) {
      return None;
    }
    let (tx, rx) = std::sync::mpsc::channel::<EdgeCols>();
    let plain = (meta.edge_types.element, meta.edge_types.hidden);
    let thread = std::thread::Builder::new()
      .name("heapsnap-edges".into())
      .spawn(move || {
        let (ty, name, mut to) = rx.recv().unwrap_or_default();
        let mut found = convert(&mut to, &ty, &name, stride, n, plain);
        if !found.bad_to && n as usize <= crate::analysis::SMALL_GRAPH_MAX_NODES {
          found.retainer_starts = Some(crate::graph::retainer_starts_on_one_thread(n as usize, &to));
        }
        ((ty, name, to), found)
      })
      .ok()?;
    let ty = edges.cols[t].take_u8();
    let name = edges.cols[nm].take_u32().0;
    let to = edges.cols[to].take_u32().0;
    // the receiver waits for them: a send fails only if the thread is gone, and then the join
    // below gives nothing back
    let _ = tx.send((ty, name, to));
    Some(EdgePrep { thread })
  }

  /// Puts the converted columns back into `edges` (at `cols`) and says what the conversion
  /// found; an error should the thread have failed (the columns are then lost).
  fn join(self, edges: &mut RecordSink, cols: [usize; 3]) -> Result<Converted> {
    let ((ty, name, to), found) = self
      .thread
      .join()
      .map_err(|_| Error::parse(Array::Edges, None, "the conversion of the edges failed"))?;
    let [t, nm, tn] = cols;
    edges.cols[t] = Col::U8(ty);
    edges.cols[nm] = Col::U32(name, Vec::new());
    edges.cols[tn] = Col::U32(to, Vec::new());
    Ok(found)
  }
}

/// `to` made ordinals (`u32::MAX` where a value is not a multiple of `stride` below
/// `n × stride`), and the highest name index of the edges whose name is a string.
fn convert(to: &mut [u32], ty: &[u8], name: &[u32], stride: u32, n: u32, (el, hi): (u8, u8)) -> Converted {
  let bad_to = crate::graph::to_ordinals(to, stride, n);
  let max_named = ty
    .iter()
    .zip(name)
    .filter(|&(&y, _)| y != el && y != hi)
    .map(|(_, &s)| s)
    .max();
  Converted {
    bad_to,
    max_named,
    retainer_starts: None,
  }
}

/// Everything the parser keeps of a file.
#[derive(Debug)]
pub struct Parsed {
  pub meta: Meta,
  pub nodes: NodeColumns,
  pub edges: EdgeColumns,
  pub strings: StringTable,
  pub locations: Vec<u32>,
  pub samples: Vec<u32>,
  pub trace_function_infos: Vec<u32>,
  /// The allocation trace tree, when the file has one in the expected shape.
  pub trace_tree: Option<super::trace::TraceTree>,
  /// Bytes of input read.
  pub bytes: u64,
}

pub(super) fn node_sink(meta: &Meta) -> RecordSink {
  let ntypes = meta.node_types.names.len() as u64;
  let mut cols = Vec::new();
  let mut checks = Vec::new();
  for f in &meta.node_fields {
    let (c, k) = match f.as_str() {
      "type" => (
        Col::U8(Vec::new()),
        Check::Below {
          len: ntypes,
          what: "node type",
        },
      ),
      "detachedness" => (Col::U8(Vec::new()), Check::None),
      "name" | "id" | "self_size" | "edge_count" | "trace_node_id" => {
        (Col::U32(Vec::new(), Vec::new()), Check::None)
      }
      _ => (Col::Skip, Check::None),
    };
    cols.push(c);
    checks.push(k);
  }
  let mut s = RecordSink::new(Array::Nodes, meta.node_fields.clone(), cols, checks);
  if let Some(n) = meta.node_count {
    s.expect_records(n);
  }
  s
}

pub(super) fn id_sink(meta: &Meta) -> RecordSink {
  let cols = meta
    .node_fields
    .iter()
    .map(|f| {
      if f == "id" {
        Col::U32(Vec::new(), Vec::new())
      } else {
        Col::Skip
      }
    })
    .collect();
  let checks = meta.node_fields.iter().map(|_| Check::None).collect();
  RecordSink::new(Array::Nodes, meta.node_fields.clone(), cols, checks)
}

pub(super) fn edge_sink(meta: &Meta) -> RecordSink {
  let etypes = meta.edge_types.names.len() as u64;
  let stride = meta.node_stride() as u64;
  let limit = meta.node_count.map(|n| n.saturating_mul(stride));
  let mut cols = Vec::new();
  let mut checks = Vec::new();
  for f in &meta.edge_fields {
    let (c, k) = match f.as_str() {
      "type" => (
        Col::U8(Vec::new()),
        Check::Below {
          len: etypes,
          what: "edge type",
        },
      ),
      "name_or_index" => (Col::U32(Vec::new(), Vec::new()), Check::None),
      "to_node" => (
        Col::U32(Vec::new(), Vec::new()),
        Check::NodeIndex { stride, limit },
      ),
      _ => (Col::Skip, Check::None),
    };
    cols.push(c);
    checks.push(k);
  }
  let mut s = RecordSink::new(Array::Edges, meta.edge_fields.clone(), cols, checks);
  if let Some(n) = meta.edge_count {
    s.expect_records(n);
  }
  s
}

impl StreamParser {
  /// Ends the input and returns what was read, or why it is not a complete snapshot.
  pub fn finish(mut self) -> Result<Parsed> {
    let (meta, mut nodes) = self.end_input()?;
    let mut edges = self.edges.take().ok_or_else(|| missing(Array::Edges))?;
    let converted = match self.edge_prep.take() {
      Some((prep, cols)) => Some(prep.join(&mut edges, cols)?),
      None => None,
    };
    let strings = self.strings.take().ok_or_else(|| missing(Array::Strings))?;
    let n = records(&nodes, meta.node_stride())?;
    let e = records(&edges, meta.edge_stride())?;
    check_node_count(&meta, n, self.header_offset)?;
    if let Some(c) = meta.edge_count {
      if c != e {
        return Err(Error::parse(
          Section::HeaderField("edge_count"),
          Some(self.header_offset),
          format!("the header says edge_count {c} but the edges array holds {e} edges"),
        ));
      }
    }
    let col = |s: &mut RecordSink, name: &str| take_column(s, &meta.node_fields, name);
    let ty = col(&mut nodes, "type")
      .map(|mut c| c.take_u8())
      .unwrap_or_default();
    let (name, _) = col(&mut nodes, "name")
      .map(|mut c| c.take_u32())
      .unwrap_or_default();
    let (id, id_wide) = col(&mut nodes, "id")
      .map(|mut c| c.take_u32())
      .unwrap_or_default();
    let (self_size, self_wide) = col(&mut nodes, "self_size")
      .map(|mut c| c.take_u32())
      .unwrap_or_default();
    let (edge_count, _) = col(&mut nodes, "edge_count")
      .map(|mut c| c.take_u32())
      .unwrap_or_default();
    let trace_node_id = col(&mut nodes, "trace_node_id").map(|mut c| c.take_u32().0);
    let detachedness = col(&mut nodes, "detachedness").map(|mut c| c.take_u8());
    let ecol = |s: &mut RecordSink, name: &str| take_column(s, &meta.edge_fields, name);
    let ety = ecol(&mut edges, "type")
      .map(|mut c| c.take_u8())
      .unwrap_or_default();
    let (ename, _) = ecol(&mut edges, "name_or_index")
      .map(|mut c| c.take_u32())
      .unwrap_or_default();
    let (to_node, to_wide) = ecol(&mut edges, "to_node")
      .map(|mut c| c.take_u32())
      .unwrap_or_default();
    if let Some(&(k, v)) = to_wide.first() {
      return Err(Error::parse(
        Section::Column(Array::Edges, "to_node".into()),
        None,
        format!("edge {k}: to_node {v} does not fit in 32 bits"),
      ));
    }
    let flat = |s: Option<RecordSink>| s.map(|mut s| s.cols[0].take_u32().0).unwrap_or_default();
    Ok(Parsed {
      nodes: NodeColumns {
        ty,
        name,
        id,
        id_wide,
        self_size,
        self_wide,
        edge_count,
        trace_node_id,
        detachedness,
      },
      edges: EdgeColumns {
        ty: ety,
        name_or_index: ename,
        to_node,
        converted,
      },
      strings,
      locations: flat(self.locations.take()),
      samples: flat(self.samples.take()),
      trace_function_infos: flat(self.trace_function_infos.take()),
      trace_tree: self.trace_tree_done.take().map(|mut t| {
        t.layout = std::mem::take(&mut self.trace_layout);
        t
      }),
      bytes: self.offset,
      meta,
    })
  }

  /// Ends an ids-only parse: the object ids of every node.
  pub fn finish_ids(mut self) -> Result<Vec<u64>> {
    let (meta, mut nodes) = self.end_input()?;
    let n = records(&nodes, meta.node_stride())?;
    check_node_count(&meta, n, self.header_offset)?;
    let p = meta.node_fields.iter().position(|f| f == "id").unwrap_or(0);
    let (ids, wide) = nodes.cols[p].take_u32();
    let mut out: Vec<u64> = ids.into_iter().map(|x| x as u64).collect();
    for (k, w) in wide {
      out[k as usize] = w;
    }
    Ok(out)
  }
}

/// The header's node count, when it has one, must be the number of records read.
fn check_node_count(meta: &Meta, n: u64, header_offset: u64) -> Result<()> {
  match meta.node_count {
    Some(c) if c != n => Err(Error::parse(
      Section::HeaderField("node_count"),
      Some(header_offset),
      format!("the header says node_count {c} but the nodes array holds {n} nodes"),
    )),
    _ => Ok(()),
  }
}

/// Takes the column called `name` out of a sink whose fields are `fields`.
fn take_column(sink: &mut RecordSink, fields: &[String], name: &str) -> Option<Col> {
  let p = fields.iter().position(|f| f == name)?;
  Some(std::mem::replace(&mut sink.cols[p], Col::Skip))
}

/// Records in a finished section: its values must fill whole records of `stride` fields.
fn records(sink: &RecordSink, stride: usize) -> Result<u64> {
  let stride = stride as u64;
  if !sink.values.is_multiple_of(stride) {
    let what = if sink.section == Array::Nodes {
      "node"
    } else {
      "edge"
    };
    return Err(Error::parse(
      sink.section,
      None,
      format!(
        "the {} array holds {} values, not a multiple of the {stride} {what} fields",
        sink.section, sink.values
      ),
    ));
  }
  Ok(sink.values / stride)
}

/// Re-reads a section kept flat (it came before the header) into its columns.
pub(super) fn replay(mut flat: RecordSink, into: &mut RecordSink) -> Result<()> {
  let (vals, wide) = flat.cols[0].take_u32();
  let mut wide = wide.into_iter().peekable();
  let mut buf = Vec::with_capacity(4096);
  for (i, &v) in vals.iter().enumerate() {
    let exact = match wide.peek() {
      Some(&(k, w)) if k == i as u64 => {
        wide.next();
        w
      }
      _ => v as u64,
    };
    buf.push(exact);
    if buf.len() == 4096 || i + 1 == vals.len() {
      let first = into.values;
      into.reserve_for(first + buf.len() as u64)?;
      into.extend(&buf).map_err(|(k, msg)| {
        let idx = first + k as u64;
        Error::parse(into.section, None, format!("value #{idx}: {msg}"))
      })?;
      buf.clear();
    }
  }
  Ok(())
}
