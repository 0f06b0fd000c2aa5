//! The one mapping from what can go wrong in the binding to a JS `Error`.
//!
//! Every failure becomes a real `Error` object built on the JS thread, with a stable `code`
//! and, for parse errors, `field` (an identifier such as `edges.to_node`) and `offset` (the
//! byte in the file). napi-rs can only give an error a `code`; for the other properties the
//! object is built here with the `Env` and handed back as a `napi::Error` that *refers* to it,
//! which napi-rs throws (sync calls) or rejects with (async tasks, from `Task::reject`) as is.
//!
//! Panics never cross into Node: [`contain`] turns one into [`Failure::Panic`]
//! (`ERR_HEAPSNAP_INTERNAL`), on the worker thread as on the JS thread.

use heapsnap_core::ErrorKind;
use napi::bindgen_prelude::{Env, JsError, JsTypeError, JsValue, Object};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Why a call failed.
#[derive(Debug)]
pub enum Failure {
  /// The engine refused the input or was cancelled.
  Engine(heapsnap_core::Error),
  /// A method was called on a snapshot after `dispose()`.
  Disposed,
  /// `push`/`finish` was called on a parser that has already finished.
  Finished,
  /// An argument has the right type but a value that makes no sense (Node's
  /// `ERR_INVALID_ARG_VALUE`, a `TypeError` as Node's own are).
  InvalidArgValue { message: String },
  /// A bug in heapsnap (a panic was caught).
  Panic(String),
  /// This platform cannot do it (`ERR_HEAPSNAP_UNSUPPORTED`).
  #[allow(dead_code)] // only built on platforms without peer credentials
  Unsupported(String),
  /// A system call failed (`ERR_HEAPSNAP_IO`), with the call and the OS error in the message.
  #[allow(dead_code)] // only built on unix
  System(String),
}

pub type Result<T> = std::result::Result<T, Failure>;

impl From<heapsnap_core::Error> for Failure {
  fn from(e: heapsnap_core::Error) -> Failure {
    Failure::Engine(e)
  }
}

impl Failure {
  /// The stable `code` JS sees.
  pub fn code(&self) -> &'static str {
    match self {
      Failure::Engine(e) => match e.kind {
        ErrorKind::Parse => "ERR_HEAPSNAP_PARSE",
        ErrorKind::Cancelled => "ABORT_ERR",
        ErrorKind::Io => "ERR_HEAPSNAP_IO",
        ErrorKind::Memory => "ERR_HEAPSNAP_MEMORY",
        _ => "ERR_HEAPSNAP_INTERNAL",
      },
      Failure::Disposed => "ERR_HEAPSNAP_DISPOSED",
      Failure::Finished => "ERR_HEAPSNAP_STATE",
      Failure::InvalidArgValue { .. } => "ERR_INVALID_ARG_VALUE",
      Failure::Panic(_) => "ERR_HEAPSNAP_INTERNAL",
      Failure::Unsupported(_) => "ERR_HEAPSNAP_UNSUPPORTED",
      Failure::System(_) => "ERR_HEAPSNAP_IO",
    }
  }

  pub fn message(&self) -> String {
    match self {
      Failure::Engine(e) => e.to_string(),
      Failure::Disposed => "the snapshot was disposed".into(),
      Failure::Finished => "the parser is already finished".into(),
      Failure::InvalidArgValue { message } => message.clone(),
      Failure::Panic(msg) => format!("internal error (a bug in heapsnap): {msg}"),
      Failure::Unsupported(msg) | Failure::System(msg) => msg.clone(),
    }
  }

  /// The JS `Error` for this failure: `code`, `message`, and `field`/`offset` when known; an
  /// abort is an `AbortError`, as Node's own are.
  pub fn into_js(self, env: &Env) -> napi::Error {
    match self.build(env) {
      Ok(obj) => napi::Error::from(obj.to_unknown()),
      // the environment could not build an object (it is shutting down): a plain error
      Err(_) => napi::Error::from_reason(self.message()),
    }
  }

  fn build<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>> {
    let plain = napi::Error::from_reason(self.message());
    let error = match self {
      Failure::InvalidArgValue { .. } => JsTypeError::from(plain).into_unknown(*env),
      _ => JsError::from(plain).into_unknown(*env),
    };
    let mut obj = error.coerce_to_object()?;
    obj.set("code", self.code())?;
    if let Failure::Engine(e) = self {
      if e.kind == ErrorKind::Cancelled {
        obj.set("name", "AbortError")?;
      }
      if let Some(field) = e.field_name() {
        obj.set("field", field)?;
      }
      if let Some(offset) = e.offset {
        obj.set("offset", offset as f64)?;
      }
    }
    Ok(obj)
  }
}

/// Runs `f`, turning a panic into [`Failure::Panic`].
pub fn contain<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
  catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| {
    let msg = p
      .downcast_ref::<&str>()
      .map(|s| s.to_string())
      .or_else(|| p.downcast_ref::<String>().cloned())
      .unwrap_or_else(|| "unknown panic".into());
    Err(Failure::Panic(msg))
  })
}

/// Runs `f` on the JS thread: failures and panics become JS errors.
pub fn guard<T>(env: &Env, f: impl FnOnce() -> Result<T>) -> napi::Result<T> {
  contain(f).map_err(|e| e.into_js(env))
}

/// What a task's `compute` (on a worker thread, without an `Env`) keeps of a failure until
/// `reject` (on the JS thread) can build the error.
#[derive(Default)]
pub struct Pending(Option<Failure>);

impl Pending {
  /// Runs `f` contained; on failure keeps it and returns a placeholder for napi-rs.
  pub fn run<T>(&mut self, f: impl FnOnce() -> Result<T>) -> napi::Result<T> {
    contain(f).map_err(|e| {
      let placeholder = napi::Error::from_reason(e.message());
      self.0 = Some(e);
      placeholder
    })
  }
  /// The JS error for the kept failure (or for `err`, napi-rs's own, when there is none).
  pub fn reject<T>(&mut self, env: &Env, err: napi::Error) -> napi::Result<T> {
    Err(match self.0.take() {
      Some(f) => f.into_js(env),
      None => err,
    })
  }
}
