//! The napi binding: converts types, runs heavy work off the JS thread (AsyncTask + rayon),
//! builds real JS errors, and never lets a panic cross into Node. No engine logic lives here:
//! every answer comes from `heapsnap-core`.
//!
//! [`types`] are the objects JS sees, [`convert`] fills them from the engine's, [`error`] is
//! the one mapping to JS errors, [`tasks`] the work done off the JS thread. The classes are
//! [`snapshot::NativeSnapshot`], [`parser::NativeParser`], [`ids::IdSet`],
//! [`tasks::TaskControl`], [`explore::NativeExplorer`] (the explorer's paged views) and
//! [`cache::AnalysisWriter`] (analysis cache entries); the functions below are the rest of the
//! binding's exports, with [`peer::peer_credentials`] (for the capture agent). [`memory`] keeps
//! V8 told of the native memory snapshots hold.

#![deny(clippy::all)]

pub mod cache;
pub mod convert;
pub mod error;
pub mod explore;
pub mod ids;
pub mod memory;
pub mod parser;
pub mod peer;
pub mod snapshot;
pub mod tasks;
pub mod types;

use error::guard;
use heapsnap_core::{diff, leaks, Control, Snapshot};
use ids::IdSet;
use napi::bindgen_prelude::{AsyncTask, Env, FnArgs, Function, PromiseRaw};
use napi_derive::napi;
use snapshot::NativeSnapshot;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tasks::{ReadIdsTask, SnapshotTask, Source, TaskControl, WorkTask};

/// Parses and analyses a file off the JS thread.
#[napi(catch_unwind)]
pub fn open_file(
  path: String,
  control: &TaskControl,
  options: Option<types::OpenOptions>,
) -> AsyncTask<SnapshotTask> {
  let source = Source::File(PathBuf::from(path), convert::open_options(options));
  AsyncTask::new(SnapshotTask::new(source, control))
}

/// Parses and analyses a file on the calling thread.
#[napi(catch_unwind)]
pub fn open_file_sync(
  env: Env,
  path: String,
  options: Option<types::OpenOptions>,
) -> napi::Result<NativeSnapshot> {
  let options = convert::open_options(options);
  guard(&env, || {
    let s = Snapshot::open(path.as_ref(), &options, &Control::new());
    if s.is_err() {
      memory::release_free_memory();
    }
    Ok(NativeSnapshot::wrap(&env, s?))
  })
}

/// Reads only the object ids of a snapshot file (reading stops after the `nodes` array).
#[napi(catch_unwind)]
pub fn read_ids(
  path: String,
  control: &TaskControl,
  options: Option<types::OpenOptions>,
) -> AsyncTask<ReadIdsTask> {
  let options = convert::open_options(options);
  AsyncTask::new(ReadIdsTask::new(PathBuf::from(path), options, control))
}

/// DevTools' Comparison of `current` against `base`, off the JS thread.
#[napi(catch_unwind, ts_return_type = "Promise<Array<DiffRow>>")]
pub fn diff_snapshots(
  env: Env,
  base: &NativeSnapshot,
  current: &NativeSnapshot,
) -> napi::Result<PromiseRaw<'static, Vec<types::DiffRow>>> {
  let (b, c) = guard(&env, || Ok((base.shared()?, current.shared()?)))?;
  WorkTask::spawn(
    &env,
    move || Ok(diff::diff(&b, &c)),
    |rows: Vec<diff::DiffRow>| rows.into_iter().map(convert::diff_row).collect(),
  )
}

/// Leak candidates of `fin` (new since `baseline`, present at `target`), clustered by path,
/// off the JS thread.
#[napi(catch_unwind, ts_return_type = "Promise<LeakReport>")]
pub fn find_leaks_native(
  env: Env,
  baseline: &IdSet,
  target: &IdSet,
  fin: &NativeSnapshot,
  options: Option<types::LeakOptions>,
) -> napi::Result<PromiseRaw<'static, types::LeakReport>> {
  let (b, t) = (baseline.shared(), target.shared());
  let (f, opts) = guard(&env, || Ok((fin.shared()?, convert::leak_options(options)?)))?;
  WorkTask::spawn(
    &env,
    move || Ok(leaks::find_leaks(&b, &t, &f, &opts)),
    convert::leak_report,
  )
}

