//! The napi binding: converts types, runs heavy work off the JS thread (AsyncTask + rayon),
//! maps engine errors to JS errors, and never lets a panic cross into Node.
//!
//! Errors leave as `Error`s whose message is `CODE|field|offset|text`; `index.js` turns that
//! into an `Error` with `code`, `field` and `offset` properties. Cancellation and progress go
//! through a `TaskControl` shared with the task (an atomic flag and counters that the JS
//! wrapper sets from an `AbortSignal` and polls for `onProgress`).

#![deny(clippy::all)]

use heapsnap_core::parse::strings::{to_string_lossy, utf16_units};
use heapsnap_core::parse::StreamParser;
use heapsnap_core::{ErrorKind, Snapshot};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

fn code_of(kind: ErrorKind) -> &'static str {
  match kind {
    ErrorKind::Parse => "ERR_HEAPSNAP_PARSE",
    ErrorKind::Cancelled => "ABORT_ERR",
    ErrorKind::Io => "ERR_HEAPSNAP_IO",
    ErrorKind::OutOfMemory => "ERR_HEAPSNAP_MEMORY",
    ErrorKind::InvalidArg => "ERR_INVALID_ARG_VALUE",
  }
}

fn to_napi(e: heapsnap_core::Error) -> Error {
  let field = e.field.clone().unwrap_or_default();
  let off = e.offset.map(|o| o.to_string()).unwrap_or_default();
  Error::new(
    Status::GenericFailure,
    format!("{}|{}|{}|{}", code_of(e.kind), field, off, e),
  )
}

fn panic_to_napi(p: Box<dyn std::any::Any + Send>) -> Error {
  let msg = p
    .downcast_ref::<&str>()
    .map(|s| s.to_string())
    .or_else(|| p.downcast_ref::<String>().cloned())
    .unwrap_or_else(|| "unknown panic".into());
  Error::new(
    Status::GenericFailure,
    format!("ERR_HEAPSNAP_INTERNAL|||internal error (a bug in heapsnap): {msg}"),
  )
}

/// Runs `f`, turning engine errors and panics into JS errors.
fn guarded<T>(f: impl FnOnce() -> heapsnap_core::Result<T>) -> Result<T> {
  match catch_unwind(AssertUnwindSafe(f)) {
    Ok(Ok(v)) => Ok(v),
    Ok(Err(e)) => Err(to_napi(e)),
    Err(p) => Err(panic_to_napi(p)),
  }
}

/// Cancellation flag and progress counters shared between JS and a running task.
#[napi]
pub struct TaskControl {
  cancel: Arc<AtomicBool>,
  done: Arc<AtomicU64>,
  total: Arc<AtomicU64>,
  /// 0 queued, 1 parsing, 2 analysing, 3 finished.
  phase: Arc<AtomicU64>,
}

#[napi]
impl TaskControl {
  #[napi(constructor)]
  pub fn new() -> Self {
    TaskControl {
      cancel: Arc::new(AtomicBool::new(false)),
      done: Arc::new(AtomicU64::new(0)),
      total: Arc::new(AtomicU64::new(0)),
      phase: Arc::new(AtomicU64::new(0)),
    }
  }
  /// Asks the task to stop at its next check.
  #[napi]
  pub fn cancel(&self) {
    self.cancel.store(true, Ordering::Relaxed);
  }
  /// [bytesDone, bytesTotal, phase]
  #[napi]
  pub fn progress(&self) -> Vec<f64> {
    vec![
      self.done.load(Ordering::Relaxed) as f64,
      self.total.load(Ordering::Relaxed) as f64,
      self.phase.load(Ordering::Relaxed) as f64,
    ]
  }
}

impl Default for TaskControl {
  fn default() -> Self {
    Self::new()
  }
}

impl TaskControl {
  fn handles(&self) -> Ctl {
    Ctl {
      cancel: self.cancel.clone(),
      done: self.done.clone(),
      total: self.total.clone(),
      phase: self.phase.clone(),
    }
  }
}

#[derive(Clone)]
struct Ctl {
  cancel: Arc<AtomicBool>,
  done: Arc<AtomicU64>,
  total: Arc<AtomicU64>,
  phase: Arc<AtomicU64>,
}

