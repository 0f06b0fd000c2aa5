//! The engine's integration tests, one test binary (each binary is a whole-program LTO link in
//! the release profile that `npm test` builds them with, so one link instead of two):
//! `goldens` (odd but valid graphs give exactly DevTools' numbers) and `hostile` (bad input is
//! a clear error, never a panic, a hang or an unbounded allocation).

mod common;
mod goldens;
mod hostile;
