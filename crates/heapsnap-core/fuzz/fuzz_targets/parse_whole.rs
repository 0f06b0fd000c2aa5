//! Whole-input parse + every analysis: any byte string must give `Ok` or `Err`, never a panic,
//! a hang or an absurd allocation (libFuzzer's `-rss_limit_mb` / `-malloc_limit_mb` catch those).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
  if let Ok(s) = heapsnap_core::Snapshot::from_bytes(data) {
    // The queries the binding exposes must hold on whatever graph loaded.
    let _ = s.summary();
    let n = s.node_count().min(64) as u32;
    for v in 0..n {
      let _ = s.display_name_bytes(v);
      let _ = s.class_name(v);
      let _ = s.edges(v);
      let _ = s.retainers(v);
      let _ = s.ordinal_of(s.g.id(v));
    }
  }
});
