//! Errors of the engine. Every parse error says *what* went wrong, *where* (byte offset in the
//! input, when there is one) and *which field or section* it concerns, so that a user holding a
//! broken multi-gigabyte file knows exactly where to look.

use std::fmt;

/// What kind of failure this is; the binding maps each kind to a stable JS `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
  /// The input is not a well-formed heap snapshot (syntax, counts, references).
  Parse,
  /// The caller cancelled the work (AbortSignal).
  Cancelled,
  /// Reading the input failed (file missing, permission, I/O).
  Io,
  /// Building the graph would need more memory than allowed.
  OutOfMemory,
  /// A caller passed an argument that makes no sense (unknown id, bad option).
  InvalidArg,
}

/// An engine error: kind, message, and the place in the input it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
  pub kind: ErrorKind,
  /// The section or field the error concerns (`"nodes"`, `"edges.to_node"`, `"snapshot.meta"`).
  pub field: Option<String>,
  /// Byte offset in the input, when the error is tied to one.
  pub offset: Option<u64>,
  pub message: String,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
  pub fn parse(field: impl Into<String>, offset: Option<u64>, message: impl Into<String>) -> Error {
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
  pub fn invalid_arg(message: impl Into<String>) -> Error {
    Error {
      kind: ErrorKind::InvalidArg,
      field: None,
      offset: None,
      message: message.into(),
    }
  }
  pub fn out_of_memory(message: impl Into<String>) -> Error {
    Error {
      kind: ErrorKind::OutOfMemory,
      field: None,
      offset: None,
      message: message.into(),
    }
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
