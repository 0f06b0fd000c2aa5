//! The streaming `.heapsnapshot` parser.
//!
//! One resumable state machine reads the top-level JSON object from chunks of any size: a
//! `v8.getHeapSnapshot()` stream pushes 64 KiB chunks, `open(path)` pushes 4 MiB reads of the
//! file. The text is never held whole: integer sections go straight into per-field columns
//! (in parallel for big chunks, see [`numbers`]), strings into one arena (see [`strings`]), the
//! small `snapshot` header is captured and read with serde_json, and sections we do not use
//! (`trace_tree`, `scopes`, …) are skipped with an iterative bracket matcher. Keys may come in
//! any order; any JSON whitespace is accepted; every error names the section and byte offset.
//!
//! The pieces: [`header`] reads `snapshot.meta`, [`finish`] says which columns to keep and
//! checks the complete input, [`numbers`] and [`strings`] decode the big arrays, [`skip`]
//! passes over what is not read, and [`file`] feeds a file through all of it.

pub mod file;
pub mod finish;
pub mod header;
pub mod numbers;
mod skip;
pub mod strings;
pub mod trace;

pub use file::{feed_file, parse_bytes, parse_file, read_ids};
pub use finish::{Converted, EdgeColumns, NodeColumns, Parsed};
pub use header::Meta;