fn open_path(path: &str, ctl: Option<&Ctl>) -> heapsnap_core::Result<Snapshot> {
  let cancel = ctl.map(|c| c.cancel.clone());
  let progress = |d: u64, t: u64| {
    if let Some(c) = ctl {
      c.phase.store(1, Ordering::Relaxed);
      c.done.store(d, Ordering::Relaxed);
      c.total.store(t, Ordering::Relaxed);
    }
  };
  let t = Instant::now();
  let parsed = heapsnap_core::parse::parse_file(std::path::Path::new(path), cancel.clone(), &progress)?;
  if let Some(c) = ctl {
    c.phase.store(2, Ordering::Relaxed);
  }
  let s = Snapshot::analyze(parsed, cancel.as_deref(), t.elapsed().as_secs_f64() * 1000.0)?;
  if let Some(c) = ctl {
    c.phase.store(3, Ordering::Relaxed);
  }
  Ok(s)
}

pub struct OpenTask {
  path: String,
  ctl: Ctl,
}

#[napi]
impl Task for OpenTask {
  type Output = Snapshot;
  type JsValue = NativeSnapshot;
  fn compute(&mut self) -> Result<Snapshot> {
    guarded(|| open_path(&self.path, Some(&self.ctl)))
  }
  fn resolve(&mut self, _env: Env, s: Snapshot) -> Result<NativeSnapshot> {
    Ok(NativeSnapshot::wrap(s))
  }
}

/// Parses and analyses a file off the JS thread.
#[napi(catch_unwind)]
pub fn open_file(path: String, control: &TaskControl) -> AsyncTask<OpenTask> {
  AsyncTask::new(OpenTask {
    path,
    ctl: control.handles(),
  })
}

/// Parses and analyses a file on the calling thread.
#[napi(catch_unwind)]
pub fn open_file_sync(path: String) -> Result<NativeSnapshot> {
  guarded(|| open_path(&path, None)).map(NativeSnapshot::wrap)
}

/// Streaming parser: `push` chunks as they arrive, then `finish`.
#[napi]
pub struct NativeParser {
  inner: Option<StreamParser>,
  started: Instant,
}

#[napi]
impl NativeParser {
  #[napi(constructor)]
  pub fn new() -> Self {
    NativeParser {
      inner: Some(StreamParser::new()),
      started: Instant::now(),
    }
  }

  /// Parses one chunk (synchronously; chunks are small).
  #[napi(catch_unwind)]
  pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
    let p = self.inner.as_mut().ok_or_else(|| {
      Error::new(
        Status::GenericFailure,
        "ERR_HEAPSNAP_STATE|||the parser is already finished".to_string(),
      )
    })?;
    guarded(|| p.push(chunk))
  }

  /// Bytes consumed so far.
  #[napi(getter)]
  pub fn bytes(&self) -> f64 {
    self.inner.as_ref().map(|p| p.bytes() as f64).unwrap_or(0.0)
  }

  /// Ends the input; the analysis runs off the JS thread.
  #[napi(catch_unwind)]
  pub fn finish(&mut self, control: &TaskControl) -> Result<AsyncTask<FinishTask>> {
    let p = self.inner.take().ok_or_else(|| {
      Error::new(
        Status::GenericFailure,
        "ERR_HEAPSNAP_STATE|||the parser is already finished".to_string(),
      )
    })?;
    let parse_ms = self.started.elapsed().as_secs_f64() * 1000.0;
    Ok(AsyncTask::new(FinishTask {
      parser: Some(p),
      ctl: control.handles(),
      parse_ms,
    }))
  }

  #[napi(catch_unwind)]
  pub fn finish_sync(&mut self) -> Result<NativeSnapshot> {
    let p = self.inner.take().ok_or_else(|| {
      Error::new(
        Status::GenericFailure,
        "ERR_HEAPSNAP_STATE|||the parser is already finished".to_string(),
      )
    })?;
    let parse_ms = self.started.elapsed().as_secs_f64() * 1000.0;
    guarded(|| Snapshot::analyze(p.finish()?, None, parse_ms)).map(NativeSnapshot::wrap)
  }
}

