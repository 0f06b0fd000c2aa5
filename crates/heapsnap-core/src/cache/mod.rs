//! Analysed snapshots on disk: opening a snapshot analysed before reads its analysis back
//! instead of parsing and analysing again (a fraction of the time: the work is one sequential
//! read plus checks). [`format`] is the container (sections with lengths and checksums); this
//! module says which sections make a [`Snapshot`] and checks, before anything is used, every
//! invariant the queries rely on — a damaged or hand-made entry is a miss, never a panic, a
//! hang or a wrong index.
//!
//! **When a field of `Snapshot` or `Graph` changes, change [`save`] and [`load`] together and
//! bump [`FORMAT`]**: `load` builds both structs with every field named, so an added field
//! does not compile until it is handled here; entries of other versions are ignored (the
//! version is in the file and in the caller's key).

pub mod format;

use crate::analysis::classes::{AddedStrings, InterfaceDef};
use crate::analysis::pipeline::{PhaseTime, Timings};
use crate::analysis::summary::{ClassKey, Statistics};
use crate::graph::{Graph, Location, Sizes};
use crate::parse::header::{EdgeTypes, NodeTypes, NONE};
use crate::parse::strings::StringTable;
use crate::parse::Meta;
use crate::snapshot::Snapshot;
use crate::types::Distance;
use format::{Blob, BlobReader, Miss, Reader, Res, Writer};
use rustc_hash::FxHashMap as HashMap;
use std::io::{Read, Write};

/// The layout version of entries this engine writes and reads.
pub const FORMAT: u32 = 4;

const SECTIONS: u32 = 27;

mod tag {
  pub const BLOB: u32 = 1;
  pub const NODE_TYPE: u32 = 2;
  pub const NODE_NAME: u32 = 3;
  pub const NODE_ID: u32 = 4;
  pub const RAW_SELF: u32 = 5;
  pub const TRACE_NODE_ID: u32 = 6;
  pub const FILE_DETACHEDNESS: u32 = 7;
  pub const FIRST_EDGE: u32 = 8;
  pub const EDGE_TYPE: u32 = 9;
  pub const EDGE_NAME: u32 = 10;
  pub const EDGE_TO: u32 = 11;
  pub const FIRST_RETAINER: u32 = 12;
  pub const RETAINER_NODE: u32 = 13;
  pub const RETAINER_EDGE: u32 = 14;
  pub const STRING_BYTES: u32 = 15;
  pub const STRING_OFFSETS: u32 = 16;
  pub const SAMPLES: u32 = 17;
  pub const SELF_SIZE: u32 = 18;
  pub const DETACHEDNESS: u32 = 19;
  pub const DOMINATOR: u32 = 20;
  pub const RETAINED: u32 = 21;
  pub const FIRST_DOMINATED: u32 = 22;
  pub const DOMINATED: u32 = 23;
  pub const DISTANCE: u32 = 24;
  pub const KEY_OF: u32 = 25;
  pub const BY_ID: u32 = 26;
  pub const END: u32 = 27;
}

fn strings_list(b: &mut Blob, list: &[String]) {
  b.u64(list.len() as u64);
  for s in list {
    b.str(s);
  }
}

fn read_strings(r: &mut BlobReader) -> Res<Vec<String>> {
  let n = r.count(8)?;
  (0..n).map(|_| r.string()).collect()
}

fn opt(b: &mut Blob, v: Option<u64>) {
  b.u64(v.is_some() as u64);
  b.u64(v.unwrap_or(0));
}

fn read_opt(r: &mut BlobReader) -> Res<Option<u64>> {
  let some = r.u64()?;
  let v = r.u64()?;
  Ok((some == 1).then_some(v))
}

fn wide_map(b: &mut Blob, m: &HashMap<u32, u64>) {
  let mut pairs: Vec<_> = m.iter().collect();
  pairs.sort_unstable();
  b.u64(pairs.len() as u64);
  for (k, v) in pairs {
    b.u64(*k as u64);
    b.u64(*v);
  }
}