/// `find_leaks_native` on the calling thread (the synchronous leak assertion, whose snapshot is
/// small: the process of a test).
#[napi(catch_unwind)]
pub fn find_leaks_native_sync(
  env: Env,
  baseline: &IdSet,
  target: &IdSet,
  fin: &NativeSnapshot,
  options: Option<types::LeakOptions>,
) -> napi::Result<types::LeakReport> {
  let (b, t) = (baseline.shared(), target.shared());
  guard(&env, || {
    let (f, opts) = (fin.shared()?, convert::leak_options(options)?);
    Ok(convert::leak_report(leaks::find_leaks(&b, &t, &f, &opts)))
  })
}

/// [`find_leaks_native`] with a caller's filters, on the JS thread (the filters are JS
/// functions): `leakFilter(id)` keeps (true) or drops (false) an object about to be reported;
/// `edgeFilter(type, name, fromId, toId)` allows (true) or forbids (false) an edge on retainer
/// paths (memlab's `leakFilter` and `retainerReferenceFilter`). Each is called at most once per
/// object or edge, and must not throw (lib/leaks.js wraps them).
// the edge filter's type is spelled out: #[napi] reads it to write the TypeScript signature
#[allow(clippy::type_complexity)]
#[napi(catch_unwind)]
pub fn find_leaks_filtered(
  env: Env,
  baseline: &IdSet,
  target: &IdSet,
  fin: &NativeSnapshot,
  options: Option<types::LeakOptions>,
  leak_filter: Option<Function<'_, f64, bool>>,
  edge_filter: Option<Function<'_, FnArgs<(String, String, f64, f64)>, bool>>,
) -> napi::Result<types::LeakReport> {
  guard(&env, || {
    let opts = convert::leak_options(options)?;
    let s = fin.get()?;
    // a callback that fails (it cannot throw: JS wraps it) counts as "keep"
    let mut keep = |_: &Snapshot, v: u32| {
      leak_filter
        .as_ref()
        .is_none_or(|f| f.call(s.g.id(v) as f64).unwrap_or(true))
    };
    let mut seen: HashMap<usize, bool> = HashMap::new();
    let mut allow = |s: &Snapshot, k: usize, from: u32, to: u32| {
      let Some(f) = edge_filter.as_ref() else {
        return true;
      };
      *seen.entry(k).or_insert_with(|| {
        let args = (
          s.edge_type_name(k).to_string(),
          s.g.edge_name_string(k),
          s.g.id(from) as f64,
          s.g.id(to) as f64,
        );
        f.call(args.into()).unwrap_or(true)
      })
    };
    let hooks = leaks::LeakHooks {
      leak_filter: if leak_filter.is_some() {
        Some(&mut keep)
      } else {
        None
      },
      edge_filter: if edge_filter.is_some() {
        Some(&mut allow)
      } else {
        None
      },
    };
    let r = leaks::find_leaks_with(baseline.get(), target.get(), s, &opts, hooks);
    Ok(convert::leak_report(r))
  })
}

/// Classes and collections that grew at every step of a series of snapshots of one process,
/// off the JS thread.
#[napi(catch_unwind, ts_return_type = "Promise<GrowthReport>")]
pub fn find_growth_native(
  env: Env,
  snapshots: Vec<&NativeSnapshot>,
  limit: Option<u32>,
) -> napi::Result<PromiseRaw<'static, types::GrowthReport>> {
  let snaps: Vec<Arc<Snapshot>> = guard(&env, || snapshots.iter().map(|s| s.shared()).collect())?;
  let limit = limit.unwrap_or(50) as usize;
  WorkTask::spawn(
    &env,
    move || {
      let refs: Vec<&Snapshot> = snaps.iter().map(|s| &**s).collect();
      Ok(leaks::find_growth(&refs, limit))
    },
    convert::growth_report,
  )
}