impl Default for NativeParser {
  fn default() -> Self {
    Self::new()
  }
}

pub struct FinishTask {
  parser: Option<StreamParser>,
  ctl: Ctl,
  parse_ms: f64,
}

#[napi]
impl Task for FinishTask {
  type Output = Snapshot;
  type JsValue = NativeSnapshot;
  fn compute(&mut self) -> Result<Snapshot> {
    let p = self.parser.take();
    let ctl = self.ctl.clone();
    let parse_ms = self.parse_ms;
    guarded(move || {
      let p = p.ok_or_else(|| heapsnap_core::Error::invalid_arg("finish() was called twice"))?;
      let t = Instant::now();
      let parsed = p.finish()?;
      ctl.phase.store(2, Ordering::Relaxed);
      let s = Snapshot::analyze(
        parsed,
        Some(&ctl.cancel),
        parse_ms + t.elapsed().as_secs_f64() * 1000.0,
      )?;
      ctl.phase.store(3, Ordering::Relaxed);
      Ok(s)
    })
  }
  fn resolve(&mut self, _env: Env, s: Snapshot) -> Result<NativeSnapshot> {
    Ok(NativeSnapshot::wrap(s))
  }
}

#[napi(object)]
pub struct SummaryRow {
  pub key: String,
  pub class_name: String,
  pub count: f64,
  pub shallow_size: f64,
  pub retained_size: f64,
  pub distance: i32,
}

fn summary_row(a: heapsnap_core::analysis::summary::ClassAggregate) -> SummaryRow {
  SummaryRow {
    key: a.public_key,
    class_name: a.class_name,
    count: a.count as f64,
    shallow_size: a.shallow_size as f64,
    retained_size: a.retained_size as f64,
    distance: a.distance,
  }
}

#[napi(object)]
pub struct NativeStatistics {
  pub total: f64,
  pub native_total: f64,
  pub typed_arrays: f64,
  pub v8heap_total: f64,
  pub code: f64,
  pub strings: f64,
  pub js_arrays: f64,
  pub system: f64,
}

#[napi(object)]
pub struct NodeInfo {
  pub id: f64,
  pub ordinal: u32,
  #[napi(js_name = "type")]
  pub node_type: String,
  pub name: String,
  pub class_name: String,
  pub class_key: String,
  pub self_size: f64,
  pub raw_self_size: f64,
  pub retained_size: f64,
  pub distance: i32,
  pub dominator_id: f64,
  pub edge_count: u32,
  pub retainer_count: u32,
  pub detachedness: u32,
}

#[napi(object)]
pub struct EdgeRow {
  #[napi(js_name = "type")]
  pub edge_type: String,
  pub name: String,
  /// The id at the other end (target of an edge, source of a retainer).
  pub id: f64,
  pub ordinal: u32,
}

#[napi(object)]
pub struct Columns {
  pub ids: Float64Array,
  pub types: Uint8Array,
  pub self_sizes: Float64Array,
  pub raw_self_sizes: Float64Array,
  pub retained_sizes: Float64Array,
  pub distances: Int32Array,
  pub dominators: Uint32Array,
  pub class_indexes: Uint32Array,
  pub detachedness: Uint8Array,
  pub edge_counts: Uint32Array,
  pub class_names: Vec<String>,
  pub type_names: Vec<String>,
}

/// A parsed, analysed snapshot living in native memory.
#[napi]
pub struct NativeSnapshot {
  inner: Option<Arc<Snapshot>>,
}

impl NativeSnapshot {
  fn wrap(s: Snapshot) -> Self {
    NativeSnapshot {
      inner: Some(Arc::new(s)),
    }
  }
  fn get(&self) -> Result<&Snapshot> {
    self.inner.as_deref().ok_or_else(|| {
      Error::new(
        Status::GenericFailure,
        "ERR_HEAPSNAP_DISPOSED|||the snapshot was disposed".to_string(),
      )
    })
  }
  fn shared(&self) -> Result<Arc<Snapshot>> {
    self.get()?;
    Ok(self.inner.clone().expect("checked"))
  }
}