fn read_wide_map(r: &mut BlobReader, n: usize) -> Res<HashMap<u32, u64>> {
  let len = r.count(16)?;
  let mut m = HashMap::default();
  for _ in 0..len {
    let k = r.u32()?;
    if k as usize >= n {
      return Err(Miss::new("wide value of a node that does not exist"));
    }
    m.insert(k, r.u64()?);
  }
  Ok(m)
}

/// The small, irregular parts of a snapshot.
fn blob_of(s: &Snapshot) -> Blob {
  let g = &s.g;
  let m = &g.meta;
  let mut b = Blob::default();
  strings_list(&mut b, &m.node_fields);
  strings_list(&mut b, &m.edge_fields);
  strings_list(&mut b, &m.location_fields);
  let nt = &m.node_types;
  strings_list(&mut b, &nt.names);
  for t in [
    nt.hidden,
    nt.array,
    nt.string,
    nt.object,
    nt.code,
    nt.closure,
    nt.regexp,
    nt.number,
    nt.native,
    nt.synthetic,
    nt.cons_string,
    nt.sliced_string,
  ] {
    b.u64(t as u64);
  }
  let et = &m.edge_types;
  strings_list(&mut b, &et.names);
  for t in [
    et.context,
    et.element,
    et.property,
    et.internal,
    et.hidden,
    et.shortcut,
    et.weak,
  ] {
    b.u64(t as u64);
  }
  opt(&mut b, m.node_count);
  opt(&mut b, m.edge_count);
  b.u64(m.trace_function_count);
  b.u64(m.extra_native_bytes);
  opt(&mut b, m.root_index);
  b.u64(g.node_count as u64);
  b.u64(g.edge_count as u64);
  b.u64(g.root as u64);
  wide_map(&mut b, &g.id_wide);
  wide_map(&mut b, g.raw_self_size.wide());
  wide_map(&mut b, s.self_size.wide());
  wide_map(&mut b, s.retained.wide());
  strings_list(&mut b, &g.warnings);
  let mut locs: Vec<_> = g.locations.iter().collect();
  locs.sort_unstable_by_key(|(k, _)| **k);
  b.u64(locs.len() as u64);
  for (k, l) in locs {
    b.u64(*k as u64);
    for x in [l.script_id, l.line, l.column] {
      b.u64(x as i64 as u64);
    }
  }
  b.u64(g.trace_node_id.is_some() as u64);
  b.u64(g.detachedness.is_some() as u64);
  b.u64(s.keys.len() as u64);
  for k in &s.keys {
    match *k {
      ClassKey::Class(c) => {
        b.u64(0);
        b.u64(c as u64);
      }
      ClassKey::Located(l, c) => {
        b.u64(1);
        b.u64(c as u64);
        for x in [l.script_id, l.line, l.column] {
          b.u64(x as i64 as u64);
        }
      }
    }
  }
  b.u64(s.interfaces.len() as u64);
  for i in &s.interfaces {
    b.bytes(&i.name);
    b.u64(i.properties.len() as u64);
    for p in &i.properties {
      b.bytes(p);
    }
  }
  b.u64(s.has_user_roots as u64);
  b.u64(s.total_size);
  let st = &s.statistics;
  for x in [
    st.total,
    st.native_total,
    st.typed_arrays,
    st.v8heap_total,
    st.code,
    st.strings,
    st.js_arrays,
    st.system,
  ] {
    b.u64(x);
  }
  b.u64(s.input_bytes);
  b
}

