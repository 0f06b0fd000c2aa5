//! Times findLeaks' parts on three files (baseline, target, final): opening the final one,
//! reading the ids of the other two, and the search (ROUNDS times, 1 by default):
//!   cargo run --release --example leakprof -- BASELINE TARGET FINAL
use heapsnap_core::leaks::{find_leaks, IdSet, LeakOptions};
use heapsnap_core::{Control, OpenOptions, Snapshot};
use std::path::Path;
use std::time::Instant;

fn main() {
  let f: Vec<String> = std::env::args().skip(1).collect();
  if f.len() != 3 {
    eprintln!("usage: leakprof BASELINE TARGET FINAL");
    std::process::exit(2);
  }
  let o = OpenOptions::default();
  let fail = |p: &str, e: heapsnap_core::Error| -> ! {
    eprintln!("error: {p}: {e}");
    std::process::exit(2)
  };
  let ms = |t: Instant| t.elapsed().as_secs_f64() * 1e3;
  let t = Instant::now();
  let s = Snapshot::open(Path::new(&f[2]), &o, &Control::new()).unwrap_or_else(|e| fail(&f[2], e));
  let open_ms = ms(t);
  let t = Instant::now();
  let mut set_ms = 0.0;
  let mut ids = |p: &str| {
    let ids =
      heapsnap_core::parse::read_ids(Path::new(p), &o, &Control::new()).unwrap_or_else(|e| fail(p, e));
    let t = Instant::now();
    let set = IdSet::from_ids(ids);
    set_ms += ms(t);
    set
  };
  let (b, tt) = (ids(&f[0]), ids(&f[1]));
  let ids_ms = ms(t);
  let rounds: usize = std::env::var("ROUNDS")
    .ok()
    .and_then(|r| r.parse().ok())
    .unwrap_or(1);
  let t = Instant::now();
  let mut r = find_leaks(&b, &tt, &s, &LeakOptions::default());
  for _ in 1..rounds {
    r = find_leaks(&b, &tt, &s, &LeakOptions::default());
  }
  let search_ms = ms(t) / rounds as f64;
  println!(
    "open {open_ms:.0} ms, ids {ids_ms:.0} ms (sets {set_ms:.0}), search {search_ms:.0} ms; {} leaks in {} clusters",
    r.totals.top_level, r.totals.clusters
  );
  let phases: Vec<String> = s
    .timings
    .phases
    .iter()
    .map(|p| format!("{} {:.0}", p.name, p.ms))
    .collect();
  println!("open: {}", phases.join(", "));
  if std::env::var("DUMP").is_ok_and(|d| d == "1") {
    // the whole report, to compare two builds' answers
    println!("{r:#?}");
  }
}