impl Drop for NativeSnapshot {
  fn drop(&mut self) {
    if self.inner.take().is_some() {
      release_free_memory();
    }
  }
}

/// Hands freed heap pages back to the OS. A snapshot's columns are a few large allocations;
/// glibc keeps freed memory in its (per-thread) arenas, so without this a process that opens
/// and disposes snapshots would keep their high-water mark as RSS.
fn release_free_memory() {
  #[cfg(all(target_os = "linux", target_env = "gnu"))]
  {
    extern "C" {
      fn malloc_trim(pad: usize) -> i32;
    }
    // SAFETY: malloc_trim only returns free memory to the OS; it is safe to call at any time.
    unsafe {
      malloc_trim(0);
    }
  }
}

/// JS string from WTF-8 (lone surrogates preserved as UTF-16 units).
fn js_string(bytes: &[u8]) -> String {
  // napi strings are UTF-8; lone surrogates cannot be represented in UTF-8, so they become
  // U+FFFD here. `nameUtf16` gives the exact code units.
  to_string_lossy(bytes)
}

fn node_info(s: &Snapshot, v: u32) -> NodeInfo {
  let key = s.class_key(v);
  NodeInfo {
    id: s.g.id(v) as f64,
    ordinal: v,
    node_type: s.type_name(v).to_string(),
    name: js_string(&s.display_name_bytes(v)),
    class_name: s.class_name(v),
    class_key: heapsnap_core::analysis::summary::public_key(&s.g, key),
    self_size: s.self_size[v as usize] as f64,
    raw_self_size: s.g.raw_self(v) as f64,
    retained_size: s.retained[v as usize] as f64,
    distance: s.distance[v as usize],
    dominator_id: s.g.id(s.dominator[v as usize]) as f64,
    edge_count: s.g.edges_of(v).len() as u32,
    retainer_count: s.g.retainers_of(v).len() as u32,
    detachedness: s.detachedness[v as usize] as u32,
  }
}

fn id_arg(id: f64) -> Option<u64> {
  (id >= 0.0 && id.fract() == 0.0 && id < 1.8e19).then_some(id as u64)
}

#[napi]
impl NativeSnapshot {
  #[napi(getter)]
  pub fn node_count(&self) -> Result<f64> {
    Ok(self.get()?.node_count() as f64)
  }
  #[napi(getter)]
  pub fn edge_count(&self) -> Result<f64> {
    Ok(self.get()?.edge_count() as f64)
  }
  #[napi(getter)]
  pub fn total_size(&self) -> Result<f64> {
    Ok(self.get()?.total_size as f64)
  }
  #[napi(getter)]
  pub fn input_bytes(&self) -> Result<f64> {
    Ok(self.get()?.input_bytes as f64)
  }
  #[napi(getter)]
  pub fn root_id(&self) -> Result<f64> {
    let s = self.get()?;
    Ok(s.g.id(s.g.root) as f64)
  }
  #[napi(getter)]
  pub fn max_js_object_id(&self) -> Result<f64> {
    Ok(self.get()?.max_js_object_id() as f64)
  }
  #[napi(getter)]
  pub fn disposed(&self) -> bool {
    self.inner.is_none()
  }
  /// Milliseconds per analysis phase: [[name, ms], ...]
  #[napi]
  pub fn timings(&self) -> Result<Vec<(String, f64)>> {
    Ok(
      self
        .get()?
        .timings
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect(),
    )
  }

  #[napi(catch_unwind)]
  pub fn summary(&self) -> Result<Vec<SummaryRow>> {
    let s = self.get()?;
    Ok(s.summary().into_iter().map(summary_row).collect())
  }

  #[napi(catch_unwind)]
  pub fn statistics(&self) -> Result<NativeStatistics> {
    let st = &self.get()?.statistics;
    Ok(NativeStatistics {
      total: st.total as f64,
      native_total: st.native_total as f64,
      typed_arrays: st.typed_arrays as f64,
      v8heap_total: st.v8heap_total as f64,
      code: st.code as f64,
      strings: st.strings as f64,
      js_arrays: st.js_arrays as f64,
      system: st.system as f64,
    })
  }

