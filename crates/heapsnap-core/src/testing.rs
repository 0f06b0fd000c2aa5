//! What the unit tests share.

/// A fixed-seed xorshift64 generator (the same sequence on every run and machine); `seed` must
/// not be 0.
pub(crate) fn xorshift(seed: u64) -> impl FnMut() -> u64 {
  let mut x = seed;
  move || {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
  }
}
