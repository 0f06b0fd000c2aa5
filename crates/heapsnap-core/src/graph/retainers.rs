//! Retainers (incoming edges) as CSR, built in parallel without locks and without `unsafe`.
//!
//! Within a node's slice, entries are in descending (source, edge) order, as DevTools fills
//! them from the end. The work is split by *target*: every thread scans all edges in order but
//! counts and fills only the targets of its own range, so the order is the sequential one. A
//! range of targets owns a contiguous range of retainer slots, so the output is split into
//! disjoint `&mut` slices (`split_at_mut`) and each thread writes only its own.

use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// Slice starts (`first[t]..first[t + 1]` are target `t`'s slots), the source node of every
/// slot, and (with `flags`, one bit per edge) the same bit per slot.
pub(super) fn build(
  first_edge: &[u32],
  edge_to: &[u32],
  flags: Option<&[u64]>,
) -> (Vec<u32>, Vec<u32>, Vec<u64>) {
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
  let e = edge_to.len();
  let mut sources = vec![0u32; e];
  // Bit words straddle the threads' slot ranges, so they are set atomically.
  let words = if flags.is_some() { e.div_ceil(64) } else { 0 };
  let bits: Vec<AtomicU64> = (0..words).map(|_| AtomicU64::new(0)).collect();
  fill(
    first_edge,
    edge_to,
    &first,
    &bounds,
    &mut sources,
    |out, local, slot, k, src| {
      out[local] = src;
      if let Some(f) = flags {
        if f[k >> 6] & (1 << (k & 63)) != 0 {
          bits[slot >> 6].fetch_or(1 << (slot & 63), Ordering::Relaxed);
        }
      }
    },
  );
  (
    first,
    sources,
    bits.into_iter().map(AtomicU64::into_inner).collect(),
  )
}

/// The edge of every retainer slot, for slice starts `first` made by [`build`].
pub(super) fn edges(first_edge: &[u32], edge_to: &[u32], first: &[u32]) -> Vec<u32> {
  let bounds = partition(first_edge.len() - 1);
  let mut out = vec![0u32; edge_to.len()];
  fill(
    first_edge,
    edge_to,
    first,
    &bounds,
    &mut out,
    |out, local, _, k, _| {
      out[local] = k as u32;
    },
  );
  out
}

/// Target ranges, one per thread (at most 16).
fn partition(n: usize) -> Vec<u32> {
  let parts = rayon::current_num_threads().clamp(1, 16);
  (0..=parts).map(|p| (n * p / parts) as u32).collect()
}

/// Visits every edge in (source, edge) order, in parallel over target ranges, with its
/// retainer slot (slots of one target are filled from the end). `put` gets the thread's own
/// part of the output, the slot's index in that part, the slot, the edge and its source.
fn fill<P>(first_edge: &[u32], edge_to: &[u32], first: &[u32], bounds: &[u32], out: &mut [u32], put: P)
where
  P: Fn(&mut [u32], usize, usize, usize, u32) + Sync,
{
  let slot_bounds: Vec<u32> = bounds.iter().map(|&b| first[b as usize]).collect();
  split_by(out, &slot_bounds)
    .into_par_iter()
    .enumerate()
    .for_each(|(p, part)| {
      let (lo, hi) = (bounds[p], bounds[p + 1]);
      let base = slot_bounds[p] as usize;
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
          let slot = *f as usize;
          put(part, slot - base, slot, k, src as u32);
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
    let (first, sources, bits) = build(&first_edge, &edge_to, Some(&flags));
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
