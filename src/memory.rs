//! Native memory, as the process sees it: V8 is told how much a snapshot holds (so its GC knows
//! that dropping a `HeapSnapshot` frees far more than the small JS object), and freed pages go
//! back to the OS when a snapshot is disposed or a task fails or is cancelled half-way.

use heapsnap_core::Snapshot;
use napi::bindgen_prelude::Env;

/// Bytes of native memory a parsed snapshot holds, for `napi_adjust_external_memory`.
///
/// An estimate, not an inventory: measured with `HeapSnapshot.open` on realistic Node heaps,
/// each snapshot kept alive raised RSS by 1.5–1.75 × its text size (21 MB of text: +36, +33,
/// +31 MB for three copies). V8 only needs the order of magnitude to schedule its GC.
pub fn external_bytes(s: &Snapshot) -> i64 {
  let bytes = s.input_bytes.saturating_mul(3) / 2;
  i64::try_from(bytes).unwrap_or(i64::MAX)
}

/// Tells V8 that `delta` bytes of native memory were taken (positive) or given back (negative).
/// A failure (the environment is shutting down) is ignored: it is only a hint to the GC.
pub fn report(env: &Env, delta: i64) {
  if delta != 0 {
    let _ = env.adjust_external_memory(delta);
  }
}

/// Hands freed heap pages back to the OS. A snapshot's columns are a few large allocations;
/// glibc keeps freed memory in its (per-thread) arenas, so without this a process that opens
/// and disposes snapshots — or cancels parses half-way — would keep their high-water mark as RSS.
pub fn release_free_memory() {
  #[cfg(all(target_os = "linux", target_env = "gnu"))]
  {
    extern "C" {
      fn malloc_trim(pad: usize) -> i32;
    }
    // SAFETY: malloc_trim only returns free memory to the OS; it is safe to call at any time.
    unsafe {
      malloc_trim(0);
    }
  }
}

/// The bytes of native memory V8 has been told of so far (every live snapshot's share), as V8
/// counts them: for tests and diagnostics (`process.memoryUsage()` does not show this figure).
#[napi_derive::napi]
pub fn external_memory(env: Env) -> napi::Result<i64> {
  env.adjust_external_memory(0)
}
