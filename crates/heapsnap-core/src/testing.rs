//! What the unit tests share.

/// A fixed-seed xorshift64 generator (the same sequence on every run and machine); `seed` must
/// not be 0.
pub(crate) fn xorshift(seed: u64) -> impl FnMut() -> u64 {
  let mut x = seed;
  move || {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
  }
}

/// The text of a snapshot with `meta`, node records `nodes` and edge records `edges` (each a
/// record's comma-separated values) and the JSON string literals `strings`.
pub(crate) fn snapshot_text(meta: &str, nodes: &[String], edges: &[String], strings: &[String]) -> String {
  format!(
    r#"{{"snapshot":{{"meta":{meta},"node_count":{},"edge_count":{}}},"nodes":[{}],"edges":[{}],"strings":[{}]}}"#,
    nodes.len(),
    edges.len(),
    nodes.join(","),
    edges.join(","),
    strings.join(",")
  )
}
