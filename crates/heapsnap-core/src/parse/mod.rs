//! The streaming `.heapsnapshot` parser.
//!
//! One resumable state machine reads the top-level JSON object from chunks of any size: a
//! `v8.getHeapSnapshot()` stream pushes 64 KiB chunks, `open(path)` pushes 16 MiB reads of the
//! file. The text is never held whole: integer sections go straight into per-field columns
//! (in parallel for big chunks, see [`numbers`]), strings into one arena (see [`strings`]), the
//! small `snapshot` header is captured and read with serde_json, and sections we do not use
//! (`trace_tree`, `scopes`, …) are skipped with an iterative bracket matcher. Keys may come in
//! any order; any JSON whitespace is accepted; every error names the section and byte offset.

pub mod numbers;
pub mod strings;

use crate::error::{Error, Result};
use crate::meta::Meta;
use numbers::{Check, Col, NumArrayState, RecordSink};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use strings::{StrDecoder, StringTable};

const MAX_HEADER: usize = 64 << 20;

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

/// Per-field edge columns; `to_node` is still the file's node index (ordinal × stride).
#[derive(Debug, Default)]
pub struct EdgeColumns {
  pub ty: Vec<u8>,
  pub name_or_index: Vec<u32>,
  pub to_node: Vec<u32>,
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
  /// Bytes of input read.
  pub bytes: u64,
}

fn node_sink(meta: &Meta) -> RecordSink {
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
  let mut s = RecordSink::new("nodes", meta.node_fields.clone(), cols, checks);
  if let Some(n) = meta.node_count {
    s.expect_records(n);
  }
  s
}

fn id_sink(meta: &Meta) -> RecordSink {
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
  RecordSink::new("nodes", meta.node_fields.clone(), cols, checks)
}

fn edge_sink(meta: &Meta) -> RecordSink {
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
  let mut s = RecordSink::new("edges", meta.edge_fields.clone(), cols, checks);
  if let Some(n) = meta.edge_count {
    s.expect_records(n);
  }
  s
}

/// Captures (or just skips) one JSON value of unknown shape, iteratively.
#[derive(Debug)]
struct RawValue {
  keep: Option<Vec<u8>>,
  stack: Vec<u8>,
  started: bool,
  scalar: bool,
  in_str: bool,
  esc: bool,
  field: &'static str,
}

impl RawValue {
  fn new(keep: bool, field: &'static str) -> Self {
    RawValue {
      keep: keep.then(Vec::new),
      stack: Vec::new(),
      started: false,
      scalar: false,
      in_str: false,
      esc: false,
      field,
    }
  }

  /// Returns (consumed, done).
  fn feed(&mut self, buf: &[u8], base: u64) -> Result<(usize, bool)> {
    let mut i = 0;
    let mut done = false;
    while i < buf.len() {
      let b = buf[i];
      if !self.started {
        if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
          i += 1;
          continue;
        }
        self.started = true;
        match b {
          b'{' | b'[' => self.stack.push(b),
          b'"' => self.in_str = true,
          b'}' | b']' | b',' | b':' => {
            return Err(Error::parse(
              self.field,
              Some(base + i as u64),
              format!("expected a value, found '{}'", b as char),
            ))
          }
          _ => self.scalar = true,
        }
        i += 1;
        continue;
      }
      if self.in_str {
        if self.esc {
          self.esc = false;
        } else if b == b'\\' {
          self.esc = true;
        } else if b == b'"' {
          self.in_str = false;
          if self.stack.is_empty() {
            i += 1;
            done = true;
            break;
          }
        }
        i += 1;
        continue;
      }
      if self.scalar {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.') {
          i += 1;
          continue;
        }
        done = true;
        break;
      }
      match b {
        b'"' => self.in_str = true,
        b'{' | b'[' => self.stack.push(b),
        b'}' | b']' => {
          let open = self.stack.pop();
          if open != Some(if b == b'}' { b'{' } else { b'[' }) {
            return Err(Error::parse(
              self.field,
              Some(base + i as u64),
              format!("mismatched '{}'", b as char),
            ));
          }
          if self.stack.is_empty() {
            i += 1;
            done = true;
            break;
          }
        }
        _ => {}
      }
      i += 1;
    }
    if let Some(k) = &mut self.keep {
      k.extend_from_slice(&buf[..i]);
      if k.len() > MAX_HEADER {
        return Err(Error::parse(
          self.field,
          Some(base),
          "the snapshot header is implausibly large",
        ));
      }
    }
    Ok((i, done))
  }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumSection {
  Nodes,
  Edges,
  Locations,
  Samples,
  TraceFunctionInfos,
}

