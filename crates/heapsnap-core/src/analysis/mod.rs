//! DevTools' analysis passes, one module each, run in DevTools' order by
//! [`pipeline`].

pub mod allocations;
pub mod classes;
pub mod distances;
pub mod dom;
pub mod dominators;
pub mod dupes;
pub mod flags;
pub mod locations;
pub mod pipeline;
pub mod shallow;
pub mod summary;
pub mod weakmap;