/// Writes `s` as a cache entry for the file whose identity hashes to `key`. Returns the bytes
/// written. Does nothing on big-endian targets (entries are little-endian).
pub fn save(s: &Snapshot, key: &[u8; 32], out: impl Write) -> std::io::Result<u64> {
  if !cfg!(target_endian = "little") {
    return Ok(0);
  }
  let g = &s.g;
  let empty_u32: Vec<u32> = Vec::new();
  let empty_u8: Vec<u8> = Vec::new();
  let mut w = Writer::new(out, FORMAT, key, SECTIONS)?;
  w.section(tag::BLOB, &blob_of(s).bytes)?;
  w.section(tag::NODE_TYPE, &g.node_type)?;
  w.section(tag::NODE_NAME, &g.node_name)?;
  w.section(tag::NODE_ID, &g.node_id)?;
  w.section(tag::RAW_SELF, g.raw_self_size.narrow())?;
  w.section(tag::TRACE_NODE_ID, g.trace_node_id.as_ref().unwrap_or(&empty_u32))?;
  w.section(
    tag::FILE_DETACHEDNESS,
    g.detachedness.as_ref().unwrap_or(&empty_u8),
  )?;
  w.section(tag::FIRST_EDGE, &g.first_edge)?;
  w.section(tag::EDGE_TYPE, &g.edge_type)?;
  w.section(tag::EDGE_NAME, &g.edge_name)?;
  w.section(tag::EDGE_TO, &g.edge_to)?;
  w.section(tag::FIRST_RETAINER, &g.first_retainer)?;
  // format 3: a slot's source comes from its edge; the edges are rebuilt on first use when
  // they were not built before the save
  w.section(tag::RETAINER_NODE, &empty_u32)?;
  w.section(tag::RETAINER_EDGE, g.retainer_edge.get().unwrap_or(&empty_u32))?;
  w.section(tag::STRING_BYTES, &g.strings.bytes)?;
  w.section(tag::STRING_OFFSETS, &g.strings.offsets)?;
  w.section(tag::SAMPLES, &g.samples)?;
  w.section(tag::SELF_SIZE, s.self_size.narrow())?;
  w.section(tag::DETACHEDNESS, &s.detachedness)?;
  w.section(tag::DOMINATOR, &s.dominator)?;
  w.section(tag::RETAINED, s.retained.narrow())?;
  w.section(tag::FIRST_DOMINATED, &s.first_dominated)?;
  w.section(tag::DOMINATED, &s.dominated)?;
  w.section(tag::DISTANCE, &s.distance)?;
  w.section(tag::KEY_OF, &s.key_of)?;
  w.section(tag::BY_ID, s.by_id.get().unwrap_or(&empty_u32))?;
  w.section::<u8>(tag::END, &[])?;
  let written = w.written;
  w.finish()?;
  Ok(written)
}

fn check(ok: bool, what: &str) -> Res<()> {
  if ok {
    Ok(())
  } else {
    Err(Miss::new(what.to_string()))
  }
}

fn check_len<T>(v: &[T], n: usize, what: &str) -> Res<()> {
  check(v.len() == n, what)
}

/// `first` is a CSR index over `n` rows into a list of `len`: starts at 0, never decreases,
/// ends at `len`.
fn check_csr(first: &[u32], n: usize, len: usize, what: &str) -> Res<()> {
  use rayon::prelude::*;
  check(
    first.len() == n + 1 && first[0] == 0 && first[n] as usize == len,
    what,
  )?;
  check(first.par_windows(2).all(|w| w[0] <= w[1]), what)
}

fn all_below(v: &[u32], bound: usize, what: &str) -> Res<()> {
  use rayon::prelude::*;
  check(v.par_iter().all(|&x| (x as usize) < bound), what)
}

fn type_index(t: u64, names: usize) -> Res<u8> {
  let t = u8::try_from(t).map_err(|_| Miss::new("type index out of range"))?;
  check(t == NONE || (t as usize) < names, "type index out of range")?;
  Ok(t)
}

fn read_location(r: &mut BlobReader) -> Res<Location> {
  Ok(Location {
    script_id: r.i32()?,
    line: r.i32()?,
    column: r.i32()?,
  })
}

