//! Errors of the engine. Every parse error says *what* went wrong, *where* (byte offset in the
//! input, when there is one) and *which part of the file* it concerns, so that a user holding a
//! broken multi-gigabyte file knows exactly where to look.
//!
//! The part is a [`Section`], not free text: its [`Display`](fmt::Display) form is always an
//! identifier of the snapshot's JSON structure (`nodes`, `edges.to_node`, `snapshot.node_count`,
//! `top_level`), so programs can match on it, while the message stays prose for people.

use std::fmt;

/// What kind of failure this is; the binding maps each kind to a stable JS `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
  /// The input is not a well-formed heap snapshot (syntax, counts, references).
  Parse,
  /// The caller cancelled the work (AbortSignal).
  Cancelled,
  /// Reading the input failed (file missing, permission, I/O).
  Io,
  /// Memory for the work could not be allocated (an address-space limit, a full machine).
  Memory,
}

/// An array section of a snapshot, in the file's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Array {
  Nodes,
  Edges,
  Strings,
  Locations,
  Samples,
  TraceFunctionInfos,
}

impl Array {
  /// The section's key in the file.
  pub fn key(self) -> &'static str {
    match self {
      Array::Nodes => "nodes",
      Array::Edges => "edges",
      Array::Strings => "strings",
      Array::Locations => "locations",
      Array::Samples => "samples",
      Array::TraceFunctionInfos => "trace_function_infos",
    }
  }
}

impl fmt::Display for Array {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(self.key())
  }
}

/// The part of a snapshot an error concerns. Displayed as an identifier path.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Section {
  /// The top-level JSON object itself: its braces, keys, colons and commas (`top_level`).
  TopLevel,
  /// The `snapshot` header object as a whole (`snapshot`).
  Header,
  /// One field of the header (`snapshot.node_count`, `snapshot.root_index`).
  HeaderField(&'static str),
  /// One field of the header's `meta` (`snapshot.meta.node_fields`).
  Meta(&'static str),
  /// An array section (`nodes`, `edges`, `strings`, …).
  Array(Array),
  /// One column of the records of `nodes` or `edges` (`nodes.type`, `edges.to_node`); the
  /// column name is the one the header's `meta` gives.
  Column(Array, String),
  /// A top-level section by the key the file gives it (`trace_tree`, or a key heapsnap does
  /// not read), for errors in sections that are skipped or appear twice.
  Key(String),
}

impl Section {
  /// The section in words, for messages ("the nodes array").
  pub fn describe(&self) -> String {
    match self {
      Section::TopLevel => "the top-level object".into(),
      Section::Header => "the snapshot header".into(),
      Section::HeaderField(name) => format!("snapshot.{name}"),
      Section::Meta(name) => format!("snapshot.meta.{name}"),
      Section::Array(a) => format!("the {a} array"),
      Section::Column(a, c) => format!("the {c} column of {a}"),
      Section::Key(k) => format!("the \"{k}\" section"),
    }
  }
}

impl fmt::Display for Section {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match self {
      Section::TopLevel => f.write_str("top_level"),
      Section::Header => f.write_str("snapshot"),
      Section::HeaderField(name) => write!(f, "snapshot.{name}"),
      Section::Meta(name) => write!(f, "snapshot.meta.{name}"),
      Section::Array(a) => write!(f, "{a}"),
      Section::Column(a, c) => write!(f, "{a}.{c}"),
      Section::Key(k) => f.write_str(k),
    }
  }
}

impl From<Array> for Section {
  fn from(a: Array) -> Section {
    Section::Array(a)
  }
}

/// An engine error: kind, message, and the place in the input it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
  pub kind: ErrorKind,
  /// The part of the snapshot the error concerns.
  pub field: Option<Section>,
  /// Byte offset in the input, when the error is tied to one.
  pub offset: Option<u64>,
  pub message: String,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
  pub fn parse(field: impl Into<Section>, offset: Option<u64>, message: impl Into<String>) -> Error {
    Error {
      kind: ErrorKind::Parse,
      field: Some(field.into()),
      offset,
      message: message.into(),
    }
  }
  pub fn cancelled() -> Error {
    Error {
      kind: ErrorKind::Cancelled,
      field: None,
      offset: None,
      message: "the operation was aborted".into(),
    }
  }
  pub fn io(message: impl Into<String>) -> Error {
    Error {
      kind: ErrorKind::Io,
      field: None,
      offset: None,
      message: message.into(),
    }
  }
  /// `bytes` could not be allocated for `what` ("the nodes array").
  pub fn memory(bytes: u64, what: impl fmt::Display) -> Error {
    Error {
      kind: ErrorKind::Memory,
      field: None,
      offset: None,
      message: format!(
        "out of memory: cannot allocate {:.1} MiB for {what} (the process's memory or address-space limit is reached)",
        bytes as f64 / 1048576.0
      ),
    }
  }
  /// The field as its identifier (`"edges.to_node"`), when there is one.
  pub fn field_name(&self) -> Option<String> {
    self.field.as_ref().map(Section::to_string)
  }
}

impl fmt::Display for Error {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(&self.message)?;
    match (&self.field, self.offset) {
      (Some(field), Some(off)) => write!(f, " (in {field}, at byte {off})"),
      (Some(field), None) => write!(f, " (in {field})"),
      (None, Some(off)) => write!(f, " (at byte {off})"),
      (None, None) => Ok(()),
    }
  }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
  fn from(e: std::io::Error) -> Error {
    Error::io(e.to_string())
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn sections_display_as_identifiers() {
    let cases = [
      (Section::TopLevel, "top_level"),
      (Section::Header, "snapshot"),
      (Section::HeaderField("node_count"), "snapshot.node_count"),
      (Section::Meta("node_fields"), "snapshot.meta.node_fields"),
      (Section::Array(Array::TraceFunctionInfos), "trace_function_infos"),
      (Section::Column(Array::Edges, "to_node".into()), "edges.to_node"),
      (Section::Key("trace_tree".into()), "trace_tree"),
    ];
    for (s, id) in cases {
      assert_eq!(s.to_string(), id);
    }
  }

  #[test]
  fn display_names_field_and_offset() {
    let e = Error::parse(Array::Nodes, Some(12), "expected an unsigned integer");
    assert_eq!(
      e.to_string(),
      "expected an unsigned integer (in nodes, at byte 12)"
    );
    assert_eq!(e.field_name().as_deref(), Some("nodes"));
  }
}
