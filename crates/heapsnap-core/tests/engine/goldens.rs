//! Odd but valid graphs give exactly Chrome DevTools' numbers.
//!
//! No edges, cycles, self edges, unreachable clusters, weak-only retainers, duplicate ids, the
//! root last, layout variants, small cuts of real snapshots: each must load and give DevTools'
//! totals, statistics, Summary rows and per-node numbers. `corpus/valid/NAME.golden.json` was
//! computed once by DevTools' own code (`corpus/tools/goldens.sh`) and is committed; the
//! streaming parser must agree in awkward chunk sizes.

use crate::common::{corpus, files, streamed};
use heapsnap_core::Snapshot;
use serde_json::Value;
use std::path::Path;

fn check_golden(path: &Path) {
  let name = path.file_name().unwrap().to_string_lossy().into_owned();
  let text = std::fs::read(path).unwrap();
  let golden_path = path.with_extension("golden.json");
  let golden: Value = serde_json::from_slice(&std::fs::read(&golden_path).unwrap()).unwrap();
  let s = Snapshot::from_bytes(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
  let u = |v: &Value| v.as_u64().unwrap();
  let i = |v: &Value| v.as_i64().unwrap();
  assert_eq!(s.total_size, u(&golden["totalSize"]), "{name}: totalSize");
  let st = &golden["statistics"];
  let ours = &s.statistics;
  assert_eq!(
    [
      ours.total,
      ours.native_total,
      ours.typed_arrays,
      ours.v8heap_total,
      ours.code,
      ours.js_arrays,
      ours.strings,
      ours.system
    ],
    [
      u(&st["total"]),
      u(&st["native"]["total"]),
      u(&st["native"]["typedArrays"]),
      u(&st["v8heap"]["total"]),
      u(&st["v8heap"]["code"]),
      u(&st["v8heap"]["jsArrays"]),
      u(&st["v8heap"]["strings"]),
      u(&st["v8heap"]["system"])
    ],
    "{name}: statistics"
  );
  // summary() sums class retained sizes over subtrees on every thread; a filtered summary
  // with an all-accepting filter makes the one DFS: the same rows
  let rows = |v: Vec<heapsnap_core::analysis::summary::ClassAggregate>| {
    v.into_iter()
      .map(|r| (r.public_key, r.retained_size, r.count, r.members))
      .collect::<Vec<_>>()
  };
  assert_eq!(
    rows(s.summary()),
    rows(s.summary_filtered(&|_| true)),
    "{name}: summary, parallel and one DFS"
  );
  // the rows without members start from the figures the analysis made beside the dominator
  // pass: the same rows
  let figures = |v: Vec<heapsnap_core::analysis::summary::ClassAggregate>| {
    v.into_iter()
      .map(|r| (r.public_key, r.class_name, r.count, r.shallow_size, r.retained_size, r.distance))
      .collect::<Vec<_>>()
  };
  assert_eq!(figures(s.summary_rows()), figures(s.summary()), "{name}: summary rows");
  let mut want: Vec<(String, String, u64, u64, u64, i64)> = golden["summary"]
    .as_array()
    .unwrap()
    .iter()
    .map(|r| {
      (
        r["key"].as_str().unwrap().to_string(),
        r["name"].as_str().unwrap().to_string(),
        u(&r["count"]),
        u(&r["self"]),
        u(&r["retained"]),
        i(&r["distance"]),
      )
    })
    .collect();
  let mut got: Vec<_> = s
    .summary()
    .into_iter()
    .map(|r| {
      (
        r.public_key,
        r.class_name,
        r.count,
        r.shallow_size,
        r.retained_size,
        r.distance.get() as i64,
      )
    })
    .collect();
  want.sort();
  got.sort();
  assert_eq!(got, want, "{name}: summary rows");
  let rows = golden["nodes"].as_array().unwrap();
  assert_eq!(rows.len(), s.node_count(), "{name}: node count");
  for (v, row) in rows.iter().enumerate() {
    let o = v as u32;
    let what = format!("{name}: node #{v} @{}", row[0]);
    assert_eq!(s.g.id(o), u(&row[0]), "{what}: id");
    assert_eq!(s.type_name(o), row[1].as_str().unwrap(), "{what}: type");
    assert_eq!(s.class_name(o), row[2].as_str().unwrap(), "{what}: class");
    let shown = String::from_utf8_lossy(&s.display_name_bytes(o)).into_owned();
    let want_name = row[3].as_str().unwrap();
    if !want_name.contains('\u{fffd}') {
      let shown: String = shown
        .encode_utf16()
        .take(200)
        .map(|c| char::from_u32(c as u32).unwrap_or('?'))
        .collect();
      let want_name: String = want_name
        .encode_utf16()
        .map(|c| char::from_u32(c as u32).unwrap_or('?'))
        .collect();
      assert_eq!(shown, want_name, "{what}: display name");
    }
    assert_eq!(s.distance[v].get() as i64, i(&row[4]), "{what}: distance");
    assert_eq!(s.self_size.get(v as u32), u(&row[5]), "{what}: self size");
    assert_eq!(s.retained.get(v as u32), u(&row[6]), "{what}: retained size");
    assert_eq!(s.g.id(s.dominator[v]), u(&row[7]), "{what}: dominator");
    assert_eq!(s.detachedness[v] as u64, u(&row[8]), "{what}: detachedness");
  }
  // and the same through the streaming parser, in awkward chunks
  for chunk in [1, 3, 64] {
    let t = streamed(&text, chunk).unwrap_or_else(|e| panic!("{name} in {chunk}-byte chunks: {e}"));
    assert_eq!(t.retained, s.retained, "{name} in {chunk}-byte chunks");
    assert_eq!(t.distance, s.distance, "{name} in {chunk}-byte chunks");
    assert_eq!(t.dominator, s.dominator, "{name} in {chunk}-byte chunks");
  }
}

macro_rules! golden {
  ($($test:ident: $file:literal,)*) => {$(
    #[test]
    fn $test() {
      check_golden(&corpus().join("valid").join(concat!($file, ".heapsnapshot")));
    }
  )*};
}

golden! {
  golden_root_only: "root-only",
  golden_zero_edges: "zero-edges",
  golden_cycle: "cycle",
  golden_self_edges: "self-edges",
  golden_multi_edges: "multi-edges",
  golden_unreachable_cluster: "unreachable-cluster",
  golden_weak_only: "weak-only",
  golden_duplicate_ids: "duplicate-ids",
  golden_root_last: "root-last",
  golden_tiny_6: "tiny-6",
  golden_layout_compact: "layout-compact",
  golden_layout_rows: "layout-rows",
  golden_layout_oneline: "layout-oneline",
  golden_layout_pretty_odd_order: "layout-pretty-odd-order",
  golden_layout_minimal: "layout-minimal",
  golden_layout_node24: "layout-node24",
  golden_real_node20_cut: "real-node20-cut",
  golden_real_chrome2022_cut: "real-chrome2022-cut",
  golden_real_d8_weakrefs_cut: "real-d8-weakrefs-cut",
}

#[test]
fn every_valid_input_has_a_golden_test() {
  let listed = [
    "root-only",
    "zero-edges",
    "cycle",
    "self-edges",
    "multi-edges",
    "unreachable-cluster",
    "weak-only",
    "duplicate-ids",
    "root-last",
    "tiny-6",
    "layout-compact",
    "layout-rows",
    "layout-oneline",
    "layout-pretty-odd-order",
    "layout-minimal",
    "layout-node24",
    "real-node20-cut",
    "real-chrome2022-cut",
    "real-d8-weakrefs-cut",
  ];
  for p in files("valid", ".heapsnapshot") {
    let stem = p
      .file_name()
      .unwrap()
      .to_string_lossy()
      .replace(".heapsnapshot", "");
    assert!(listed.contains(&stem.as_str()), "{stem} has no golden test");
    assert!(p.with_extension("golden.json").exists(), "{stem} has no golden");
  }
}
