//! Retainers (incoming edges) as CSR, built in parallel without locks and without `unsafe`.
//!
//! Within a node's slice, entries are in descending (source, edge) order, as DevTools fills
//! them from the end. The work is split by *target*: every thread scans all edges in order but
//! counts and fills only the targets of its own range, so the order is the sequential one. A
//! range of targets owns a contiguous range of retainer slots, so the output is split into
//! disjoint `&mut` slices (`split_at_mut`) and each thread writes only its own.

use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// Slice starts (`first[t]..first[t + 1]` are target `t`'s slots) and, with `flags` (one bit
/// per edge), the same bit per slot. The slots' sources are not stored: the dominator pass
/// reads the edges forwards instead, and the rare reader of a slot's source uses [`sources`]
/// or [`edges`].
pub(super) fn build(first_edge: &[u32], edge_to: &[u32], flags: Option<&[u64]>) -> (Vec<u32>, Vec<u64>) {
  let n = first_edge.len() - 1;
  let bounds = partition(n);
  let mut first = vec![0u32; n + 1];
  split_by(&mut first[..n], &bounds)
    .into_par_iter()
    .enumerate()
    .for_each(|(p, counts)| {
      let (lo, hi) = (bounds[p], bounds[p + 1]);
      for &t in edge_to {
        if t >= lo && t < hi {
          counts[(t - lo) as usize] += 1;
        }
      }
    });
  let mut acc = 0u32;
  for f in first.iter_mut() {
    let c = *f;
    *f = acc;
    acc += c;
  }
  let Some(flags) = flags else {
    return (first, Vec::new());
  };
  let e = edge_to.len();
  // Bit words straddle the threads' slot ranges, so they are set atomically.
  let bits: Vec<AtomicU64> = (0..e.div_ceil(64)).map(|_| AtomicU64::new(0)).collect();
  let parts = vec![(); bounds.len() - 1];
  visit(first_edge, edge_to, &first, &bounds, parts, |_, slot, k, _| {
    if flags[k >> 6] & (1 << (k & 63)) != 0 {
      bits[slot >> 6].fetch_or(1 << (slot & 63), Ordering::Relaxed);
    }
  });
  (first, bits.into_iter().map(AtomicU64::into_inner).collect())
}

/// The slice starts of [`build`] without flags, made on the calling thread only (one scan of
/// the edges, where `build` scans them once per thread): for a caller that runs beside another
/// pass.
pub(crate) fn starts_on_one_thread(n: usize, edge_to: &[u32]) -> Vec<u32> {
  let mut first = vec![0u32; n + 1];
  for &t in edge_to {
    first[t as usize] += 1;
  }
  let mut acc = 0u32;
  for f in first.iter_mut() {
    let c = *f;
    *f = acc;
    acc += c;
  }
  first
}

/// The source node of every retainer slot, for slice starts `first` made by [`build`].
pub(super) fn sources(first_edge: &[u32], edge_to: &[u32], first: &[u32]) -> Vec<u32> {
  fill(first_edge, edge_to, first, |_, src| src)
}

/// The edge of every retainer slot, for slice starts `first` made by [`build`].
pub(super) fn edges(first_edge: &[u32], edge_to: &[u32], first: &[u32]) -> Vec<u32> {
  fill(first_edge, edge_to, first, |k, _| k as u32)
}

/// A column with a value per retainer slot: `value(edge, source)` of the slot's edge.
fn fill(first_edge: &[u32], edge_to: &[u32], first: &[u32], value: impl Fn(usize, u32) -> u32 + Sync) -> Vec<u32> {
  let bounds = partition(first_edge.len() - 1);
  let slot_bounds: Vec<u32> = bounds.iter().map(|&b| first[b as usize]).collect();
  let mut out = vec![0u32; edge_to.len()];
  let parts: Vec<(&mut [u32], usize)> = split_by(&mut out, &slot_bounds)
    .into_iter()
    .zip(&slot_bounds)
    .map(|(part, &base)| (part, base as usize))
    .collect();
  visit(first_edge, edge_to, first, &bounds, parts, |(part, base), slot, k, src| {
    part[slot - *base] = value(k, src);
  });
  out
}

/// Target ranges, one per thread (at most 16).
fn partition(n: usize) -> Vec<u32> {
  let parts = rayon::current_num_threads().clamp(1, 16);
  (0..=parts).map(|p| (n * p / parts) as u32).collect()
}

/// Visits every edge in (source, edge) order, in parallel over target ranges, with its
/// retainer slot (slots of one target are filled from the end). `put` gets the thread's own
/// part (`parts[p]` for target range p), the slot, the edge and its source.
fn visit<T, P>(first_edge: &[u32], edge_to: &[u32], first: &[u32], bounds: &[u32], parts: Vec<T>, put: P)
where
  T: Send,
  P: Fn(&mut T, usize, usize, u32) + Sync,
{
  parts.into_par_iter().enumerate().for_each(|(p, mut part)| {
    let (lo, hi) = (bounds[p], bounds[p + 1]);
    // `next[t - lo]` = one past the next free slot of t.
    let mut next: Vec<u32> = first[lo as usize + 1..hi as usize + 1].to_vec();
    for (src, w) in first_edge.windows(2).enumerate() {
      for k in w[0] as usize..w[1] as usize {
        let t = edge_to[k];
        if t < lo || t >= hi {
          continue;
        }
        let f = &mut next[(t - lo) as usize];
        *f -= 1;
        put(&mut part, *f as usize, k, src as u32);
      }
    }
  });
}

/// Splits `v` at the given boundaries (`bounds[0] == 0`, the last one `v.len()`).
fn split_by<'a>(mut v: &'a mut [u32], bounds: &[u32]) -> Vec<&'a mut [u32]> {
  let mut out = Vec::with_capacity(bounds.len() - 1);
  for w in bounds.windows(2) {
    let (a, b) = v.split_at_mut((w[1] - w[0]) as usize);
    out.push(a);
    v = b;
  }
  out
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn matches_a_sequential_build() {
    // 0 -> 1, 0 -> 2, 1 -> 2, 2 -> 0, 2 -> 2, 3 -> 1
    let first_edge = [0, 2, 3, 5, 6];
    let edge_to = [1, 2, 2, 0, 2, 1];
    let flags = [0b101010u64];
    let (first, bits) = build(&first_edge, &edge_to, Some(&flags));
    let sources = super::sources(&first_edge, &edge_to, &first);
    assert_eq!(first, [0, 1, 3, 6, 6]);
    // descending (source, edge) within each target
    assert_eq!(sources, [2, 3, 0, 2, 1, 0]);
    let redges = edges(&first_edge, &edge_to, &first);
    assert_eq!(redges, [3, 5, 0, 4, 2, 1]);
    for (slot, &k) in redges.iter().enumerate() {
      assert_eq!(bits[0] >> slot & 1, flags[0] >> k & 1, "slot {slot}");
    }
  }
}