impl NumSection {
  fn name(self) -> &'static str {
    match self {
      NumSection::Nodes => "nodes",
      NumSection::Edges => "edges",
      NumSection::Locations => "locations",
      NumSection::Samples => "samples",
      NumSection::TraceFunctionInfos => "trace_function_infos",
    }
  }
}

#[derive(Debug)]
enum StrState {
  /// After '[' (a string or ']' may follow).
  First,
  /// After ',' (a string must follow).
  Next,
  In(StrDecoder),
  /// After a string (',' or ']').
  After,
}

#[derive(Debug)]
enum State {
  Start,
  /// Expecting a key (or '}' when `first`).
  Key {
    first: bool,
  },
  /// A key being read: decoder, bytes so far, offset of its opening quote.
  InKey(StrDecoder, Vec<u8>, u64),
  Colon(String),
  Value(String),
  /// Expecting the '[' that opens an array section.
  Open(Section),
  Header(RawValue, u64),
  Numbers(NumSection, NumArrayState),
  Strings(StrState),
  Skip(RawValue),
  /// Skipping a flat array of numbers or strings without storing it (ids-only mode).
  FlatSkip(FlatSkip),
  AfterValue,
  Done,
}

#[derive(Debug, Default)]
struct FlatSkip {
  opened: bool,
  in_str: bool,
  esc: bool,
}

impl FlatSkip {
  /// Returns (consumed, done). memchr-driven: an edges array is skipped at memory speed.
  fn feed(&mut self, buf: &[u8], base: u64, field: &'static str) -> Result<(usize, bool)> {
    let mut i = 0;
    while i < buf.len() {
      if !self.opened {
        let b = buf[i];
        i += 1;
        if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
          continue;
        }
        if b != b'[' {
          return Err(Error::parse(
            field,
            Some(base + i as u64 - 1),
            format!("expected '[' to open the {field} array"),
          ));
        }
        self.opened = true;
        continue;
      }
      if self.esc {
        self.esc = false;
        i += 1;
        continue;
      }
      if self.in_str {
        match memchr::memchr2(b'"', b'\\', &buf[i..]) {
          None => return Ok((buf.len(), false)),
          Some(k) => {
            i += k;
            if buf[i] == b'"' {
              self.in_str = false;
            } else {
              self.esc = true;
            }
            i += 1;
          }
        }
        continue;
      }
      match memchr::memchr2(b'"', b']', &buf[i..]) {
        None => return Ok((buf.len(), false)),
        Some(k) => {
          i += k;
          if buf[i] == b']' {
            return Ok((i + 1, true));
          }
          self.in_str = true;
          i += 1;
        }
      }
    }
    Ok((buf.len(), false))
  }
}

#[derive(Debug, Clone, Copy)]
enum Section {
  Num(NumSection),
  Strings,
}

