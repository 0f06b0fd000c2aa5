//! Heavy work off the JS thread: one `AsyncTask` per entry point, each sharing a
//! [`heapsnap_core::Control`] with the [`TaskControl`] that JS holds (it cancels from an
//! `AbortSignal` and polls progress for `onProgress`). `compute` runs contained (a panic
//! becomes `ERR_HEAPSNAP_INTERNAL`) and, when it fails or is cancelled, hands the freed pages
//! back to the OS; `reject` builds the JS error on the JS thread.

use crate::error::{self, guard, Failure, Pending};
use crate::ids::IdSet;
use crate::memory::release_free_memory;
use crate::snapshot::NativeSnapshot;
use heapsnap_core::analysis::pipeline;
use heapsnap_core::leaks;
use heapsnap_core::parse::StreamParser;
use heapsnap_core::{Control, OpenOptions, Snapshot};
use napi::bindgen_prelude::{AsyncTask, Env, PromiseRaw, Task, ToNapiValue, TypeName};
use napi_derive::napi;
use std::path::PathBuf;
use std::sync::Arc;

/// Cancellation flag and progress counters shared between JS and a running task.
#[napi]
pub struct TaskControl {
  inner: Arc<Control>,
}

#[napi]
impl TaskControl {
  #[napi(constructor)]
  pub fn new() -> Self {
    TaskControl {
      inner: Arc::new(Control::new()),
    }
  }
  /// Asks the task to stop at its next check.
  #[napi]
  pub fn cancel(&self) {
    self.inner.cancel();
  }
  /// [bytesDone, bytesTotal, phase] (phase: 0 queued, 1 parsing, 2 analysing, 3 finished).
  #[napi]
  pub fn progress(&self) -> Vec<f64> {
    let (done, total) = self.inner.bytes();
    vec![done as f64, total as f64, self.inner.phase() as u8 as f64]
  }
  /// The analysis pass running now (`'graph'`, `'dominators'`, … as in the timings), or null.
  #[napi(getter)]
  pub fn step(&self) -> Option<&'static str> {
    self.inner.step().map(|s| s.name())
  }
}

impl Default for TaskControl {
  fn default() -> Self {
    Self::new()
  }
}

impl TaskControl {
  pub fn shared(&self) -> Arc<Control> {
    self.inner.clone()
  }
}

/// Where a [`SnapshotTask`]'s snapshot comes from.
pub enum Source {
  /// A file, read window by window.
  File(PathBuf, OpenOptions),
  /// A streaming parser that has all the input (and the milliseconds spent pushing it).
  Parser(Box<StreamParser>, f64),
}

/// Parses (what is left to parse) and analyses a snapshot.
pub struct SnapshotTask {
  source: Option<Source>,
  control: Arc<Control>,
  failure: Pending,
}

impl SnapshotTask {
  pub fn new(source: Source, control: &TaskControl) -> Self {
    SnapshotTask {
      source: Some(source),
      control: control.shared(),
      failure: Pending::default(),
    }
  }
}

#[napi]
impl Task for SnapshotTask {
  type Output = Snapshot;
  type JsValue = NativeSnapshot;
  fn compute(&mut self) -> napi::Result<Snapshot> {
    let (source, control) = (self.source.take(), &self.control);
    let result = self.failure.run(|| {
      Ok(match source.ok_or(Failure::Finished)? {
        Source::File(path, options) => Snapshot::open(&path, &options, control)?,
        Source::Parser(parser, pushing_ms) => pipeline::finish(*parser, pushing_ms, control)?,
      })
    });
    if result.is_err() {
      // cancelled or failed half-way: what it built is dropped by now; give the pages back
      release_free_memory();
    }
    result
  }
  fn resolve(&mut self, env: Env, s: Snapshot) -> napi::Result<NativeSnapshot> {
    Ok(NativeSnapshot::wrap(&env, s))
  }
  fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<NativeSnapshot> {
    self.failure.reject(&env, err)
  }
}

/// Reads only the object ids of a file.
pub struct ReadIdsTask {
  path: PathBuf,
  options: OpenOptions,
  control: Arc<Control>,
  failure: Pending,
}

impl ReadIdsTask {
  pub fn new(path: PathBuf, options: OpenOptions, control: &TaskControl) -> Self {
    ReadIdsTask {
      path,
      options,
      control: control.shared(),
      failure: Pending::default(),
    }
  }
}

#[napi]
impl Task for ReadIdsTask {
  type Output = leaks::IdSet;
  type JsValue = IdSet;
  fn compute(&mut self) -> napi::Result<leaks::IdSet> {
    let (path, options, control) = (&self.path, &self.options, &self.control);
    let result = self.failure.run(|| {
      let ids = heapsnap_core::parse::read_ids(path, options, control)?;
      Ok(leaks::IdSet::from_ids(ids))
    });
    if result.is_err() {
      release_free_memory();
    }
    result
  }
  fn resolve(&mut self, _env: Env, ids: leaks::IdSet) -> napi::Result<IdSet> {
    Ok(IdSet::wrap(ids))
  }
  fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<IdSet> {
    self.failure.reject(&env, err)
  }
}

/// Work run once off the JS thread on data it shares (`Arc`s of snapshots and id sets, never
/// the JS objects, so a `dispose()` meanwhile neither waits nor fails: the memory goes when the
/// work ends); `answer` turns its result into JS values on the JS thread.
pub struct WorkTask<T: Send + 'static, J> {
  work: Option<Box<dyn FnOnce() -> error::Result<T> + Send>>,
  answer: Option<Box<dyn FnOnce(T) -> J + Send>>,
  failure: Pending,
}

impl<T: Send + 'static, J: ToNapiValue + TypeName> WorkTask<T, J> {
  pub fn start(
    work: impl FnOnce() -> error::Result<T> + Send + 'static,
    answer: impl FnOnce(T) -> J + Send + 'static,
  ) -> AsyncTask<Self> {
    AsyncTask::new(WorkTask {
      work: Some(Box::new(work)),
      answer: Some(Box::new(answer)),
      failure: Pending::default(),
    })
  }

  /// Starts the work now and answers its promise. Unlike returning the `AsyncTask`, this
  /// leaves the JS objects passed in free at once (napi-rs keeps the arguments of a call that
  /// returns an `AsyncTask` borrowed until it settles, so their `dispose()` would throw).
  pub fn spawn(
    env: &Env,
    work: impl FnOnce() -> error::Result<T> + Send + 'static,
    answer: impl FnOnce(T) -> J + Send + 'static,
  ) -> napi::Result<PromiseRaw<'static, J>> {
    let task = WorkTask {
      work: Some(Box::new(work)),
      answer: Some(Box::new(answer)),
      failure: Pending::default(),
    };
    Ok(env.spawn(task)?.promise_object())
  }
}

impl<T: Send + 'static, J: ToNapiValue + TypeName> Task for WorkTask<T, J> {
  type Output = T;
  type JsValue = J;
  fn compute(&mut self) -> napi::Result<T> {
    let work = self.work.take();
    self.failure.run(move || work.ok_or(Failure::Finished)?())
  }
  fn resolve(&mut self, env: Env, out: T) -> napi::Result<J> {
    let answer = self.answer.take();
    guard(&env, move || Ok(answer.ok_or(Failure::Finished)?(out)))
  }
  fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<J> {
    self.failure.reject(&env, err)
  }
}