/// Reads an entry written by [`save`] for `key`; `len` is the file's length. Every invariant
/// the queries rely on is checked; anything else is a [`Miss`].
pub fn load(
  input: impl Read,
  len: u64,
  key: &[u8; 32],
  on_read: Option<Box<dyn FnMut(u64) + Send>>,
) -> Res<Snapshot> {
  use rayon::prelude::*;
  let started = std::time::Instant::now();
  let mut r = Reader::new(input, len, FORMAT, key)?;
  r.on_read = on_read;
  let blob = r.section::<u8>(tag::BLOB)?;
  let mut b = BlobReader::new(&blob);
  let node_fields = read_strings(&mut b)?;
  let edge_fields = read_strings(&mut b)?;
  let location_fields = read_strings(&mut b)?;
  let nt_names = read_strings(&mut b)?;
  let mut nt = [0u8; 12];
  for t in nt.iter_mut() {
    *t = type_index(b.u64()?, nt_names.len())?;
  }
  let et_names = read_strings(&mut b)?;
  let mut et = [0u8; 7];
  for t in et.iter_mut() {
    *t = type_index(b.u64()?, et_names.len())?;
  }
  let meta = Meta {
    node_fields,
    edge_fields,
    location_fields,
    node_types: NodeTypes {
      names: nt_names,
      hidden: nt[0],
      array: nt[1],
      string: nt[2],
      object: nt[3],
      code: nt[4],
      closure: nt[5],
      regexp: nt[6],
      number: nt[7],
      native: nt[8],
      synthetic: nt[9],
      cons_string: nt[10],
      sliced_string: nt[11],
    },
    edge_types: EdgeTypes {
      names: et_names,
      context: et[0],
      element: et[1],
      property: et[2],
      internal: et[3],
      hidden: et[4],
      shortcut: et[5],
      weak: et[6],
    },
    node_count: read_opt(&mut b)?,
    edge_count: read_opt(&mut b)?,
    trace_function_count: b.u64()?,
    extra_native_bytes: b.u64()?,
    root_index: read_opt(&mut b)?,
  };
  let n = usize::try_from(b.u64()?).map_err(|_| Miss::new("node count"))?;
  let e = usize::try_from(b.u64()?).map_err(|_| Miss::new("edge count"))?;
  check(
    n >= 1 && n < u32::MAX as usize - 2 && e < u32::MAX as usize,
    "counts out of range",
  )?;
  let root = b.u32()?;
  check((root as usize) < n, "root")?;
  let id_wide = read_wide_map(&mut b, n)?;
  let self_wide = read_wide_map(&mut b, n)?;
  let shallow_wide = read_wide_map(&mut b, n)?;
  let retained_wide = read_wide_map(&mut b, n)?;
  let warnings = read_strings(&mut b)?;
  let nlocs = b.count(32)?;
  let mut locations = HashMap::default();
  for _ in 0..nlocs {
    let k = b.u32()?;
    check((k as usize) < n, "location of a node that does not exist")?;
    locations.insert(k, read_location(&mut b)?);
  }
  let has_trace = b.u64()? == 1;
  let has_file_detachedness = b.u64()? == 1;
  let nkeys = b.count(16)?;
  let mut keys = Vec::with_capacity(nkeys);
  for _ in 0..nkeys {
    let kind = b.u64()?;
    let c = b.u32()?;
    keys.push(match kind {
      0 => ClassKey::Class(c),
      1 => ClassKey::Located(read_location(&mut b)?, c),
      _ => return Err(Miss::new("class key kind")),
    });
  }
  let nint = b.count(16)?;
  let mut interfaces = Vec::with_capacity(nint);
  for _ in 0..nint {
    let name = b.bytes()?;
    let np = b.count(8)?;
    let properties = (0..np).map(|_| b.bytes()).collect::<Res<Vec<_>>>()?;
    interfaces.push(InterfaceDef { name, properties });
  }
  let has_user_roots = b.u64()? == 1;
  let total_size = b.u64()?;
  let mut st = [0u64; 8];
  for x in st.iter_mut() {
    *x = b.u64()?;
  }
  let input_bytes = b.u64()?;
  b.done()?;

  let node_type = r.section::<u8>(tag::NODE_TYPE)?;
  let node_name = r.section::<u32>(tag::NODE_NAME)?;
  let node_id = r.section::<u32>(tag::NODE_ID)?;
  let raw_self_size = r.section::<u32>(tag::RAW_SELF)?;
  let trace_node_id = r.section::<u32>(tag::TRACE_NODE_ID)?;
  let file_detachedness = r.section::<u8>(tag::FILE_DETACHEDNESS)?;
  let first_edge = r.section::<u32>(tag::FIRST_EDGE)?;
  let edge_type = r.section::<u8>(tag::EDGE_TYPE)?;
  let edge_name = r.section::<u32>(tag::EDGE_NAME)?;
  let edge_to = r.section::<u32>(tag::EDGE_TO)?;
  let first_retainer = r.section::<u32>(tag::FIRST_RETAINER)?;
  r.section::<u32>(tag::RETAINER_NODE)?; // empty since format 3
  let retainer_edge = r.section::<u32>(tag::RETAINER_EDGE)?;
  let string_bytes = r.section::<u8>(tag::STRING_BYTES)?;
  let string_offsets = r.section::<u64>(tag::STRING_OFFSETS)?;
  let samples = r.section::<u32>(tag::SAMPLES)?;
  let self_size = r.section::<u32>(tag::SELF_SIZE)?;
  let detachedness = r.section::<u8>(tag::DETACHEDNESS)?;
  let dominator = r.section::<u32>(tag::DOMINATOR)?;
  let retained = r.section::<u32>(tag::RETAINED)?;
  let first_dominated = r.section::<u32>(tag::FIRST_DOMINATED)?;
  let dominated = r.section::<u32>(tag::DOMINATED)?;
  let distance = r.section::<Distance>(tag::DISTANCE)?;
  let key_of = r.section::<u32>(tag::KEY_OF)?;
  let by_id = r.section::<u32>(tag::BY_ID)?;
  r.section::<u8>(tag::END)?;
  r.finish()?;
  if std::env::var_os("HEAPSNAP_DEBUG_CACHE").is_some() {
    eprintln!("heapsnap cache: read in {:?}", started.elapsed());
  }

  // Shapes and ranges: every index the queries follow lands inside its table.
  for (v, what) in [
    (&node_name, "node names"),
    (&node_id, "node ids"),
    (&raw_self_size, "self sizes"),
    (&self_size, "shallow sizes"),
    (&dominator, "dominators"),
    (&key_of, "class keys"),
  ] {
    check_len(v, n, what)?;
  }
  check_len(&node_type, n, "node types")?;
  check_len(&detachedness, n, "detachedness")?;
  check_len(&retained, n, "retained sizes")?;
  check_len(&distance, n, "distances")?;
  check(!has_trace || trace_node_id.len() == n, "trace node ids")?;
  check(
    !has_file_detachedness || file_detachedness.len() == n,
    "file detachedness",
  )?;
  check_len(&edge_type, e, "edge types")?;
  check_len(&edge_name, e, "edge names")?;
  check_len(&edge_to, e, "edge targets")?;
  check_csr(&first_edge, n, e, "edge index")?;
  check_csr(&first_retainer, n, e, "retainer index")?;
  check(
    retainer_edge.is_empty() || retainer_edge.len() == e,
    "retainer edges",
  )?;
  all_below(&retainer_edge, e.max(1), "retainer edges")?;
  check_csr(&first_dominated, n, dominated.len(), "dominator tree index")?;
  check(
    !string_offsets.is_empty() && string_offsets[0] == 0,
    "string offsets",
  )?;
  check(
    *string_offsets.last().unwrap_or(&0) == string_bytes.len() as u64,
    "string offsets",
  )?;
  check(
    string_offsets.par_windows(2).all(|w| w[0] <= w[1]),
    "string offsets",
  )?;
  let nstrings = string_offsets.len() - 1;
  check(
    node_type
      .par_iter()
      .all(|&t| (t as usize) < meta.node_types.names.len()),
    "node types",
  )?;
  check(
    edge_type
      .par_iter()
      .all(|&t| (t as usize) < meta.edge_types.names.len()),
    "edge types",
  )?;
  all_below(&node_name, nstrings, "node names")?;
  all_below(&edge_to, n, "edge targets")?;
  all_below(&dominator, n, "dominators")?;
  all_below(&dominated, n, "dominator tree")?;
  all_below(&key_of, keys.len(), "class keys")?;
  let (el, hi) = (meta.edge_types.element, meta.edge_types.hidden);
  check(
    (0..e)
      .into_par_iter()
      .all(|k| edge_type[k] == el || edge_type[k] == hi || (edge_name[k] as usize) < nstrings),
    "edge names",
  )?;
  check(
    keys.iter().all(|k| (k.class() as usize) < nstrings),
    "class names",
  )?;
  // The dominator tree is a tree: every node but the root sits exactly once in the list of
  // its dominator. (Each node then has one parent in the lists, and the root none, so any walk
  // down from the root ends, visiting each node at most once.)
  check(
    dominated.len() == n - 1 && dominator[root as usize] == root,
    "dominator tree",
  )?;
  check(
    (0..n).into_par_iter().all(|v| {
      dominated[first_dominated[v] as usize..first_dominated[v + 1] as usize]
        .iter()
        .all(|&w| w != root && dominator[w as usize] as usize == v)
    }),
    "dominator tree",
  )?;
  let listed: Vec<std::sync::atomic::AtomicBool> = (0..n).map(|_| Default::default()).collect();
  check(
    dominated
      .par_iter()
      .all(|&w| !listed[w as usize].swap(true, std::sync::atomic::Ordering::Relaxed)),
    "dominator tree lists a node twice",
  )?;
  drop(listed);
  // The id index, when kept, lists every node once, by id.
  let id_of = |o: u32| {
    if id_wide.is_empty() {
      node_id[o as usize] as u64
    } else {
      id_wide.get(&o).copied().unwrap_or(node_id[o as usize] as u64)
    }
  };
  if !by_id.is_empty() {
    check(by_id.len() == n, "id index")?;
    all_below(&by_id, n, "id index")?;
    check(
      by_id.par_windows(2).all(|w| id_of(w[0]) <= id_of(w[1])),
      "id index",
    )?;
  }

  let retainer_lock = std::sync::OnceLock::new();
  if !retainer_edge.is_empty() {
    let _ = retainer_lock.set(retainer_edge);
  }
  let by_id_lock = std::sync::OnceLock::new();
  if !by_id.is_empty() {
    let _ = by_id_lock.set(by_id);
  }
  let g = Graph {
    meta,
    node_count: n,
    edge_count: e,
    root,
    node_type,
    node_name,
    node_id,
    id_wide,
    raw_self_size: Sizes::from_map(raw_self_size, self_wide),
    trace_node_id: has_trace.then_some(trace_node_id),
    detachedness: has_file_detachedness.then_some(file_detachedness),
    first_edge,
    edge_type,
    edge_name,
    edge_to,
    first_retainer,
    retainer_edge: retainer_lock,
    strings: StringTable {
      bytes: string_bytes,
      offsets: string_offsets,
    },
    locations,
    samples,
    warnings,
  };
  let statistics = Statistics {
    total: st[0],
    native_total: st[1],
    typed_arrays: st[2],
    v8heap_total: st[3],
    code: st[4],
    strings: st[5],
    js_arrays: st[6],
    system: st[7],
  };
  Ok(Snapshot {
    g,
    self_size: Sizes::from_map(self_size, shallow_wide),
    detachedness,
    dominator,
    retained: Sizes::from_map(retained, retained_wide),
    first_dominated,
    dominated,
    distance,
    key_of,
    keys,
    interfaces,
    interface_names: AddedStrings::new(),
    // script names are found again from the graph on first use; the allocation trace tree is
    // not in the cache, so a snapshot loaded from it has no allocation stacks
    sources: Default::default(),
    has_user_roots,
    total_size,
    statistics,
    by_id: by_id_lock,
    // derived from the columns above on the first Summary
    class_totals: std::sync::OnceLock::new(),
    timings: Timings {
      phases: vec![PhaseTime {
        name: "cache",
        ms: started.elapsed().as_secs_f64() * 1000.0,
        memory: None,
      }],
    },
    input_bytes,
  })
}

