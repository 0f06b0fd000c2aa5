//! Hostile inputs.
//!
//! * Broken files must give `Err` with kind `Parse`, the section or field at fault (an
//!   identifier such as `edges.to_node`) and, where the fault sits at one place in the text,
//!   its byte offset; never a panic, a hang, a stack overflow or an allocation sized by a
//!   header that lies.
//! * Inputs the fuzzers (`fuzz/`) found are replayed from `corpus/fuzz/`.
//! * Queries stay fast on graphs no engine writes (cyclic cons strings).
//!
//! Odd but *valid* graphs and their DevTools numbers are in `goldens.rs`.

use crate::common::{files, read, streamed};
use heapsnap_core::parse::StreamParser;
use heapsnap_core::{Error, ErrorKind, Snapshot};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

// ---------------------------------------------------------------------------------------------
// The largest single allocation made by the current thread while tracking is on.

struct Tracking;
thread_local! {
  static TRACK: Cell<bool> = const { Cell::new(false) };
}
static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Tracking {
  unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
    note(layout.size());
    System.alloc(layout)
  }
  unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
    note(layout.size());
    System.alloc_zeroed(layout)
  }
  unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
    note(new_size);
    System.realloc(ptr, layout, new_size)
  }
  unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
    System.dealloc(ptr, layout)
  }
}

fn note(size: usize) {
  if TRACK.try_with(|t| t.get()).unwrap_or(false) {
    LARGEST.fetch_max(size, Ordering::Relaxed);
  }
}

#[global_allocator]
static ALLOC: Tracking = Tracking;

/// Runs `f` and returns its result with the largest allocation it made on this thread.
fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
  LARGEST.store(0, Ordering::Relaxed);
  TRACK.with(|t| t.set(true));
  let r = f();
  TRACK.with(|t| t.set(false));
  (r, LARGEST.load(Ordering::Relaxed))
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// The input must fail, as a parse error, the same way whole and byte by byte.
fn parse_err(text: &[u8]) -> Error {
  let e = match Snapshot::from_bytes(text) {
    Ok(_) => panic!("loaded, but must fail: {}", String::from_utf8_lossy(text)),
    Err(e) => e,
  };
  assert_eq!(e.kind, ErrorKind::Parse, "{e}");
  for chunk in [1, 7] {
    let s = streamed(text, chunk).err().expect("the stream must fail too");
    assert_eq!(
      (&s.field, s.offset, &s.message),
      (&e.field, e.offset, &e.message),
      "chunk {chunk}"
    );
  }
  e
}

#[track_caller]
fn expect(text: &str, field: &str, offset: Option<u64>, words: &str) -> Error {
  let e = parse_err(text.as_bytes());
  assert_eq!(e.field_name().as_deref(), Some(field), "field of: {e}");
  if offset.is_some() {
    assert_eq!(e.offset, offset, "offset of: {e}");
  }
  assert!(
    e.message.contains(words),
    "message '{}' lacks '{words}'",
    e.message
  );
  e
}

/// Byte offset of the `nth` (0-based) occurrence of `needle` in `text`.
fn at(text: &str, needle: &str, nth: usize) -> Option<u64> {
  let mut from = 0;
  for _ in 0..nth {
    from += text[from..].find(needle).unwrap() + needle.len();
  }
  Some((from + text[from..].find(needle).unwrap()) as u64)
}

const META: &str = r#"{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["synthetic","object","array"],"string","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["element","property","weak","hidden"],"string_or_number","node"]}"#;

/// A tiny snapshot from its parts (stride 5; node types synthetic/object/array; edge types
/// element/property/weak/hidden; strings "<dummy>","","A","x").
fn doc(header_extra: &str, nodes: &str, edges: &str) -> String {
  format!(
    r#"{{"snapshot":{{"meta":{META}{header_extra}}},"nodes":[{nodes}],"edges":[{edges}],"strings":["<dummy>","","A","x"]}}"#
  )
}