  #[napi(catch_unwind)]
  pub fn node(&self, id: f64) -> Result<Option<NodeInfo>> {
    let s = self.get()?;
    Ok(
      id_arg(id)
        .and_then(|id| s.ordinal_of(id))
        .map(|v| node_info(s, v)),
    )
  }

  #[napi(catch_unwind)]
  pub fn node_at(&self, ordinal: u32) -> Result<Option<NodeInfo>> {
    let s = self.get()?;
    Ok(((ordinal as usize) < s.node_count()).then(|| node_info(s, ordinal)))
  }

  /// Ordinal of a node id, or -1.
  #[napi(catch_unwind)]
  pub fn ordinal_of(&self, id: f64) -> Result<i64> {
    let s = self.get()?;
    Ok(
      id_arg(id)
        .and_then(|id| s.ordinal_of(id))
        .map(|v| v as i64)
        .unwrap_or(-1),
    )
  }

  /// The exact UTF-16 code units of a node's display name (keeps lone surrogates).
  #[napi(catch_unwind)]
  pub fn name_utf16(&self, ordinal: u32) -> Result<Vec<u16>> {
    let s = self.get()?;
    if ordinal as usize >= s.node_count() {
      return Ok(vec![]);
    }
    Ok(utf16_units(&s.display_name_bytes(ordinal)).collect())
  }

  #[napi(catch_unwind)]
  pub fn edges(&self, id: f64) -> Result<Option<Vec<EdgeRow>>> {
    let s = self.get()?;
    let Some(v) = id_arg(id).and_then(|id| s.ordinal_of(id)) else {
      return Ok(None);
    };
    Ok(Some(
      s.edges(v)
        .into_iter()
        .map(|e| EdgeRow {
          edge_type: e.edge_type,
          name: e.name,
          id: s.g.id(e.other) as f64,
          ordinal: e.other,
        })
        .collect(),
    ))
  }

  #[napi(catch_unwind)]
  pub fn retainers(&self, id: f64) -> Result<Option<Vec<EdgeRow>>> {
    let s = self.get()?;
    let Some(v) = id_arg(id).and_then(|id| s.ordinal_of(id)) else {
      return Ok(None);
    };
    Ok(Some(
      s.retainers(v)
        .into_iter()
        .map(|e| EdgeRow {
          edge_type: e.edge_type,
          name: e.name,
          id: s.g.id(e.other) as f64,
          ordinal: e.other,
        })
        .collect(),
    ))
  }

  /// Ids of the instances of a class (by public key `",Foo"`, or by class name).
  #[napi(catch_unwind)]
  pub fn instances(&self, class: String) -> Result<Vec<f64>> {
    let s = self.get()?;
    let key_form = class.contains(',');
    let mut ids = Vec::new();
    for v in 0..s.node_count() as u32 {
      if s.self_size[v as usize] == 0 {
        continue;
      }
      let hit = if key_form {
        let k = s.class_key(v);
        heapsnap_core::analysis::summary::public_key(&s.g, k) == class
      } else {
        s.g.strings.get(s.class_of(v) as usize) == class.as_bytes()
      };
      if hit {
        ids.push(s.g.id(v) as f64);
      }
    }
    Ok(ids)
  }

