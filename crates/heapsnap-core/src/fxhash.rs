//! A small fast hasher (the multiply-rotate scheme of rustc's FxHash) for the engine's internal
//! maps, whose keys are integers and short names we produced ourselves: SipHash's DoS
//! resistance buys nothing there and costs a third of some passes.

use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub struct FxHasher {
  hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
  #[inline]
  fn add(&mut self, w: u64) {
    self.hash = (self.hash.rotate_left(5) ^ w).wrapping_mul(SEED);
  }
}

impl Hasher for FxHasher {
  #[inline]
  fn write(&mut self, bytes: &[u8]) {
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
      self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
      let mut buf = [0u8; 8];
      buf[..rest.len()].copy_from_slice(rest);
      self.add(u64::from_le_bytes(buf));
    }
  }
  #[inline]
  fn write_u8(&mut self, i: u8) {
    self.add(i as u64)
  }
  #[inline]
  fn write_u32(&mut self, i: u32) {
    self.add(i as u64)
  }
  #[inline]
  fn write_u64(&mut self, i: u64) {
    self.add(i)
  }
  #[inline]
  fn write_usize(&mut self, i: usize) {
    self.add(i as u64)
  }
  #[inline]
  fn finish(&self) -> u64 {
    self.hash
  }
}

pub type FxBuild = BuildHasherDefault<FxHasher>;
pub type FxHashMap<K, V> = std::collections::HashMap<K, V, FxBuild>;
pub type FxHashSet<K> = std::collections::HashSet<K, FxBuild>;
