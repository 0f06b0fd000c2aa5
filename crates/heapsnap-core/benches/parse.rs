//! `cargo bench -p heapsnap-core` — times each engine phase on a snapshot file:
//!   HEAPSNAP_BENCH_FILE=path cargo bench -p heapsnap-core
//! (defaults to .bench/snapshots/medium.heapsnapshot, which `npm run bench:snapshots` writes).
use heapsnap_core::{Control, OpenOptions, Snapshot};
use std::time::Instant;

fn main() {
  let file = std::env::var("HEAPSNAP_BENCH_FILE")
    .unwrap_or_else(|_| "../../.bench/snapshots/medium.heapsnapshot".into());
  let path = std::path::Path::new(&file);
  let Ok(meta) = std::fs::metadata(path) else {
    eprintln!("no snapshot at {file}: run `npm run bench:snapshots` or set HEAPSNAP_BENCH_FILE");
    return;
  };
  let mb = meta.len() as f64 / 1e6;
  for round in 0..3 {
    let t = Instant::now();
    let s = Snapshot::open(path, &OpenOptions::default(), &Control::new()).expect("parse");
    let open_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let rows = s.summary();
    let summary_ms = t.elapsed().as_secs_f64() * 1000.0;
    let phases: Vec<String> = s
      .timings
      .phases
      .iter()
      .map(|p| format!("{} {:.0}", p.name, p.ms))
      .collect();
    println!(
      "round {round}: {mb:.0} MB, {} nodes, {} edges: open {open_ms:.0} ms ({:.0} MB/s) [{}], summary {summary_ms:.0} ms ({} classes)",
      s.node_count(),
      s.edge_count(),
      mb / open_ms * 1000.0,
      phases.join(", "),
      rows.len()
    );
  }
}
