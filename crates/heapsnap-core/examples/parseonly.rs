//! Times the parser alone (no analysis) on a snapshot file, a few rounds:
//!   cargo run --release --example parseonly -- [--mmap] FILE      (ROUNDS=3 by default)
use heapsnap_core::{Control, OpenOptions};
use std::path::Path;
use std::time::Instant;

fn main() {
  let mut options = OpenOptions::default();
  let mut path = None;
  for a in std::env::args().skip(1) {
    match a.as_str() {
      "--mmap" => options.mmap = true,
      _ => path = Some(a),
    }
  }
  let Some(path) = path else {
    eprintln!("usage: parseonly [--mmap] FILE");
    std::process::exit(2);
  };
  let rounds: usize = std::env::var("ROUNDS")
    .ok()
    .and_then(|r| r.parse().ok())
    .unwrap_or(3);
  for _ in 0..rounds {
    let t = Instant::now();
    let p = match heapsnap_core::parse::parse_file(Path::new(&path), &options, &Control::new()) {
      Ok(p) => p,
      Err(e) => {
        eprintln!("error: {path}: {e}");
        std::process::exit(2);
      }
    };
    println!(
      "parse {:.0} ms, {} nodes, {} strings {} bytes",
      t.elapsed().as_secs_f64() * 1e3,
      p.nodes.ty.len(),
      p.strings.len(),
      p.strings.bytes.len()
    );
  }
}
