//! Prints what heapsnap computes for a snapshot in the shape of `../shared/oracle/run.sh`
//! (totalSize, statistics, summary, nodes), for comparing against DevTools by hand:
//!   cargo run --release --example dump -- FILE > ours.json
use heapsnap_core::Snapshot;
use serde_json::json;

fn main() {
  let path = std::env::args().nth(1).expect("usage: dump FILE");
  let s = match Snapshot::open(std::path::Path::new(&path), None, &|_, _| {}) {
    Ok(s) => s,
    Err(e) => {
      eprintln!("error: {e}");
      std::process::exit(2);
    }
  };
  let st = &s.statistics;
  let summary: Vec<_> = s
    .summary()
    .iter()
    .map(|a| json!({"key": a.public_key, "name": a.class_name, "count": a.count, "self": a.shallow_size, "retained": a.retained_size, "distance": a.distance}))
    .collect();
  let with_nodes = std::env::var("ORACLE_NODES").map(|v| v != "0").unwrap_or(true);
  let nodes: Vec<_> = if with_nodes {
    (0..s.node_count() as u32)
      .map(|v| {
        let name = heapsnap_core::parse::strings::to_string_lossy(&s.display_name_bytes(v));
        let name: String = name
          .encode_utf16()
          .take(200)
          .collect::<Vec<u16>>()
          .pipe(|u| String::from_utf16_lossy(&u));
        json!([
          s.g.id(v),
          s.type_name(v),
          s.class_name(v),
          name,
          s.distance[v as usize],
          s.self_size[v as usize],
          s.retained[v as usize],
          s.g.id(s.dominator[v as usize]),
          s.detachedness[v as usize]
        ])
      })
      .collect()
  } else {
    vec![]
  };
  let out = json!({
    "file": path, "totalSize": s.total_size,
    "statistics": {"total": st.total, "native": {"total": st.native_total, "typedArrays": st.typed_arrays},
      "v8heap": {"total": st.v8heap_total, "code": st.code, "jsArrays": st.js_arrays, "strings": st.strings, "system": st.system}},
    "summary": summary, "nodes": nodes,
    "timings": s.timings.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
  });
  let mut out = out;
  if let Some(base) = std::env::args().nth(2) {
    let b = Snapshot::open(std::path::Path::new(&base), None, &|_, _| {}).expect("base");
    let d: Vec<_> = heapsnap_core::diff::diff(&b, &s)
      .iter()
      .map(|r| json!({"key": r.key, "name": r.class_name, "addedCount": r.added_count, "removedCount": r.removed_count, "countDelta": r.count_delta(), "addedSize": r.added_size, "removedSize": r.removed_size, "sizeDelta": r.size_delta()}))
      .collect();
    out["diff"] = json!(d);
  }
  println!("{out}");
}

trait Pipe: Sized {
  fn pipe<R>(self, f: impl FnOnce(Self) -> R) -> R {
    f(self)
  }
}
impl<T> Pipe for T {}
