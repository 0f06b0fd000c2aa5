//! How to open a snapshot file: the caller's choices, passed down explicitly.
//!
//! These were environment variables read deep inside the library (`HEAPSNAP_NO_MMAP`,
//! `HEAPSNAP_DEBUG_MEMORY`); as options they are visible in the API, testable, and set per call
//! by the binding (`HeapSnapshot.open(path, { mmap: true })`) or by a tool's own flags.

/// Options of [`Snapshot::open`](crate::Snapshot::open) and [`parse_file`](crate::parse::parse_file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpenOptions {
  /// Memory-map the file window by window instead of reading it (default `false`). Mapping
  /// saves a copy (a few % of the parse), but a file that another process truncates while a
  /// window is parsed makes the process fault (SIGBUS); reading notices any change of size and
  /// fails with an I/O error instead. Files that cannot be mapped (pipes) are read either way.
  pub mmap: bool,
  /// Record the process's resident memory (and its peak so far) after each analysis phase,
  /// into [`Timings`](crate::analysis::pipeline::Timings). Costs one read of
  /// `/proc/self/status` per phase; on systems without it the figures are absent.
  pub trace_memory: bool,
}
