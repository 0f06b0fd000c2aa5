//! DevTools' analysis passes, one module each, run in DevTools' order by
//! [`crate::snapshot::Snapshot::analyze`].

pub mod classes;
pub mod distances;
pub mod dom;
pub mod dominators;
pub mod dupes;
pub mod flags;
pub mod shallow;
pub mod summary;
pub mod weakmap;