use crate::error::{Array, Error, Result, Section};
use finish::{edge_sink, id_sink, node_sink, replay};
use numbers::{NumArrayState, RecordSink};
use skip::{FlatSkip, RawValue};
use strings::{StrDecoder, StringTable};

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
  Open(Array),
  Header(RawValue, u64),
  Numbers(Array, NumArrayState),
  Strings(StrState),
  Skip(RawValue),
  /// Skipping a flat array of numbers or strings without storing it (ids-only mode).
  FlatSkip(FlatSkip, Section),
  AfterValue,
  Done,
  /// Ids-only mode, once the `nodes` array has closed after the header: the rest of the input
  /// is not read (see [`StreamParser::ids_done`]).
  IdsDone,
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
  /// The `trace_tree` being read while the skipper walks it (allocation tracking only).
  trace_tree: Option<trace::TraceTreeReader>,
  trace_tree_done: Option<trace::TraceTree>,
  trace_layout: trace::TraceLayout,
  strings: Option<StringTable>,
  /// Top-level keys read so far (a set: a hostile file may hold millions of keys).
  seen: std::collections::HashSet<String>,
  failed: Option<Error>,
  ids_only: bool,
  /// Ids-only mode: the offset just past the `nodes` array, once it closed after the header.
  ids_end: Option<u64>,
  /// The edge columns being converted while the parse goes on, and where they go back.
  edge_prep: Option<(finish::EdgePrep, [usize; 3])>,
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
      trace_tree: None,
      trace_tree_done: None,
      trace_layout: trace::TraceLayout::default(),
      strings: None,
      seen: std::collections::HashSet::new(),
      failed: None,
      ids_only: false,
      ids_end: None,
      edge_prep: None,
    }
  }

  /// A parser that keeps only node ids (for the baseline and target of leak finding): edges
  /// and strings are skipped without being stored.
  pub fn ids_only() -> Self {
    let mut p = StreamParser::new();
    p.ids_only = true;
    p
  }

  /// Ids-only mode: once the `nodes` array has closed after the header, the offset just past it.
  /// The parser then ignores whatever is pushed (the ids are all known), so a reader may stop
  /// reading there; nothing after the `nodes` array is validated by the parser then (see
  /// [`read_ids`] for the cheap checks it makes instead).
  pub fn ids_done(&self) -> Option<u64> {
    self.ids_end
  }

  /// Bytes consumed so far.
  pub fn bytes(&self) -> u64 {
    self.offset
  }

  /// Parses the next chunk. After an error the parser is poisoned and returns it again.
  pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
    if let Some(e) = &self.failed {
      return Err(e.clone());
    }
    let r = self.push_inner(chunk);
    if let Err(e) = &r {
      self.failed = Some(e.clone());
    }
    r
  }

  /// The section the parser is in.
  fn where_am_i(&self) -> Section {
    match &self.state {
      State::Start
      | State::Key { .. }
      | State::InKey(..)
      | State::Colon(_)
      | State::Value(_)
      | State::AfterValue
      | State::Done
      | State::IdsDone => Section::TopLevel,
      State::Open(a) | State::Numbers(a, _) => Section::Array(*a),
      State::Strings(_) => Section::Array(Array::Strings),
      State::Header(..) => Section::Header,
      State::Skip(raw) => raw.section().clone(),
      State::FlatSkip(_, section) => section.clone(),
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
    Error::parse(
      Section::TopLevel,
      Some(off),
      format!("expected {expected}, found {}", found(b)),
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
          State::Open(Array::Strings) if b == b'[' => {
            self.strings = Some(StringTable::new());
            State::Strings(StrState::First)
          }
          State::Open(a) if b == b'[' => State::Numbers(a, NumArrayState::default()),
          State::Open(a) => {
            return Err(Error::parse(
              a,
              Some(off),
              format!("expected '[' to open the {a} array, found '{}'", b as char),
            ));
          }
          State::Done => return Err(self.top_error(off, "the end of the file", b)),
          _ => unreachable!(),
        };
        (k + 1, next)
      }
      State::InKey(mut d, mut key, at) => {
        let (used, done) = d.feed(rest, base, &mut key, &Section::TopLevel)?;
        if !done {
          return Ok((used, State::InKey(d, key, at)));
        }
        let key = String::from_utf8_lossy(&key).into_owned();
        if !self.seen.insert(key.clone()) {
          return Err(Error::parse(
            Section::Key(key.clone()),
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
            return Ok((
              k,
              State::Header(RawValue::new(true, Section::Header), base + k as u64),
            ));
          }
          "nodes" => State::Open(Array::Nodes),
          "edges" | "locations" | "samples" | "trace_function_infos" | "strings" if self.ids_only => {
            State::FlatSkip(FlatSkip::default(), Section::Key(key))
          }
          "edges" => State::Open(Array::Edges),
          "locations" => State::Open(Array::Locations),
          "samples" => State::Open(Array::Samples),
          "trace_function_infos" => State::Open(Array::TraceFunctionInfos),
          "strings" => State::Open(Array::Strings),
          "trace_tree" if !self.ids_only => {
            self.trace_tree = Some(trace::TraceTreeReader::new());
            State::Skip(RawValue::new(false, Section::Key(key)))
          }
          _ => State::Skip(RawValue::new(false, Section::Key(key))),
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
            Section::Header,
            Some(start),
            format!("the snapshot header is not valid JSON: {e}"),
          )
        })?;
        let meta = Meta::from_header(&v, start)?;
        self.trace_layout = trace::TraceLayout::from_header(&v);
        self.install_meta(meta)?;
        (used, State::AfterValue)
      }
      State::FlatSkip(mut fs, section) => {
        let (used, done) = fs.feed(rest, base, &section)?;
        (
          used,
          if done {
            State::AfterValue
          } else {
            State::FlatSkip(fs, section)
          },
        )
      }
      State::Skip(mut raw) => {
        let (used, done) = raw.feed(rest, base)?;
        if let Some(t) = self.trace_tree.as_mut() {
          t.feed(&rest[..used]);
          if done {
            self.trace_tree_done = self.trace_tree.take().and_then(trace::TraceTreeReader::finish);
          }
        }
        (used, if done { State::AfterValue } else { State::Skip(raw) })
      }
      State::IdsDone => (rest.len(), State::IdsDone),
      State::Numbers(sec, mut st) => {
        let sink = self.sink_for(sec);
        let (used, done) = numbers::feed(&mut st, sink, rest, base)?;
        if done && sec == Array::Edges && !self.ids_only {
          self.start_edge_prep();
        }
        if done && sec == Array::Nodes && self.ids_only && self.meta.is_some() {
          // every id is known: the rest of the input is not looked at
          self.ids_end = Some(base + used as u64);
          return Ok((rest.len(), State::IdsDone));
        }
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
        // decoded text is never longer than the JSON text, but for rare invalid bytes
        if table.bytes.capacity() - table.bytes.len() < rest.len() {
          table
            .bytes
            .try_reserve(rest.len())
            .map_err(|_| Error::memory((table.bytes.len() + rest.len()) as u64, "the strings"))?;
        }
        let (used, done) = d.feed(rest, base, &mut table.bytes, &Section::Array(Array::Strings))?;
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
            table
              .offsets
              .try_reserve(1)
              .map_err(|_| Error::memory(8 * table.offsets.len() as u64, "the string offsets"))?;
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
            return Err(Error::parse(
              Array::Strings,
              Some(off),
              format!("expected {expected}, found {}", found(b)),
            ));
          }
        };
        Ok((k + 1, next))
      }
    }
  }

  fn sink_for(&mut self, sec: Array) -> &mut RecordSink {
    let meta = self.meta.as_ref();
    let ids_only = self.ids_only;
    let slot = match sec {
      Array::Nodes => &mut self.nodes,
      Array::Edges => &mut self.edges,
      Array::Locations => &mut self.locations,
      Array::Samples => &mut self.samples,
      // strings have their own state; any other integer array is one of the above
      Array::TraceFunctionInfos | Array::Strings => &mut self.trace_function_infos,
    };
    slot.get_or_insert_with(|| match (sec, meta) {
      (Array::Nodes, Some(m)) if ids_only => id_sink(m),
      (Array::Nodes, Some(m)) => node_sink(m),
      (Array::Edges, Some(m)) => edge_sink(m),
      (Array::Locations, _) => {
        // V8 writes -1 for an unknown line or column
        let mut s = RecordSink::flat(sec);
        s.signed = true;
        s
      }
      _ => RecordSink::flat(sec),
    })
  }

  /// The `edges` array just closed: its columns are converted beside the rest of the parse,
  /// when the header came first and names them (see [`finish::EdgePrep`]).
  fn start_edge_prep(&mut self) {
    let (Some(meta), Some(edges)) = (self.meta.as_ref(), self.edges.as_mut()) else {
      return;
    };
    let at = |name: &str| meta.edge_fields.iter().position(|f| f == name);
    let (Some(t), Some(nm), Some(to)) = (at("type"), at("name_or_index"), at("to_node")) else {
      return;
    };
    if self.edge_prep.is_none() {
      self.edge_prep = finish::EdgePrep::start(edges, [t, nm, to], meta).map(|p| (p, [t, nm, to]));
    }
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
    if !matches!(self.state, State::Done | State::IdsDone) {
      let at = match self.state {
        State::Start => "at the start of the file".to_string(),
        _ => format!("in {}", self.where_am_i().describe()),
      };
      return Err(Error::parse(
        self.where_am_i(),
        Some(self.offset),
        format!("unexpected end of input {at} (the file is truncated)"),
      ));
    }
    let meta = self
      .meta
      .take()
      .ok_or_else(|| Error::parse(Section::Header, None, "the file has no \"snapshot\" header"))?;
    let nodes = self.nodes.take().ok_or_else(|| missing(Array::Nodes))?;
    Ok((meta, nodes))
  }
}

/// A byte as a message shows it: the character when printable, else its value.
fn found(b: u8) -> String {
  if (0x20..0x7f).contains(&b) {
    format!("'{}'", b as char)
  } else {
    format!("byte 0x{b:02x}")
  }
}

/// The error for a section the file lacks.
fn missing(a: Array) -> Error {
  Error::parse(a, None, format!("the file has no \"{a}\" array"))
}
