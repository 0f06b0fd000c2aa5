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

#[cfg(all(test, target_os = "linux"))]
mod tests {
  /// Of each page under `v`, from /proc/self/pagemap: (present, mapped by this process alone).
  /// A page still mapped to the shared zero page is present but not exclusive.
  /// `None` where the file cannot be read (a sandbox without /proc).
  fn pages<T>(v: &[T]) -> Option<Vec<(bool, bool)>> {
    use std::io::{Read, Seek, SeekFrom};
    let start = v.as_ptr() as usize / 4096;
    let end = (v.as_ptr() as usize + std::mem::size_of_val(v)).div_ceil(4096);
    let mut f = std::fs::File::open("/proc/self/pagemap").ok()?;
    f.seek(SeekFrom::Start(start as u64 * 8)).unwrap();
    let mut raw = vec![0u8; (end - start) * 8];
    f.read_exact(&mut raw).unwrap();
    let flags = raw
      .chunks_exact(8)
      .map(|c| {
        let e = u64::from_le_bytes(c.try_into().unwrap());
        (e >> 63 & 1 == 1, e >> 56 & 1 == 1)
      })
      .collect();
    Some(flags)
  }

  #[test]
  fn written_zeros_are_zeros_in_pages_of_their_own() {
    for n in [0, 1, 1023, 1024, 1025, 5000] {
      assert!(super::written_zeros::<u32>(n).iter().all(|&x| x == 0));
      assert_eq!(super::written_zeros::<bool>(n).len(), n);
    }
    // 64 MiB: above the allocator's largest mmap threshold, so fresh pages from the system
    let n = 16 << 20;
    let w = super::written_zeros::<u32>(n);
    assert!(w[n - 1] == 0 && w[0] == 0);
    // the whole pages inside the allocation
    let Some(p) = pages(&w[1024..n - 1024]) else {
      eprintln!("/proc/self/pagemap cannot be read here: the pages are not checked");
      return;
    };
    assert!(p.iter().all(|&(present, own)| present && own), "every page written, none left on the zero page");
    // the method tells the difference: a zeroed allocation that is only read maps the zero page
    let z = vec![0u32; n];
    let mut sum = 0u64;
    for i in (0..n).step_by(1024) {
      // SAFETY: in bounds; volatile, so that the reads are made
      sum += unsafe { std::ptr::read_volatile(z.as_ptr().add(i)) } as u64;
    }
    assert_eq!(sum, 0);
    let p = pages(&z[1024..n - 1024]).unwrap();
    assert!(p.iter().filter(|&&(_, own)| own).count() < p.len() / 2, "read-only pages are shared");
  }
}
