use std::time::Instant;
fn main() {
  let path = std::env::args().nth(1).unwrap();
  let rounds: usize = std::env::var("ROUNDS")
    .ok()
    .and_then(|r| r.parse().ok())
    .unwrap_or(3);
  for _ in 0..rounds {
    let t = Instant::now();
    let p = heapsnap_core::parse::parse_file(
      std::path::Path::new(&path),
      &heapsnap_core::OpenOptions::default(),
      &heapsnap_core::Control::new(),
    )
    .unwrap();
    println!(
      "parse {:.0} ms, {} nodes, {} strings {} bytes",
      t.elapsed().as_secs_f64() * 1e3,
      p.nodes.ty.len(),
      p.strings.len(),
      p.strings.bytes.len()
    );
  }
}
