//! Helpers shared by the integration tests: the corpus on disk and the streaming path.
#![allow(dead_code)] // each test crate uses its own subset

use heapsnap_core::parse::StreamParser;
use heapsnap_core::{Result, Snapshot};
use std::path::{Path, PathBuf};

pub fn corpus() -> PathBuf {
  Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

pub fn read(rel: &str) -> Vec<u8> {
  let p = corpus().join(rel);
  std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Files of `corpus/dir` whose name ends with `ext`, sorted.
pub fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
  let mut v: Vec<PathBuf> = std::fs::read_dir(corpus().join(dir))
    .unwrap()
    .map(|e| e.unwrap().path())
    .filter(|p| p.to_string_lossy().ends_with(ext))
    .collect();
  v.sort();
  v
}

/// Pushes `text` in chunks of `chunk` bytes, then finishes and analyses.
pub fn streamed(text: &[u8], chunk: usize) -> Result<Snapshot> {
  let mut p = StreamParser::new();
  for c in text.chunks(chunk.max(1)) {
    p.push(c)?;
  }
  Snapshot::from_parsed(p.finish()?)
}