  /// Every per-node number as typed arrays, indexed by ordinal.
  #[napi(catch_unwind)]
  pub fn columns(&self) -> Result<Columns> {
    let s = self.get()?;
    let n = s.node_count();
    // Compact class table: class string index -> dense index.
    let mut dense: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
    let mut class_names = Vec::new();
    let class_indexes: Vec<u32> = (0..n as u32)
      .map(|v| s.class_of(v))
      .map(|c| {
        *dense.entry(c).or_insert_with(|| {
          class_names.push(to_string_lossy(s.g.strings.get(c as usize)));
          (class_names.len() - 1) as u32
        })
      })
      .collect();
    Ok(Columns {
      ids: Float64Array::new((0..n as u32).map(|v| s.g.id(v) as f64).collect()),
      types: Uint8Array::new(s.g.node_type.clone()),
      self_sizes: Float64Array::new(s.self_size.iter().map(|&x| x as f64).collect()),
      raw_self_sizes: Float64Array::new((0..n as u32).map(|v| s.g.raw_self(v) as f64).collect()),
      retained_sizes: Float64Array::new(s.retained.iter().map(|&x| x as f64).collect()),
      distances: Int32Array::new(s.distance.clone()),
      dominators: Uint32Array::new(s.dominator.clone()),
      class_indexes: Uint32Array::new(class_indexes),
      detachedness: Uint8Array::new(s.detachedness.clone()),
      edge_counts: Uint32Array::new((0..n as u32).map(|v| s.g.edges_of(v).len() as u32).collect()),
      class_names,
      type_names: s.g.meta.node_types.names.clone(),
    })
  }

  /// Frees the native memory now (later calls throw).
  #[napi]
  pub fn dispose(&mut self) {
    if self.inner.take().is_some() {
      release_free_memory();
    }
  }
}

#[allow(dead_code)]
fn _assert_send(s: NativeSnapshot) -> Result<Arc<Snapshot>> {
  s.shared()
}

// ---------------------------------------------------------------- comparison and leaks

#[napi(object)]
pub struct DiffRowJs {
  pub key: String,
  pub class_name: String,
  pub added_count: f64,
  pub removed_count: f64,
  pub count_delta: f64,
  pub added_size: f64,
  pub removed_size: f64,
  pub size_delta: f64,
  pub added_ids: Vec<f64>,
  pub removed_ids: Vec<f64>,
}

/// DevTools' Comparison of `current` against `base`.
#[napi(catch_unwind)]
pub fn diff_snapshots(base: &NativeSnapshot, current: &NativeSnapshot) -> Result<Vec<DiffRowJs>> {
  let (b, c) = (base.get()?, current.get()?);
  guarded(|| {
    Ok(
      heapsnap_core::diff::diff(b, c)
        .into_iter()
        .map(|r| DiffRowJs {
          count_delta: r.count_delta() as f64,
          size_delta: r.size_delta() as f64,
          key: r.key,
          class_name: r.class_name,
          added_count: r.added_count as f64,
          removed_count: r.removed_count as f64,
          added_size: r.added_size as f64,
          removed_size: r.removed_size as f64,
          added_ids: r.added_ids.into_iter().map(|x| x as f64).collect(),
          removed_ids: r.removed_ids.into_iter().map(|x| x as f64).collect(),
        })
        .collect(),
    )
  })
}

/// The object ids of a snapshot: all that leak finding needs of a baseline or target.
#[napi]
pub struct IdSet {
  inner: Arc<heapsnap_core::leaks::IdSet>,
}

#[napi]
impl IdSet {
  #[napi(getter)]
  pub fn size(&self) -> f64 {
    self.inner.ids.len() as f64
  }
  #[napi(getter)]
  pub fn max_js_object_id(&self) -> f64 {
    self.inner.max_js_id as f64
  }
  #[napi]
  pub fn has(&self, id: f64) -> bool {
    id_arg(id).is_some_and(|i| self.inner.contains(i))
  }
}

#[napi]
impl NativeSnapshot {
  /// The snapshot's object ids.
  #[napi(catch_unwind)]
  pub fn id_set(&self) -> Result<IdSet> {
    let s = self.get()?;
    Ok(IdSet {
      inner: Arc::new(heapsnap_core::leaks::IdSet::from_snapshot(s)),
    })
  }
}

pub struct ReadIdsTask {
  path: String,
  ctl: Ctl,
}

#[napi]
impl Task for ReadIdsTask {
  type Output = heapsnap_core::leaks::IdSet;
  type JsValue = IdSet;
  fn compute(&mut self) -> Result<Self::Output> {
    let cancel = self.ctl.cancel.clone();
    let path = self.path.clone();
    guarded(move || {
      Ok(heapsnap_core::leaks::IdSet::from_ids(
        heapsnap_core::parse::read_ids(std::path::Path::new(&path), Some(cancel))?,
      ))
    })
  }
  fn resolve(&mut self, _env: Env, s: Self::Output) -> Result<IdSet> {
    Ok(IdSet { inner: Arc::new(s) })
  }
}

