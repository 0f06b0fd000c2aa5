//! Per-node byte sizes, exact at any size in 4 bytes a node.
//!
//! V8 writes sizes as JSON numbers, and a node (a huge ArrayBuffer's backing store, an external
//! string) can exceed 4 GiB. Each size is a `u32`; the rare ones of `u32::MAX` bytes and more hold
//! `u32::MAX` there and their exact value in a side table, so the common case costs one load and
//! one predictable branch, and memory stays 4 bytes a node.

use rustc_hash::FxHashMap as HashMap;

/// In `small`: the exact value is in `big`.
const BIG: u32 = u32::MAX;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sizes {
  small: Vec<u32>,
  big: HashMap<u32, u64>,
}

impl Sizes {
  /// From the parser's column (wrapped to 32 bits) and the exact values of those that did not
  /// fit, as (node, value).
  pub fn from_parts(mut small: Vec<u32>, wide: Vec<(u64, u64)>) -> Sizes {
    let mut big = HashMap::default();
    for (k, x) in wide {
      if let Some(s) = small.get_mut(k as usize) {
        *s = BIG;
        big.insert(k as u32, x);
      }
    }
    // a size of exactly u32::MAX fitted in the column, but is the marker here
    if small.iter().filter(|&&s| s == BIG).count() != big.len() {
      for (k, &s) in small.iter().enumerate() {
        if s == BIG {
          big.entry(k as u32).or_insert(BIG as u64);
        }
      }
    }
    Sizes { small, big }
  }

  /// From a column as [`narrow`](Self::narrow) gives it and the exact values of the wide ones
  /// (the analysis cache).
  pub fn from_map(small: Vec<u32>, big: HashMap<u32, u64>) -> Sizes {
    Sizes::from_parts(small, big.into_iter().map(|(k, x)| (k as u64, x)).collect())
  }

  /// The 32-bit column: `u32::MAX` where the exact value is in [`wide`](Self::wide).
  pub fn narrow(&self) -> &[u32] {
    &self.small
  }

  /// The exact values of the sizes of `u32::MAX` bytes and more, by node.
  pub fn wide(&self) -> &HashMap<u32, u64> {
    &self.big
  }

  /// `n` sizes of 0.
  pub fn zeros(n: usize) -> Sizes {
    Sizes {
      small: vec![0; n],
      big: HashMap::default(),
    }
  }

  /// From exact values (tests and tools).
  pub fn from_u64(v: impl IntoIterator<Item = u64>) -> Sizes {
    let mut s = Sizes::default();
    for x in v {
      s.small.push(0);
      s.set(s.small.len() as u32 - 1, x);
    }
    s
  }

  #[inline]
  pub fn len(&self) -> usize {
    self.small.len()
  }

  #[inline]
  pub fn is_empty(&self) -> bool {
    self.small.is_empty()
  }

  /// The size of node `v`.
  #[inline]
  pub fn get(&self, v: u32) -> u64 {
    match self.small[v as usize] {
      BIG => self.big.get(&v).copied().unwrap_or(BIG as u64),
      s => s as u64,
    }
  }

  #[inline]
  pub fn is_zero(&self, v: u32) -> bool {
    self.small[v as usize] == 0
  }

  pub fn set(&mut self, v: u32, x: u64) {
    if x < BIG as u64 {
      if self.small[v as usize] == BIG {
        self.big.remove(&v);
      }
      self.small[v as usize] = x as u32;
    } else {
      self.small[v as usize] = BIG;
      self.big.insert(v, x);
    }
  }

  /// Every size, in node order.
  pub fn iter(&self) -> impl ExactSizeIterator<Item = u64> + '_ {
    (0..self.small.len() as u32).map(|v| self.get(v))
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn sizes_of_4_gib_and_more_are_exact() {
    let wide = 6_000_000_000u64;
    let mut s = Sizes::from_parts(vec![1, wide as u32, u32::MAX, 0], vec![(1, wide)]);
    assert_eq!(s.iter().collect::<Vec<_>>(), [1, wide, u32::MAX as u64, 0]);
    s.set(0, (1 << 32) + 5);
    s.set(1, 7);
    assert_eq!(
      s.iter().collect::<Vec<_>>(),
      [(1 << 32) + 5, 7, u32::MAX as u64, 0]
    );
    assert!(s.is_zero(3) && !s.is_zero(2));
    let t = Sizes::from_u64([3, 1 << 40]);
    assert_eq!(t.get(1), 1 << 40);
  }

  #[test]
  fn a_snapshot_with_sizes_over_4_gib_adds_up_exactly() {
    // root -> A (6e9) -> B (2^32 + 5); root -> C (10)
    let meta = r#"{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["synthetic","object","native"],"string","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["element","property"],"string_or_number","node"]}"#;
    let text = format!(
      r#"{{"snapshot":{{"meta":{meta},"node_count":4,"edge_count":3}},"nodes":[0,0,1,0,2, 1,1,3,6000000000,1, 1,2,5,4294967301,0, 2,3,7,10,0],"edges":[1,1,5, 1,3,15, 1,2,10],"strings":["","A","B","C"]}}"#
    );
    let s = crate::Snapshot::from_bytes(text.as_bytes()).unwrap();
    let (a, b) = (6_000_000_000u64, (1u64 << 32) + 5);
    assert_eq!(s.self_size.get(1), a);
    assert_eq!(s.self_size.get(2), b);
    assert_eq!(s.g.raw_self(2), b);
    assert_eq!(s.retained.get(1), a + b);
    assert_eq!(s.total_size, a + b + 10);
    assert_eq!(s.statistics.total, a + b + 10);
    assert_eq!(s.statistics.native_total, 10);
  }
}
