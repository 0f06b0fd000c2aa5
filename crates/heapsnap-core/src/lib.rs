//! heapsnap-core: parse V8 `.heapsnapshot` files and compute, exactly, what Chrome DevTools'
//! Memory panel shows (classes, distances, dominators, retained sizes, Summary, Statistics,
//! Comparison), plus leak finding on top. No napi here: `cargo test` and `cargo bench` run it
//! without Node; the binding crate at the repository root only converts types.

// Columns are indexed by ordinal in lockstep (type[i], name[i], size[i]); index loops say that
// more plainly than zipped iterators.
#![allow(clippy::needless_range_loop)]

pub mod error;
pub mod fxhash;
pub mod meta;
pub mod parse;

pub use error::{Error, ErrorKind, Result};
pub mod analysis;
pub mod diff;
pub mod graph;
pub mod leaks;
pub mod snapshot;

pub use snapshot::Snapshot;