/// A push parser for `.heapsnapshot` text. Feed it chunks with [`push`](Self::push), then call
/// [`finish`](Self::finish).
pub struct StreamParser {
  state: State,
  offset: u64,
  meta: Option<Meta>,
  header_offset: u64,
  nodes: Option<RecordSink>,
  edges: Option<RecordSink>,
  locations: Option<RecordSink>,
  samples: Option<RecordSink>,
  trace_function_infos: Option<RecordSink>,
  strings: Option<StringTable>,
  /// Top-level keys read so far (a set: a hostile file may hold millions of keys).
  seen: std::collections::HashSet<String>,
  cancel: Option<Arc<AtomicBool>>,
  failed: Option<Error>,
  ids_only: bool,
}

impl Default for StreamParser {
  fn default() -> Self {
    Self::new()
  }
}

impl StreamParser {
  pub fn new() -> Self {
    StreamParser {
      state: State::Start,
      offset: 0,
      meta: None,
      header_offset: 0,
      nodes: None,
      edges: None,
      locations: None,
      samples: None,
      trace_function_infos: None,
      strings: None,
      seen: std::collections::HashSet::new(),
      cancel: None,
      failed: None,
      ids_only: false,
    }
  }

  /// A parser that keeps only node ids (for the baseline and target of leak finding): edges
  /// and strings are skipped without being stored.
  pub fn ids_only() -> Self {
    let mut p = StreamParser::new();
    p.ids_only = true;
    p
  }

  /// Makes `push` and `finish` fail with `Cancelled` once `flag` is set.
  pub fn with_cancel(mut self, flag: Arc<AtomicBool>) -> Self {
    self.cancel = Some(flag);
    self
  }

  /// Bytes consumed so far.
  pub fn bytes(&self) -> u64 {
    self.offset
  }

  fn check_cancel(&self) -> Result<()> {
    match &self.cancel {
      Some(c) if c.load(Ordering::Relaxed) => Err(Error::cancelled()),
      _ => Ok(()),
    }
  }

