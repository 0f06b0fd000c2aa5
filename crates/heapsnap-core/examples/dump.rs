//! Prints what heapsnap computes for a snapshot in the shape of `../shared/oracle/run.sh`
//! (totalSize, statistics, summary, nodes), for comparing against DevTools by hand:
//!   cargo run --release --example dump -- [--mmap] [--trace-memory] FILE [BASE] > ours.json
//! `ORACLE_NODES=0` leaves out the per-node table (as the oracle does); `--mmap` maps the
//! file instead of reading it; `--trace-memory` adds the resident memory after each phase to
//! the timings (`[phase, ms, rss bytes, peak rss bytes]`) and prints it on stderr as it goes.
use heapsnap_core::{Control, OpenOptions, Snapshot};
use serde_json::json;
use std::path::Path;

fn main() {
  let mut options = OpenOptions::default();
  let mut files = Vec::new();
  for a in std::env::args().skip(1) {
    match a.as_str() {
      "--mmap" => options.mmap = true,
      "--trace-memory" => options.trace_memory = true,
      _ if a.starts_with("--") => usage(&format!("unknown flag {a}")),
      _ => files.push(a),
    }
  }
  let (path, base) = match files.as_slice() {
    [p] => (p.clone(), None),
    [p, b] => (p.clone(), Some(b.clone())),
    _ => usage("expected FILE [BASE]"),
  };
  let open = |p: &str| {
    Snapshot::open(Path::new(p), &options, &Control::new()).unwrap_or_else(|e| {
      eprintln!("error: {p}: {e}");
      std::process::exit(2);
    })
  };
  let s = open(&path);
  let st = &s.statistics;
  let summary: Vec<_> = s
    .summary_rows()
    .iter()
    .map(|a| json!({"key": a.public_key, "name": a.class_name, "count": a.count, "self": a.shallow_size, "retained": a.retained_size, "distance": a.distance.get()}))
    .collect();
  let with_nodes = std::env::var("ORACLE_NODES").map(|v| v != "0").unwrap_or(true);
  let nodes: Vec<_> = if with_nodes {
    (0..s.node_count() as u32)
      .map(|v| {
        let name = heapsnap_core::parse::strings::to_string_lossy(&s.display_name_bytes(v));
        let units: Vec<u16> = name.encode_utf16().take(200).collect();
        json!([
          s.g.id(v),
          s.type_name(v),
          s.class_name(v),
          String::from_utf16_lossy(&units),
          s.distance[v as usize].get(),
          s.self_size.get(v),
          s.retained.get(v),
          s.g.id(s.dominator[v as usize]),
          s.detachedness[v as usize]
        ])
      })
      .collect()
  } else {
    vec![]
  };
  let timings: Vec<_> = s
    .timings
    .phases
    .iter()
    .map(|p| match p.memory {
      Some(m) => {
        eprintln!(
          "{}: {:.0} ms, rss {} kB, peak {} kB",
          p.name,
          p.ms,
          m.rss >> 10,
          m.peak_rss >> 10
        );
        json!([p.name, p.ms, m.rss, m.peak_rss])
      }
      None => json!([p.name, p.ms]),
    })
    .collect();
  let mut out = json!({
    "file": path, "totalSize": s.total_size,
    "statistics": {"total": st.total, "native": {"total": st.native_total, "typedArrays": st.typed_arrays},
      "v8heap": {"total": st.v8heap_total, "code": st.code, "jsArrays": st.js_arrays, "strings": st.strings, "system": st.system}},
    "summary": summary, "nodes": nodes,
    "timings": timings,
  });
  if let Some(base) = base {
    let b = open(&base);
    let d: Vec<_> = heapsnap_core::diff::diff(&b, &s)
      .iter()
      .map(|r| json!({"key": r.key, "name": r.class_name, "addedCount": r.added_count, "removedCount": r.removed_count, "countDelta": r.count_delta(), "addedSize": r.added_size, "removedSize": r.removed_size, "sizeDelta": r.size_delta()}))
      .collect();
    out["diff"] = json!(d);
  }
  println!("{out}");
}

fn usage(why: &str) -> ! {
  eprintln!("dump: {why}\nusage: dump [--mmap] [--trace-memory] FILE [BASE]");
  std::process::exit(2);
}