/// Reads only the object ids of a snapshot file (edges and strings are skipped unparsed).
#[napi(catch_unwind)]
pub fn read_ids(path: String, control: &TaskControl) -> AsyncTask<ReadIdsTask> {
  AsyncTask::new(ReadIdsTask {
    path,
    ctl: control.handles(),
  })
}

#[napi(object)]
pub struct NodeRefJs {
  pub id: f64,
  #[napi(js_name = "type")]
  pub node_type: String,
  pub class_name: String,
  pub name: String,
}

#[napi(object)]
pub struct PathStepJs {
  pub edge_type: String,
  pub edge_name: String,
  pub edge_label: String,
  pub node: NodeRefJs,
}

#[napi(object)]
pub struct RetainerPathJs {
  pub root: NodeRefJs,
  pub steps: Vec<PathStepJs>,
  pub text: String,
}

#[napi(object)]
pub struct LeakClusterJs {
  pub class_name: String,
  pub count: f64,
  pub retained_size: f64,
  pub shallow_size: f64,
  pub objects: f64,
  pub path: RetainerPathJs,
  pub sample_ids: Vec<f64>,
}

#[napi(object)]
pub struct LeakTotalsJs {
  pub leaked_objects: f64,
  pub top_level: f64,
  pub retained_size: f64,
  pub clusters: f64,
}

#[napi(object)]
pub struct LeakReportJs {
  pub clusters: Vec<LeakClusterJs>,
  pub totals: LeakTotalsJs,
}

#[napi(object)]
pub struct LeakOptionsJs {
  pub include_system: Option<bool>,
  pub ignore_classes: Option<Vec<String>>,
  pub samples: Option<u32>,
  pub max_clusters: Option<u32>,
}

fn node_ref_js(r: heapsnap_core::leaks::NodeRef) -> NodeRefJs {
  NodeRefJs {
    id: r.id as f64,
    node_type: r.node_type,
    class_name: r.class_name,
    name: r.name,
  }
}

fn path_js(p: heapsnap_core::leaks::RetainerPath) -> RetainerPathJs {
  RetainerPathJs {
    root: node_ref_js(p.root),
    steps: p
      .steps
      .into_iter()
      .map(|s| PathStepJs {
        edge_type: s.edge_type,
        edge_name: s.edge_name,
        edge_label: s.edge_label,
        node: node_ref_js(s.node),
      })
      .collect(),
    text: p.text,
  }
}

/// Leak candidates of `fin` (new since `baseline`, present at `target`), clustered by path.
#[napi(catch_unwind)]
pub fn find_leaks_native(
  baseline: &IdSet,
  target: &IdSet,
  fin: &NativeSnapshot,
  options: Option<LeakOptionsJs>,
) -> Result<LeakReportJs> {
  let s = fin.get()?;
  let mut opts = heapsnap_core::leaks::LeakOptions::default();
  if let Some(o) = options {
    if let Some(v) = o.include_system {
      opts.include_system = v;
    }
    if let Some(v) = o.ignore_classes {
      opts.ignore_classes = v;
    }
    if let Some(v) = o.samples {
      opts.samples = v as usize;
    }
    if let Some(v) = o.max_clusters {
      opts.max_clusters = v as usize;
    }
  }
  let (b, t) = (baseline.inner.clone(), target.inner.clone());
  let r = guarded(|| Ok(heapsnap_core::leaks::find_leaks(&b, &t, s, &opts)))?;
  Ok(LeakReportJs {
    clusters: r
      .clusters
      .into_iter()
      .map(|c| LeakClusterJs {
        class_name: c.class_name,
        count: c.count as f64,
        retained_size: c.retained_size as f64,
        shallow_size: c.shallow_size as f64,
        objects: c.objects as f64,
        path: path_js(c.path),
        sample_ids: c.sample_ids.into_iter().map(|x| x as f64).collect(),
      })
      .collect(),
    totals: LeakTotalsJs {
      leaked_objects: r.totals.leaked_objects as f64,
      top_level: r.totals.top_level as f64,
      retained_size: r.totals.retained_size as f64,
      clusters: r.totals.clusters as f64,
    },
  })
}