#[cfg(test)]
mod tests {
  use super::*;

  /// The corpus' valid snapshots (always present), and a d8 heap from ../shared when there.
  fn snapshots() -> Vec<(String, Vec<u8>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(root.join("tests/corpus/valid"))
      .unwrap()
      .filter_map(|e| e.ok().map(|e| e.path()))
      .filter(|p| p.extension().is_some_and(|x| x == "heapsnapshot"))
      .collect();
    files.sort();
    files.push(root.join("../../../shared/fixtures/d8-heap-1.heapsnapshot"));
    let out: Vec<_> = files
      .into_iter()
      .filter_map(|p| std::fs::read(&p).ok().map(|t| (p.display().to_string(), t)))
      .collect();
    assert!(out.len() > 3, "the corpus is missing");
    out
  }

  #[test]
  fn round_trip_gives_the_same_answers() {
    for (name, text) in snapshots() {
      let Ok(s) = Snapshot::from_bytes(&text) else {
        continue;
      };
      for warm in [false, true] {
        if warm {
          s.id_index();
          s.g.retainer_edges();
        }
        let key = [3u8; 32];
        let mut file = Vec::new();
        let n = save(&s, &key, &mut file).unwrap();
        assert_eq!(n as usize, file.len());
        let t = load(&file[..], file.len() as u64, &key, None).unwrap_or_else(|m| panic!("{name}: {}", m.0));
        assert_eq!(t.node_count(), s.node_count(), "{name}");
        assert_eq!(t.total_size, s.total_size, "{name}");
        assert_eq!(t.statistics, s.statistics, "{name}");
        let rows = |x: &Snapshot| {
          x.summary()
            .into_iter()
            .map(|a| (a.public_key, a.count, a.shallow_size, a.retained_size, a.distance))
            .collect::<Vec<_>>()
        };
        assert_eq!(rows(&t), rows(&s), "{name}");
        let step = (s.node_count() / 500).max(1);
        for v in (0..s.node_count() as u32).step_by(step) {
          assert_eq!(t.display_name_bytes(v), s.display_name_bytes(v), "{name}");
          assert_eq!(t.class_name(v), s.class_name(v), "{name}");
          assert_eq!(t.ordinal_of(s.g.id(v)), s.ordinal_of(s.g.id(v)), "{name}");
          assert_eq!(t.retainers(v).len(), s.retainers(v).len(), "{name}");
          assert_eq!(t.distance[v as usize], s.distance[v as usize], "{name}");
        }
        let d = crate::diff::diff(&s, &t);
        assert!(
          d.iter().all(|r| r.added_count == 0 && r.removed_count == 0),
          "{name}"
        );
      }
    }
  }