  /// Parses the next chunk. After an error the parser is poisoned and returns it again.
  pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
    if let Some(e) = &self.failed {
      return Err(e.clone());
    }
    self.check_cancel()?;
    let r = self.push_inner(chunk);
    if let Err(e) = &r {
      self.failed = Some(e.clone());
    }
    r
  }

  fn where_am_i(&self) -> String {
    match &self.state {
      State::Start => "the start of the file".into(),
      State::Key { .. } | State::InKey(..) | State::Colon(_) | State::Value(_) | State::AfterValue => {
        "the top-level object".into()
      }
      State::Open(Section::Num(s)) | State::Numbers(s, _) => format!("the {} array", s.name()),
      State::Open(Section::Strings) | State::Strings(_) => "the strings array".into(),
      State::Header(..) => "the snapshot header".into(),
      State::Skip(_) | State::FlatSkip(_) => "a section that is skipped".into(),
      State::Done => "the end".into(),
    }
  }

  fn push_inner(&mut self, buf: &[u8]) -> Result<()> {
    let mut pos = 0usize;
    while pos < buf.len() {
      let base = self.offset + pos as u64;
      let rest = &buf[pos..];
      let state = std::mem::replace(&mut self.state, State::Done);
      let (used, next) = self.step(state, rest, base)?;
      self.state = next;
      pos += used;
    }
    self.offset += buf.len() as u64;
    Ok(())
  }

  fn top_error(&self, off: u64, expected: &str, b: u8) -> Error {
    let found = if (0x20..0x7f).contains(&b) {
      format!("'{}'", b as char)
    } else {
      format!("byte 0x{b:02x}")
    };
    Error::parse(
      "(top level)",
      Some(off),
      format!("expected {expected}, found {found}"),
    )
  }

  /// One step of the state machine on `rest`; returns bytes consumed and the next state.
  fn step(&mut self, state: State, rest: &[u8], base: u64) -> Result<(usize, State)> {
    let ws = |b: u8| matches!(b, b' ' | b'\n' | b'\r' | b'\t');
    let skip_ws = |rest: &[u8]| rest.iter().position(|&b| !ws(b));
    Ok(match state {
      State::Start
      | State::Key { .. }
      | State::Colon(_)
      | State::AfterValue
      | State::Done
      | State::Open(_) => {
        let Some(k) = skip_ws(rest) else {
          return Ok((rest.len(), state));
        };
        let b = rest[k];
        let off = base + k as u64;
        let next = match state {
          State::Start if b == b'{' => State::Key { first: true },
          State::Start => return Err(self.top_error(off, "'{' (a heap snapshot is a JSON object)", b)),
          State::Key { .. } if b == b'"' => State::InKey(StrDecoder::begin(&[]), Vec::new(), off),
          State::Key { first: true } if b == b'}' => State::Done,
          State::Key { .. } => return Err(self.top_error(off, "a section name", b)),
          State::Colon(key) if b == b':' => State::Value(key),
          State::Colon(_) => return Err(self.top_error(off, "':'", b)),
          State::AfterValue if b == b',' => State::Key { first: false },
          State::AfterValue if b == b'}' => State::Done,
          State::AfterValue => return Err(self.top_error(off, "',' or '}'", b)),
          State::Open(sec) if b == b'[' => match sec {
            Section::Num(s) => State::Numbers(s, NumArrayState::default()),
            Section::Strings => {
              self.strings = Some(StringTable::new());
              State::Strings(StrState::First)
            }
          },
          State::Open(sec) => {
            let name = match sec {
              Section::Num(s) => s.name(),
              Section::Strings => "strings",
            };
            return Err(Error::parse(
              name,
              Some(off),
              format!("expected '[' to open the {name} array, found '{}'", b as char),
            ));
          }
          State::Done => return Err(self.top_error(off, "the end of the file", b)),
          _ => unreachable!(),
        };
        (k + 1, next)
      }
      State::InKey(mut d, mut key, at) => {
        let (used, done) = d.feed(rest, base, &mut key, "(top level)")?;
        if !done {
          return Ok((used, State::InKey(d, key, at)));
        }
        let key = String::from_utf8_lossy(&key).into_owned();
        if !self.seen.insert(key.clone()) {
          return Err(Error::parse(
            key.clone(),
            Some(at),
            format!("the section \"{key}\" appears twice"),
          ));
        }
        (used, State::Colon(key))
      }
      State::Value(key) => {
        let next = match key.as_str() {
          "snapshot" => {
            let Some(k) = skip_ws(rest) else {
              return Ok((rest.len(), State::Value(key)));
            };
            self.header_offset = base + k as u64;
            return Ok((k, State::Header(RawValue::new(true, "snapshot"), base + k as u64)));
          }
          "nodes" => State::Open(Section::Num(NumSection::Nodes)),
          "edges" | "locations" | "samples" | "trace_function_infos" | "strings" if self.ids_only => {
            State::FlatSkip(FlatSkip::default())
          }
          "edges" => State::Open(Section::Num(NumSection::Edges)),
          "locations" => State::Open(Section::Num(NumSection::Locations)),
          "samples" => State::Open(Section::Num(NumSection::Samples)),
          "trace_function_infos" => State::Open(Section::Num(NumSection::TraceFunctionInfos)),
          "strings" => State::Open(Section::Strings),
          _ => State::Skip(RawValue::new(false, "(skipped section)")),
        };
        (0, next)
      }
      State::Header(mut raw, start) => {
        let (used, done) = raw.feed(rest, base)?;
        if !done {
          return Ok((used, State::Header(raw, start)));
        }
        let text = raw.keep.take().unwrap_or_default();
        let v: serde_json::Value = serde_json::from_slice(&text).map_err(|e| {
          Error::parse(
            "snapshot",
            Some(start),
            format!("the snapshot header is not valid JSON: {e}"),
          )
        })?;
        let meta = Meta::from_header(&v, start)?;
        self.install_meta(meta)?;
        (used, State::AfterValue)
      }
      State::FlatSkip(mut fs) => {
        let (used, done) = fs.feed(rest, base, "(skipped section)")?;
        (
          used,
          if done {
            State::AfterValue
          } else {
            State::FlatSkip(fs)
          },
        )
      }
      State::Skip(mut raw) => {
        let (used, done) = raw.feed(rest, base)?;
        (used, if done { State::AfterValue } else { State::Skip(raw) })
      }
      State::Numbers(sec, mut st) => {
        let sink = self.sink_for(sec);
        let (used, done) = numbers::feed(&mut st, sink, rest, base)?;
        (
          used,
          if done {
            State::AfterValue
          } else {
            State::Numbers(sec, st)
          },
        )
      }
      State::Strings(ss) => self.step_strings(ss, rest, base)?,
    })
  }

  fn step_strings(&mut self, ss: StrState, rest: &[u8], base: u64) -> Result<(usize, State)> {
    let table = self
      .strings
      .as_mut()
      .expect("strings table exists while parsing strings");
    match ss {
      StrState::In(mut d) => {
        let (used, done) = d.feed(rest, base, &mut table.bytes, "strings")?;
        if done {
          table.end_string();
          Ok((used, State::Strings(StrState::After)))
        } else {
          Ok((used, State::Strings(StrState::In(d))))
        }
      }
      other => {
        let Some(k) = rest
          .iter()
          .position(|&b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
        else {
          return Ok((rest.len(), State::Strings(other)));
        };
        let b = rest[k];
        let off = base + k as u64;
        let next = match (other, b) {
          (StrState::First | StrState::Next, b'"') => {
            State::Strings(StrState::In(StrDecoder::begin(&table.bytes)))
          }
          (StrState::First, b']') | (StrState::After, b']') => State::AfterValue,
          (StrState::After, b',') => State::Strings(StrState::Next),
          (s, _) => {
            let expected = match s {
              StrState::After => "',' or ']'",
              StrState::First => "a string or ']'",
              _ => "a string",
            };
            let found = if (0x20..0x7f).contains(&b) {
              format!("'{}'", b as char)
            } else {
              format!("byte 0x{b:02x}")
            };
            return Err(Error::parse(
              "strings",
              Some(off),
              format!("expected {expected}, found {found}"),
            ));
          }
        };
        Ok((k + 1, next))
      }
    }
  }

  fn sink_for(&mut self, sec: NumSection) -> &mut RecordSink {
    let meta = self.meta.as_ref();
    let ids_only = self.ids_only;
    let slot = match sec {
      NumSection::Nodes => &mut self.nodes,
      NumSection::Edges => &mut self.edges,
      NumSection::Locations => &mut self.locations,
      NumSection::Samples => &mut self.samples,
      NumSection::TraceFunctionInfos => &mut self.trace_function_infos,
    };
    slot.get_or_insert_with(|| match (sec, meta) {
      (NumSection::Nodes, Some(m)) if ids_only => id_sink(m),
      (NumSection::Nodes, Some(m)) => node_sink(m),
      (NumSection::Edges, Some(m)) => edge_sink(m),
      (NumSection::Locations, _) => {
        // V8 writes -1 for an unknown line or column
        let mut s = RecordSink::flat(sec.name());
        s.signed = true;
        s
      }
      _ => RecordSink::flat(sec.name()),
    })
  }

  /// Once the header is known, sections that arrived before it are re-read into columns.
  fn install_meta(&mut self, meta: Meta) -> Result<()> {
    if let Some(flat) = self.nodes.take() {
      let mut s = if self.ids_only {
        id_sink(&meta)
      } else {
        node_sink(&meta)
      };
      replay(flat, &mut s)?;
      self.nodes = Some(s);
    }
    if let Some(flat) = self.edges.take() {
      let mut s = edge_sink(&meta);
      replay(flat, &mut s)?;
      self.edges = Some(s);
    }
    self.meta = Some(meta);
    Ok(())
  }

  /// Checks that the input is complete and has a header and nodes; takes them.
  fn end_input(&mut self) -> Result<(Meta, RecordSink)> {
    if let Some(e) = self.failed.take() {
      return Err(e);
    }
    self.check_cancel()?;
    if !matches!(self.state, State::Done) {
      return Err(Error::parse(
        self.where_am_i(),
        Some(self.offset),
        format!(
          "unexpected end of input in {} (the file is truncated)",
          self.where_am_i()
        ),
      ));
    }
    let meta = self
      .meta
      .take()
      .ok_or_else(|| Error::parse("snapshot", None, "the file has no \"snapshot\" header"))?;
    let nodes = self
      .nodes
      .take()
      .ok_or_else(|| Error::parse("nodes", None, "the file has no \"nodes\" array"))?;
    Ok((meta, nodes))
  }

  /// Ends the input and returns what was read, or why it is not a complete snapshot.
  pub fn finish(mut self) -> Result<Parsed> {
    let (meta, mut nodes) = self.end_input()?;
    let mut edges = self
      .edges
      .take()
      .ok_or_else(|| Error::parse("edges", None, "the file has no \"edges\" array"))?;
    let strings = self
      .strings
      .take()
      .ok_or_else(|| Error::parse("strings", None, "the file has no \"strings\" array"))?;
    let (nf, ef) = (meta.node_stride() as u64, meta.edge_stride() as u64);
    if nodes.values % nf != 0 {
      return Err(Error::parse(
        "nodes",
        None,
        format!(
          "the nodes array holds {} values, not a multiple of the {nf} node fields",
          nodes.values
        ),
      ));
    }
    if edges.values % ef != 0 {
      return Err(Error::parse(
        "edges",
        None,
        format!(
          "the edges array holds {} values, not a multiple of the {ef} edge fields",
          edges.values
        ),
      ));
    }
    let (n, e) = (nodes.values / nf, edges.values / ef);
    if let Some(c) = meta.node_count {
      if c != n {
        return Err(Error::parse(
          "snapshot.node_count",
          Some(self.header_offset),
          format!("the header says node_count {c} but the nodes array holds {n} nodes"),
        ));
      }
    }
    if let Some(c) = meta.edge_count {
      if c != e {
        return Err(Error::parse(
          "snapshot.edge_count",
          Some(self.header_offset),
          format!("the header says edge_count {c} but the edges array holds {e} edges"),
        ));
      }
    }
    let pos = |list: &[String], name: &str| list.iter().position(|f| f == name);
    let nfields = &meta.node_fields;
    let col = |s: &mut RecordSink, name: &str| {
      pos(nfields, name).map(|p| std::mem::replace(&mut s.cols[p], Col::Skip))
    };
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
    let efields = &meta.edge_fields;
    let ecol = |s: &mut RecordSink, name: &str| {
      pos(efields, name).map(|p| std::mem::replace(&mut s.cols[p], Col::Skip))
    };
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
        "edges.to_node",
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
      },
      strings,
      locations: flat(self.locations.take()),
      samples: flat(self.samples.take()),
      trace_function_infos: flat(self.trace_function_infos.take()),
      bytes: self.offset,
      meta,
    })
  }
}

