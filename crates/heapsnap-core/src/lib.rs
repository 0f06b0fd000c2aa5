//! heapsnap-core: parse V8 `.heapsnapshot` files and compute, exactly, what Chrome DevTools'
//! Memory panel shows (classes, distances, dominators, retained sizes, Summary, Statistics,
//! Comparison), plus leak finding on top. No napi here: `cargo test` and `cargo bench` run it
//! without Node; the binding crate at the repository root only converts types.
//!
//! Where things are: [`parse`] reads the text into columns, [`graph`] validates them into a
//! CSR graph, [`analysis`] runs DevTools' passes (in [`analysis::pipeline`]'s order),
//! [`snapshot`] answers queries, [`diff`] compares two snapshots and [`leaks`] finds what a
//! repeated action left behind. [`Control`] carries cancellation and progress, [`OpenOptions`]
//! the caller's choices, [`Error`] what went wrong and where.

// Columns are indexed by ordinal in lockstep (type[i], name[i], size[i]); index loops say that
// more plainly than zipped iterators.
#![allow(clippy::needless_range_loop)]

pub mod analysis;
pub mod cache;
pub mod control;
pub mod diff;
pub mod error;
pub mod graph;
pub mod leaks;
pub mod options;
pub mod parse;
pub mod snapshot;
#[cfg(test)]
mod testing;
pub mod types;
pub mod views;

pub use control::{Control, Phase, Step};
pub use error::{Error, ErrorKind, Result, Section};
pub use options::OpenOptions;
pub use snapshot::Snapshot;
pub use types::{Distance, Reachability};