  #[test]
  fn wide_sizes_and_warnings_survive_the_cache() {
    // root -> A (6e9 bytes) -> B (2^32 + 5) by an edge named outside the strings; root -> C (10)
    let meta = r#"{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["synthetic","object","native"],"string","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["element","property"],"string_or_number","node"]}"#;
    let text = format!(
      r#"{{"snapshot":{{"meta":{meta},"node_count":4,"edge_count":3}},"nodes":[0,0,1,0,2, 1,1,3,6000000000,1, 1,2,5,4294967301,0, 2,3,7,10,0],"edges":[1,1,5, 1,3,15, 1,99,10],"strings":["","A","B","C"]}}"#
    );
    let s = Snapshot::from_bytes(text.as_bytes()).unwrap();
    let key = [5u8; 32];
    let mut file = Vec::new();
    save(&s, &key, &mut file).unwrap();
    let t = load(&file[..], file.len() as u64, &key, None).unwrap_or_else(|m| panic!("{}", m.0));
    for v in 0..4 {
      assert_eq!(t.self_size.get(v), s.self_size.get(v));
      assert_eq!(t.g.raw_self(v), s.g.raw_self(v));
    }
    assert_eq!(t.self_size.get(2), (1 << 32) + 5);
    assert_eq!(t.total_size, s.total_size);
    assert_eq!(t.warnings(), s.warnings());
    assert_eq!(t.warnings().len(), 1);
  }