#[napi(object)]
pub struct ClassGrowthJs {
  pub key: String,
  pub class_name: String,
  pub counts: Vec<f64>,
  pub sizes: Vec<f64>,
}

#[napi(object)]
pub struct CollectionGrowthJs {
  pub id: f64,
  pub class_name: String,
  pub sizes: Vec<f64>,
  pub retained_sizes: Vec<f64>,
  pub path: RetainerPathJs,
}

#[napi(object)]
pub struct GrowthReportJs {
  pub classes: Vec<ClassGrowthJs>,
  pub collections: Vec<CollectionGrowthJs>,
}

/// Classes and collections that grew at every step of a series of snapshots of one process.
#[napi(catch_unwind)]
pub fn find_growth_native(snapshots: Vec<&NativeSnapshot>, limit: Option<u32>) -> Result<GrowthReportJs> {
  let snaps: Vec<&Snapshot> = snapshots.iter().map(|s| s.get()).collect::<Result<_>>()?;
  let r = guarded(|| {
    Ok(heapsnap_core::leaks::find_growth(
      &snaps,
      limit.unwrap_or(50) as usize,
    ))
  })?;
  let f = |v: Vec<u64>| v.into_iter().map(|x| x as f64).collect::<Vec<f64>>();
  Ok(GrowthReportJs {
    classes: r
      .classes
      .into_iter()
      .map(|c| ClassGrowthJs {
        key: c.key,
        class_name: c.class_name,
        counts: f(c.counts),
        sizes: f(c.sizes),
      })
      .collect(),
    collections: r
      .collections
      .into_iter()
      .map(|c| CollectionGrowthJs {
        id: c.id as f64,
        class_name: c.class_name,
        sizes: f(c.sizes),
        retained_sizes: f(c.retained_sizes),
        path: path_js(c.path),
      })
      .collect(),
  })
}

#[napi]
impl NativeSnapshot {
  /// Retainer path of one object (shortest from a root over non-weak edges), or null.
  #[napi(catch_unwind)]
  pub fn retainer_path(&self, id: f64) -> Result<Option<RetainerPathJs>> {
    let s = self.get()?;
    Ok(
      id_arg(id)
        .and_then(|id| s.ordinal_of(id))
        .map(|v| path_js(heapsnap_core::leaks::retainer_path(s, v))),
    )
  }

  /// Summary of the objects with `minId < id <= maxId` (DevTools' "allocated between snapshots").
  #[napi(catch_unwind)]
  pub fn summary_id_range(&self, min_id: f64, max_id: f64) -> Result<Vec<SummaryRow>> {
    let s = self.get()?;
    let f = |v: u32| {
      let id = s.g.id(v) as f64;
      id > min_id && id <= max_id
    };
    Ok(s.summary_filtered(&f).into_iter().map(summary_row).collect())
  }
}

#[napi(object)]
pub struct DuplicateGroupJs {
  pub value: String,
  pub count: f64,
  pub total_self_size: f64,
  pub total_retained_size: f64,
  pub sample_ids: Vec<f64>,
}

#[napi]
impl NativeSnapshot {
  /// Strings whose text occurs more than once, by total retained size.
  #[napi(catch_unwind)]
  pub fn duplicated_strings(&self, limit: Option<u32>) -> Result<Vec<DuplicateGroupJs>> {
    let s = self.get()?;
    let mut groups = heapsnap_core::analysis::dupes::duplicated_strings(s, 5);
    groups.truncate(limit.unwrap_or(u32::MAX) as usize);
    Ok(
      groups
        .into_iter()
        .map(|g| DuplicateGroupJs {
          value: js_string(&g.value),
          count: g.count as f64,
          total_self_size: g.total_self_size as f64,
          total_retained_size: g.total_retained_size as f64,
          sample_ids: g.sample_ids.into_iter().map(|x| x as f64).collect(),
        })
        .collect(),
    )
  }
}