/// Root -element 0-> A -property x-> A' (valid).
const NODES: &str = "0,1,1,0,1, 1,2,3,10,1, 1,2,5,20,0";
const EDGES: &str = "0,0,5, 1,3,10";
const COUNTS: &str = r#","node_count":3,"edge_count":2"#;

#[test]
fn the_template_is_valid() {
  let s = Snapshot::from_bytes(doc(COUNTS, NODES, EDGES).as_bytes()).unwrap();
  assert_eq!(s.total_size, 30);
}

// ---------------------------------------------------------------------------------------------
// Truncation: every prefix of a valid file is a parse error at its end.

#[test]
fn every_prefix_is_a_truncation_error() {
  for name in [
    "tiny-6",
    "layout-rows",
    "layout-pretty-odd-order",
    "layout-minimal",
    "layout-node24",
  ] {
    let text = read(&format!("valid/{name}.heapsnapshot"));
    assert!(Snapshot::from_bytes(&text).is_ok(), "{name} must load whole");
    for cut in 0..text.len() {
      let e = match Snapshot::from_bytes(&text[..cut]) {
        Ok(_) => panic!("{name} cut at {cut} loaded"),
        Err(e) => e,
      };
      assert_eq!(e.kind, ErrorKind::Parse, "{name} cut at {cut}: {e}");
      assert_eq!(e.offset, Some(cut as u64), "{name} cut at {cut}: {e}");
      assert!(e.message.contains("truncated"), "{name} cut at {cut}: {e}");
      assert!(e.field.is_some(), "{name} cut at {cut}: {e}");
    }
  }
}