fn replay(mut flat: RecordSink, into: &mut RecordSink) -> Result<()> {
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
      into.extend(&buf).map_err(|(k, msg)| {
        let idx = first + k as u64;
        Error::parse(into.section, None, format!("value #{idx}: {msg}"))
      })?;
      buf.clear();
    }
  }
  Ok(())
}

impl StreamParser {
  /// Ends an ids-only parse: the object ids of every node.
  pub fn finish_ids(mut self) -> Result<Vec<u64>> {
    let (meta, mut nodes) = self.end_input()?;
    let nf = meta.node_stride() as u64;
    if nodes.values % nf != 0 {
      return Err(Error::parse(
        "nodes",
        None,
        format!(
          "the nodes array holds {} values, not a multiple of the {nf} node fields",
          nodes.values
        ),
      ));
    }
    let p = meta.node_fields.iter().position(|f| f == "id").unwrap_or(0);
    let (ids, wide) = nodes.cols[p].take_u32();
    let mut out: Vec<u64> = ids.into_iter().map(|x| x as u64).collect();
    for (k, w) in wide {
      out[k as usize] = w;
    }
    Ok(out)
  }
}

/// Reads only the node ids of a file (fast: edges and strings are skipped unparsed).
pub fn read_ids(path: &std::path::Path, cancel: Option<Arc<AtomicBool>>) -> Result<Vec<u64>> {
  let mut p = StreamParser::ids_only();
  if let Some(c) = cancel {
    p = p.with_cancel(c);
  }
  feed_file(path, &mut p, &|_, _| {})?;
  p.finish_ids()
}

