//! `NativeParser`: the streaming parser for JS. `push` parses each chunk on the calling thread
//! (chunks are small); `finish` hands the rest, the analysis, to a worker.

use crate::error::{guard, Failure};
use crate::snapshot::NativeSnapshot;
use crate::tasks::{SnapshotTask, Source, TaskControl};
use heapsnap_core::analysis::pipeline;
use heapsnap_core::parse::StreamParser;
use heapsnap_core::Control;
use napi::bindgen_prelude::{AsyncTask, Env};
use napi_derive::napi;
use std::time::Instant;

/// Streaming parser: `push` chunks as they arrive, then `finish`.
#[napi]
pub struct NativeParser {
  inner: Option<StreamParser>,
  started: Instant,
}

impl Default for NativeParser {
  fn default() -> Self {
    Self::new()
  }
}

impl NativeParser {
  /// The parser, taken out for good (a second `finish` is a state error).
  fn take(&mut self) -> Result<(StreamParser, f64), Failure> {
    let p = self.inner.take().ok_or(Failure::Finished)?;
    Ok((p, self.started.elapsed().as_secs_f64() * 1000.0))
  }
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
  pub fn push(&mut self, env: Env, chunk: &[u8]) -> napi::Result<()> {
    guard(&env, || {
      let p = self.inner.as_mut().ok_or(Failure::Finished)?;
      Ok(p.push(chunk)?)
    })
  }

  /// Bytes consumed so far.
  #[napi(getter)]
  pub fn bytes(&self) -> f64 {
    self.inner.as_ref().map(|p| p.bytes() as f64).unwrap_or(0.0)
  }

  /// Ends the input; the analysis runs off the JS thread.
  #[napi(catch_unwind)]
  pub fn finish(&mut self, env: Env, control: &TaskControl) -> napi::Result<AsyncTask<SnapshotTask>> {
    let (parser, pushing_ms) = guard(&env, || self.take())?;
    Ok(AsyncTask::new(SnapshotTask::new(
      Source::Parser(Box::new(parser), pushing_ms),
      control,
    )))
  }

  /// Ends the input and analyses it on the calling thread.
  #[napi(catch_unwind)]
  pub fn finish_sync(&mut self, env: Env) -> napi::Result<NativeSnapshot> {
    guard(&env, || {
      let (parser, parse_ms) = self.take()?;
      let s = pipeline::finish(parser, parse_ms, &Control::new());
      if s.is_err() {
        crate::memory::release_free_memory();
      }
      Ok(NativeSnapshot::wrap(&env, s?))
    })
  }
}