#[test]
fn truncation_names_the_section() {
  let text = doc(COUNTS, NODES, EDGES);
  for (after, field) in [
    ("{", "top_level"),
    (r#""meta":{"node"#, "snapshot"),
    (r#""nodes":[0,1"#, "nodes"),
    (r#""edges":[0,0,"#, "edges"),
    (r#""strings":["<du"#, "strings"),
  ] {
    let cut = text.find(after).unwrap() + after.len();
    let e = parse_err(&text.as_bytes()[..cut]);
    assert_eq!(e.field_name().as_deref(), Some(field), "{e}");
    assert_eq!(e.offset, Some(cut as u64));
  }
  expect("", "top_level", Some(0), "truncated");
}

// ---------------------------------------------------------------------------------------------
// Counts that disagree.

#[test]
fn counts_that_disagree() {
  expect(
    &doc(r#","node_count":4,"edge_count":2"#, NODES, EDGES),
    "snapshot.node_count",
    Some(12),
    "node_count 4 but the nodes array holds 3",
  );
  expect(
    &doc(r#","node_count":3,"edge_count":1"#, NODES, EDGES),
    "snapshot.edge_count",
    Some(12),
    "edge_count 1 but the edges array holds 2",
  );
  // Σ edge_count (1 + 2 + 0) ≠ 2 edges
  expect(
    &doc(COUNTS, "0,1,1,0,1, 1,2,3,10,2, 1,2,5,20,0", EDGES),
    "nodes.edge_count",
    None,
    "add up to more than 3 but the edges array holds 2",
  );
  expect(
    &doc("", "0,1,1,0,1, 1,2,3,10,1, 1,2,5,20,0", "0,0,5, 1,3,10, 0,0,5"),
    "nodes.edge_count",
    None,
    "add up to 2",
  );
  expect(
    &doc("", "0,1,1,0,1, 1,2,3,10,1, 1,2,5,20", EDGES),
    "nodes",
    None,
    "not a multiple of the 5 node fields",
  );
  expect(
    &doc("", NODES, "0,0,5, 1,3"),
    "edges",
    None,
    "not a multiple of the 3 edge fields",
  );
  expect(&doc("", "", ""), "nodes", None, "no nodes");
}

#[test]
fn header_counts_that_lie_allocate_nothing() {
  // 2^40 nodes and edges announced in a file of a few hundred bytes; and u64::MAX.
  for n in [1u64 << 40, 1 << 28, u64::MAX] {
    let header = format!(r#","node_count":{n},"edge_count":{n}"#);
    let text = doc(&header, NODES, EDGES);
    assert!(text.len() < 1024);
    let (r, largest) = largest_allocation(|| Snapshot::from_bytes(text.as_bytes()));
    let e = r.err().expect("a lying header must fail");
    assert_eq!(e.kind, ErrorKind::Parse);
    assert_eq!(e.field_name().as_deref(), Some("snapshot.node_count"), "{e}");
    assert!(
      largest < 1 << 20,
      "a {}-byte file made a {largest}-byte allocation",
      text.len()
    );
    let ((), largest) = largest_allocation(|| {
      let mut p = StreamParser::new();
      for c in text.as_bytes().chunks(16) {
        p.push(c).unwrap();
      }
      assert!(p.finish().is_err());
    });
    assert!(largest < 1 << 20, "streamed: a {largest}-byte allocation");
  }
}

#[test]
fn a_truthful_header_still_sizes_the_columns_once() {
  // 200k nodes: the columns grow with the input and stop at the announced size.
  let n = 200_000;
  let mut nodes = String::from("0,1,1,0,0");
  for i in 1..n {
    nodes.push_str(&format!(",1,2,{},8,0", 2 * i + 1));
  }
  let text = doc(&format!(r#","node_count":{n},"edge_count":0"#), &nodes, "");
  let p = heapsnap_core::parse::parse_bytes(text.as_bytes()).unwrap();
  assert_eq!(p.nodes.id.len(), n);
  assert_eq!(p.nodes.id.capacity(), n, "no slack past the announced count");
}

// ---------------------------------------------------------------------------------------------
// References out of range.

#[test]
fn to_node_out_of_range_or_off_stride() {
  // With node_count known, the value is checked where it is read (offset of the value).
  let text = doc(COUNTS, NODES, "0,0,5, 1,3,15");
  expect(
    &text,
    "edges.to_node",
    at(&text, "15]", 0),
    "points past the last node",
  );
  let text = doc(COUNTS, NODES, "0,0,5, 1,3,11");
  expect(
    &text,
    "edges.to_node",
    at(&text, "11]", 0),
    "not a multiple of the node stride 5",
  );
  // Without counts, the graph check catches it (no single offset).
  expect(&doc("", NODES, "0,0,5, 1,3,15"), "edges.to_node", None, "edge #1");
  expect(
    &doc("", NODES, "0,0,5, 1,3,4294967300"),
    "edges.to_node",
    None,
    "does not fit in 32 bits",
  );
}

#[test]
fn names_out_of_the_string_table() {
  expect(
    &doc(COUNTS, "0,1,1,0,1, 1,4,3,10,1, 1,2,5,20,0", EDGES),
    "nodes.name",
    None,
    "node #1: name index 4",
  );
  // an edge name outside the table is accepted, as DevTools accepts it: empty, with a warning
  let s = Snapshot::from_bytes(doc(COUNTS, NODES, "0,0,5, 1,9,10").as_bytes()).unwrap();
  assert_eq!(s.total_size, 30);
  let names: Vec<String> = s.edges(1).into_iter().map(|e| e.name).collect();
  assert_eq!(names, [""]);
  assert_eq!(s.warnings().len(), 1, "{:?}", s.warnings());
  assert!(
    s.warnings()[0].contains("edge #1, name index 9"),
    "{:?}",
    s.warnings()
  );
  assert!(Snapshot::from_bytes(doc(COUNTS, NODES, EDGES).as_bytes())
    .unwrap()
    .warnings()
    .is_empty());
  // element/hidden edges carry indices, not names: any value is fine
  assert!(Snapshot::from_bytes(doc(COUNTS, NODES, "0,4000000000,5, 3,3,10").as_bytes()).is_ok());
  // type numbers beyond the meta's lists
  let text = doc(COUNTS, "0,1,1,0,1, 3,2,3,10,1, 1,2,5,20,0", EDGES);
  expect(
    &text,
    "nodes.type",
    at(&text, "3,2,3", 0),
    "node type 3 is out of range",
  );
  let text = doc(COUNTS, NODES, "0,0,5, 4,3,10");
  expect(
    &text,
    "edges.type",
    at(&text, "4,3,10", 0),
    "edge type 4 is out of range",
  );
}

#[test]
fn root_index_must_be_first_or_last() {
  expect(
    &doc(r#","root_index":5"#, NODES, EDGES),
    "snapshot.root_index",
    None,
    "the first or the last node",
  );
  expect(
    &doc(r#","root_index":7"#, NODES, EDGES),
    "snapshot.root_index",
    None,
    "not a node index",
  );
  expect(
    &doc(r#","root_index":15"#, NODES, EDGES),
    "snapshot.root_index",
    None,
    "not a node index",
  );
}

// ---------------------------------------------------------------------------------------------
// Numbers.

#[test]
fn numbers_that_are_not_unsigned_integers() {
  for (bad, words) in [
    ("-1", "negative"),
    ("1.5", "fractional"),
    ("1e3", "fractional or exponent"),
    ("\"1\"", "a string"),
    ("null", "'n'"),
    ("true", "'t'"),
    ("99999999999999999999", "does not fit in 64 bits"),
    ("0x10", "'x'"),
  ] {
    let nodes = format!("0,1,1,0,1, 1,2,3,{bad},1, 1,2,5,20,0");
    let text = doc(COUNTS, &nodes, EDGES);
    let off = at(&text, bad, 0).unwrap();
    // the error points at the value or at the first byte that is not part of an integer
    let e = expect(&text, "nodes", None, words);
    let o = e.offset.expect("an offset");
    assert!(
      o >= off && o <= off + bad.len() as u64,
      "{bad}: offset {o}, value at {off}"
    );
  }
  for bad in ["1,,2", "1 2", ",1", "1,"] {
    let text = doc("", &format!("0,1,1,0,0, {bad}"), "");
    let e = parse_err(text.as_bytes());
    assert_eq!(e.field_name().as_deref(), Some("nodes"), "{bad}: {e}");
    assert!(e.offset.is_some(), "{bad}: {e}");
  }
  // a value cut short by garbage is a syntax error there, not a value to check
  let text = doc(COUNTS, NODES, "0,0,5, 1,3,1x");
  expect(
    &text,
    "edges",
    at(&text, "x]", 0),
    "expected ',' or ']', found 'x'",
  );
  // a value too large for a u8 column
  let text = doc(COUNTS, "0,1,1,0,1, 256,2,3,10,1, 1,2,5,20,0", EDGES);
  expect(&text, "nodes.type", at(&text, "256", 0), "out of range");
}

// ---------------------------------------------------------------------------------------------
// Strings.

#[test]
fn invalid_escapes() {
  let with = |s: &str| {
    format!(r#"{{"snapshot":{{"meta":{META}}},"nodes":[0,1,1,0,0],"edges":[],"strings":["<dummy>","",{s}]}}"#)
  };
  let text = with(r#""a\xb""#);
  expect(&text, "strings", at(&text, "xb", 0), "invalid escape '\\x'");
  let text = with(r#""\u12G4""#);
  expect(&text, "strings", at(&text, "G4", 0), "not a hex digit");
  let text = with(r#""\u12""#);
  expect(
    &text,
    "strings",
    at(&text, "12\"]", 0).map(|o| o + 2),
    "not a hex digit",
  );
  let text = with("1");
  expect(&text, "strings", at(&text, "1]", 0), "expected a string");
  let text = with(r#""a" "b""#);
  expect(&text, "strings", at(&text, "\"b", 0), "expected ',' or ']'");
  // the escapes JSON allows, lone surrogates and raw bytes load
  for ok in [
    r#""\"\\\/\b\f\n\r\t\u00e9\u00E9\uD83D\uDE00\ud800\udc00x""#,
    "\"raw \u{e9} \u{1F600}\"",
    "\"bad utf-8 \u{1}\"",
  ] {
    assert!(Snapshot::from_bytes(with(ok).as_bytes()).is_ok(), "{ok}");
  }
  let mut raw = with(r#""zz""#).into_bytes();
  let z = raw.windows(2).position(|w| w == b"zz").unwrap();
  raw[z] = 0xff;
  raw[z + 1] = 0xc0;
  assert!(
    Snapshot::from_bytes(&raw).is_ok(),
    "invalid UTF-8 bytes become U+FFFD"
  );
}

// ---------------------------------------------------------------------------------------------
// Skipped sections and the header.

#[test]
fn deeply_nested_trace_tree_does_not_overflow_the_stack() {
  let base = doc(COUNTS, NODES, EDGES);
  let close = base.rfind('}').unwrap();
  let depth = 1_000_000;
  // balanced: a valid (skipped) section
  let text = format!(
    "{},\"trace_tree\":{}{}}}",
    &base[..close],
    "[".repeat(depth),
    "]".repeat(depth)
  );
  let s = Snapshot::from_bytes(text.as_bytes()).expect("a deep but balanced trace_tree loads");
  assert_eq!(s.total_size, 30);
  // unbalanced: truncated, or closed by the wrong bracket
  let text = format!("{},\"trace_tree\":{}", &base[..close], "[".repeat(depth));
  expect(&text, "trace_tree", Some(text.len() as u64), "truncated");
  let text = format!("{text}}}");
  expect(&text, "trace_tree", Some(text.len() as u64 - 1), "mismatched '}'");
  // malformed
  let text = format!("{},\"trace_tree\":[[1,[2]}}]]}}", &base[..close]);
  expect(&text, "trace_tree", at(&text, "}]]", 0), "mismatched '}'");
  // deeply nested header: serde_json's depth limit gives an error, not a stack overflow
  let text = format!(
    r#"{{"snapshot":{{"meta":{META},"x":{}{}}},"nodes":[],"edges":[],"strings":[]}}"#,
    "[".repeat(100_000),
    "]".repeat(100_000)
  );
  expect(&text, "snapshot", Some(12), "not valid JSON");
}

#[test]
fn unknown_or_broken_meta() {
  let with_meta = |meta: &str| {
    format!(r#"{{"snapshot":{{"meta":{meta}}},"nodes":[0,1,1,0,0],"edges":[],"strings":["<dummy>",""]}}"#)
  };
  let text = with_meta(&META.replace(r#","id""#, ""));
  expect(&text, "snapshot.meta.node_fields", Some(12), "no 'id' column");
  let text = with_meta(&META.replace(r#""to_node""#, r#""to""#));
  expect(
    &text,
    "snapshot.meta.edge_fields",
    Some(12),
    "no 'to_node' column",
  );
  let text = with_meta(&META.replace(r#""node_types""#, r#""nodeTypes""#));
  expect(&text, "snapshot.meta.node_types", Some(12), "missing");
  let text = with_meta(&META.replace(r#"[["element""#, r#"[[7,"element""#));
  expect(&text, "snapshot.meta.edge_types", None, "non-string");
  expect(
    &with_meta("[]"),
    "snapshot.meta.node_fields",
    None,
    "missing or not an array",
  );
  expect(
    r#"{"snapshot":{"node_count":1},"nodes":[],"edges":[],"strings":[]}"#,
    "snapshot.meta",
    Some(12),
    "no meta",
  );
  expect(
    r#"{"snapshot":[1,2],"nodes":[],"edges":[],"strings":[]}"#,
    "snapshot.meta",
    Some(12),
    "no meta",
  );
  expect(
    &doc(r#","node_count":-3"#, NODES, EDGES),
    "snapshot.node_count",
    None,
    "not an unsigned integer",
  );
  expect(
    &doc(r#","edge_count":2.5"#, NODES, EDGES),
    "snapshot.edge_count",
    None,
    "not an unsigned integer",
  );
  // unknown meta fields and unknown node fields are ignored (columns resolved by name)
  let odd = META
    .replace(r#""edge_count"]"#, r#""edge_count","colour"]"#)
    .replace(r#""number"],"edge"#, r#""number","number"],"edge"#)
    .replace(r#"{"node_fields""#, r#"{"future_fields":["a"],"node_fields""#);
  let text = format!(
    r#"{{"snapshot":{{"meta":{odd}}},"nodes":[0,1,1,0,1,7, 1,2,3,10,0,8],"edges":[0,0,6],"strings":["<dummy>","","A"]}}"#
  );
  let s = Snapshot::from_bytes(text.as_bytes()).expect("unknown fields are skipped");
  assert_eq!(s.total_size, 10);
}

#[test]
fn malformed_top_level() {
  expect("[]", "top_level", Some(0), "'{'");
  expect("  x", "top_level", Some(2), "'{'");
  expect(r#"{"nodes" []}"#, "top_level", Some(9), "':'");
  expect(r#"{"nodes":{}}"#, "nodes", Some(9), "expected '['");
  expect(r#"{"nodes":[],}"#, "top_level", Some(12), "a section name");
  expect(r#"{"a":1 "b":2}"#, "top_level", Some(7), "',' or '}'");
  expect(r#"{"a":]}"#, "a", Some(5), "expected a value");
  expect(r#"{}"#, "snapshot", None, "no \"snapshot\" header");
  let text = doc(COUNTS, NODES, EDGES);
  expect(
    &format!("{text} x"),
    "top_level",
    Some(text.len() as u64 + 1),
    "the end of the file",
  );
  let dup = text.replacen(r#""edges":["#, r#""nodes":[],"edges":["#, 1);
  expect(&dup, "nodes", None, "appears twice");
  expect(
    &format!(r#"{{"snapshot":{{"meta":{META}}},"nodes":[0,1,1,0,0],"strings":["<dummy>",""]}}"#),
    "edges",
    None,
    "no \"edges\" array",
  );
  expect(
    &format!(r#"{{"snapshot":{{"meta":{META}}},"nodes":[0,1,1,0,0],"edges":[]}}"#),
    "strings",
    None,
    "no \"strings\" array",
  );
  // whitespace JSON does not allow
  let vt = text.replacen(r#","nodes""#, ",\u{0b}\"nodes\"", 1);
  expect(&vt, "top_level", at(&vt, "\u{0b}", 0), "found byte 0x0b");
}

#[test]
fn many_top_level_keys_load_in_linear_time() {
  // 200k unknown sections: the duplicate-key check must not be quadratic.
  let base = doc(COUNTS, NODES, EDGES);
  let close = base.rfind('}').unwrap();
  let mut text = base[..close].to_string();
  for i in 0..200_000 {
    text.push_str(&format!(",\"k{i}\":0"));
  }
  text.push('}');
  let t = std::time::Instant::now();
  Snapshot::from_bytes(text.as_bytes()).unwrap();
  assert!(t.elapsed().as_secs() < 10, "took {:?}", t.elapsed());
}

// ---------------------------------------------------------------------------------------------
// Inputs the fuzzers found (corpus/fuzz/, see its README): the fuzz targets' checks, replayed.

/// Whole and streamed in `sizes` (cyclic) give the same outcome.
fn same_outcome(text: &[u8], sizes: &[usize], what: &str) {
  let whole = Snapshot::from_bytes(text);
  let mut p = StreamParser::new();
  let (mut pos, mut i) = (0, 0);
  let mut pushed = Ok(());
  while pos < text.len() && pushed.is_ok() {
    let n = sizes[i % sizes.len()].min(text.len() - pos);
    pushed = p.push(&text[pos..pos + n]);
    pos += n;
    i += 1;
  }
  let stream = pushed.and_then(|()| p.finish()).and_then(Snapshot::from_parsed);
  match (&whole, &stream) {
    (Ok(a), Ok(b)) => {
      assert_eq!(a.retained, b.retained, "{what}");
      assert_eq!(a.distance, b.distance, "{what}");
      assert_eq!(a.dominator, b.dominator, "{what}");
    }
    (Err(a), Err(b)) => assert_eq!(
      (a.kind, &a.field, a.offset),
      (b.kind, &b.field, b.offset),
      "{what}: whole {a} / stream {b}"
    ),
    _ => panic!("{what}: whole {:?} / stream {:?}", whole.is_ok(), stream.is_ok()),
  }
}

#[test]
fn fuzz_regressions() {
  let mut seen = 0;
  for p in files("fuzz", "") {
    let data = std::fs::read(&p).unwrap();
    let what = p.display().to_string();
    if what.ends_with(".stream") {
      seen += 1;
      let k = (data[0] % 8) as usize + 1;
      let sizes: Vec<usize> = data[1..1 + k].iter().map(|&b| b as usize + 1).collect();
      let text = &data[1 + k..];
      same_outcome(text, &sizes, &what);
      for chunk in [1, 2, 5, 64, 4096] {
        same_outcome(text, &[chunk], &format!("{what} in {chunk}-byte chunks"));
      }
    } else if what.ends_with(".whole") {
      seen += 1;
      // must not panic
      let _ = Snapshot::from_bytes(&data).map(|s| s.summary());
    }
  }
  assert!(seen > 0);
}

// ---------------------------------------------------------------------------------------------
// Queries on hostile graphs.

#[test]
fn cyclic_cons_strings_do_not_hang_queries() {
  // 2000 concatenated strings whose `first` and `second` point at themselves: naming each one
  // must stop early (it cost 2^20 steps per string: 27 s for this 84 KB file).
  let n = 2000usize;
  let meta = r#"{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["synthetic","concatenated string","string"],"string","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["element","internal"],"string_or_number","node"]}"#;
  let mut nodes = format!("0,1,1,0,{n}");
  let mut edges = Vec::new();
  for i in 1..=n {
    nodes.push_str(&format!(",1,1,{},8,2", 2 * i + 1));
    edges.push(format!("0,{i},{}", i * 5));
  }
  for i in 1..=n {
    edges.push(format!("1,2,{0},1,3,{0}", i * 5));
  }
  let text = format!(
    r#"{{"snapshot":{{"meta":{meta}}},"nodes":[{nodes}],"edges":[{}],"strings":["<dummy>","","first","second"]}}"#,
    edges.join(",")
  );
  let s = Snapshot::from_bytes(text.as_bytes()).unwrap();
  let t = std::time::Instant::now();
  let groups = heapsnap_core::analysis::dupes::duplicated_strings(&s, 3);
  assert!(groups.is_empty());
  assert!(t.elapsed().as_secs() < 10, "took {:?}", t.elapsed());
}

/// V8 (seen with Node 22) writes -1 for an unknown line or column in `locations`; the class key
/// carries it as DevTools does ("sid,-1,-1,Foo"), whole or streamed.
#[test]
fn negative_location_fields_are_accepted() {
  let text = br#"{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["synthetic","object"],"string","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["element","property"],"string_or_number","node"],"location_fields":["object_index","script_id","line","column"]},"node_count":2,"edge_count":1},"nodes":[0,0,1,0,1,1,1,3,16,0],"edges":[0,1,5],"locations":[5,12,-1,-1],"strings":["","Foo"]}"#;
  for chunk in [text.len(), 1, 3] {
    let mut p = StreamParser::new();
    for c in text.chunks(chunk) {
      p.push(c).expect("push");
    }
    let s = Snapshot::from_parsed(p.finish().expect("finish")).expect("analyze");
    let keys: Vec<String> = s.summary().iter().map(|a| a.public_key.clone()).collect();
    assert_eq!(keys, vec!["12,-1,-1,Foo".to_string()], "chunk {chunk}");
  }
  // elsewhere a minus sign is still an error
  let bad = String::from_utf8_lossy(text).replace("\"edges\":[0,1,5]", "\"edges\":[0,-1,5]");
  assert!(heapsnap_core::Snapshot::from_bytes(bad.as_bytes()).is_err());
}
