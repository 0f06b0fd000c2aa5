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

/// Graphs up to this many nodes (about a 350 MB file) are analysed for time, bigger ones for
/// memory (the peak-memory target is for files of 1 GB and more): on small graphs the passes
/// that can run beside the dominator pass do, and the dominator pass sorts its predecessor
/// lists in one step each (see `pipeline` and `dominators`).
pub const SMALL_GRAPH_MAX_NODES: usize = 4 << 20;

/// Asks for the cache line holding `p` (a hint: no effect on results, none where unsupported).
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
  #[cfg(target_arch = "x86_64")]
  // SAFETY: a prefetch never faults, whatever the address; it only loads a cache line.
  unsafe {
    std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p as *const i8)
  };
  #[cfg(not(target_arch = "x86_64"))]
  let _ = p;
}

/// `n` zeros whose pages are made resident now, by one write each. A zeroed allocation's pages
/// are mapped on first touch; when that touch is a read (a pass that looks a value up before it
/// writes it, at random), the page mapped is the shared zero page, and the write that follows
/// copies it and flushes the TLB of every core running the process (an interrupt to each).
/// Written first, each page takes one plain fault.
pub(crate) fn written_zeros<T: Copy + Default>(n: usize) -> Vec<T> {
  let mut v = vec![T::default(); n];
  for i in (0..n).step_by((4096 / std::mem::size_of::<T>().max(1)).max(1)) {
    // SAFETY: `i < n`, in bounds; volatile, so the store of the value already there is kept
    unsafe { std::ptr::write_volatile(v.as_mut_ptr().add(i), T::default()) };
  }
  v
}