  #[test]
  fn damaged_or_foreign_entries_are_misses() {
    for (name, text) in snapshots() {
      let Ok(s) = Snapshot::from_bytes(&text) else {
        continue;
      };
      let key = [5u8; 32];
      let mut file = Vec::new();
      save(&s, &key, &mut file).unwrap();
      assert!(load(&file[..], file.len() as u64, &[6u8; 32], None).is_err());
      // Flipped bytes all over: each is refused, or lands in padding and changes nothing.
      let step = (file.len() / 400).max(1);
      for i in (0..file.len()).step_by(step) {
        let mut bad = file.clone();
        bad[i] ^= 0x10;
        if let Ok(t) = load(&bad[..], bad.len() as u64, &key, None) {
          assert_eq!(t.total_size, s.total_size, "{name}: byte {i}");
          assert_eq!(t.retained, s.retained, "{name}: byte {i}");
        }
      }
      // Cut anywhere: refused.
      for cut in (0..file.len()).step_by(step) {
        assert!(
          load(&file[..cut], cut as u64, &key, None).is_err(),
          "{name}: cut at {cut}"
        );
      }
    }
  }

  /// An entry whose checksums are right but whose contents lie (a hand-made file) is refused
  /// by the checks on what it says, before any query could follow a bad index or a cycle.
  #[test]
  fn lying_entries_are_misses() {
    let (_, text) = snapshots().into_iter().last().unwrap();
    let s = Snapshot::from_bytes(&text).unwrap();
    let key = [9u8; 32];
    let lie = |f: &dyn Fn(&mut Snapshot)| {
      let mut t = Snapshot::from_bytes(&text).unwrap();
      f(&mut t);
      let mut file = Vec::new();
      save(&t, &key, &mut file).unwrap();
      load(&file[..], file.len() as u64, &key, None).err().map(|m| m.0)
    };
    let n = s.node_count() as u32;
    assert!(lie(&|_| {}).is_none(), "the truth loads");
    assert!(lie(&|t| t.g.edge_to[0] = n).is_some(), "edge past the last node");
    assert!(
      lie(&|t| t.g.first_edge[1] = u32::MAX).is_some(),
      "edge index out of order"
    );
    assert!(
      lie(&|t| t.dominator[1] = n + 5).is_some(),
      "dominator out of range"
    );
    assert!(
      lie(&|t| t.key_of[0] = t.keys.len() as u32).is_some(),
      "class key out of range"
    );
    assert!(
      lie(&|t| t.g.node_name[0] = u32::MAX).is_some(),
      "name out of the string table"
    );
    assert!(
      lie(&|t| {
        // Two nodes under each other: a cycle in the dominator tree.
        let (a, b) = (t.dominated[0], t.dominated[1]);
        t.dominator[a as usize] = b;
        t.dominator[b as usize] = a;
      })
      .is_some(),
      "a dominator cycle"
    );
  }
}