/// Parses a whole in-memory snapshot.
pub fn parse_bytes(text: &[u8]) -> Result<Parsed> {
  let mut p = StreamParser::new();
  p.push(text)?;
  p.finish()
}

/// Parses a file window by window: each 64 MiB window is memory-mapped, parsed and unmapped,
/// so the text is never copied nor held whole (RSS stays proportional to the graph). Falls
/// back to reads where mapping is not possible (pipes, special files).
pub fn parse_file(
  path: &std::path::Path,
  cancel: Option<Arc<AtomicBool>>,
  progress: &dyn Fn(u64, u64),
) -> Result<Parsed> {
  let mut p = StreamParser::new();
  if let Some(c) = cancel {
    p = p.with_cancel(c);
  }
  feed_file(path, &mut p, progress)?;
  p.finish()
}

/// Pushes a whole file into `p`.
pub fn feed_file(path: &std::path::Path, p: &mut StreamParser, progress: &dyn Fn(u64, u64)) -> Result<()> {
  let mut f =
    std::fs::File::open(path).map_err(|e| Error::io(format!("cannot open {}: {e}", path.display())))?;
  let meta = f
    .metadata()
    .map_err(|e| Error::io(format!("cannot read {}: {e}", path.display())))?;
  let total = meta.len();
  // 16 MiB: small enough that cancellation (checked per push) answers within tens of ms.
  const WINDOW: u64 = 16 << 20;
  if meta.is_file() && total > 0 && std::env::var_os("HEAPSNAP_NO_MMAP").is_none() {
    let mut off = 0u64;
    while off < total {
      let len = WINDOW.min(total - off);
      // SAFETY: the mapping is read-only and dropped before the next window; a file truncated
      // meanwhile by another process could fault (SIGBUS) — the same risk every mmap reader takes.
      let map = unsafe { memmap2::MmapOptions::new().offset(off).len(len as usize).map(&f) };
      match map {
        Ok(m) => {
          #[cfg(unix)]
          let _ = m.advise(memmap2::Advice::Sequential);
          p.push(&m)?;
        }
        Err(_) if off == 0 => return read_into(&mut f, p, total, progress),
        Err(e) => return Err(Error::io(format!("cannot map {}: {e}", path.display()))),
      }
      off += len;
      progress(off, total);
    }
    return Ok(());
  }
  read_into(&mut f, p, total, progress)
}

fn read_into(
  f: &mut std::fs::File,
  p: &mut StreamParser,
  total: u64,
  progress: &dyn Fn(u64, u64),
) -> Result<()> {
  use std::io::Read;
  let mut buf = vec![0u8; 16 << 20];
  loop {
    let n = match f.read(&mut buf) {
      Ok(0) => break,
      Ok(n) => n,
      Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
      Err(e) => return Err(Error::io(format!("cannot read the snapshot: {e}"))),
    };
    p.push(&buf[..n])?;
    progress(p.bytes(), total);
  }
  Ok(())
}
