//! The analysis cache's entries (`heapsnap_core::cache`): written from a snapshot, read back
//! into one, both off the JS thread. Which file, where and when is JS's business
//! (lib/cache); a read that is not a clean hit resolves to null, never to an error.

use crate::error::{guard, Failure, Pending};
use crate::snapshot::NativeSnapshot;
use crate::tasks::TaskControl;
use heapsnap_core::{cache, Control, Phase, Snapshot};
use napi::bindgen_prelude::{AsyncTask, Env, Task};
use napi_derive::napi;
use std::sync::Arc;

fn key_of(hex: &str) -> crate::error::Result<[u8; 32]> {
  let bad = || Failure::InvalidArgValue {
    message: "The argument 'key' must be 64 hex digits".into(),
  };
  if hex.len() != 64 {
    return Err(bad());
  }
  let mut key = [0u8; 32];
  for (i, b) in key.iter_mut().enumerate() {
    *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16).map_err(|_| bad())?;
  }
  Ok(key)
}

/// The layout version of the entries this engine writes and reads (part of JS's key).
#[napi(catch_unwind)]
pub fn analysis_format_version() -> u32 {
  cache::FORMAT
}

/// Creates `path` readable by its owner only. It must not exist: O_CREAT|O_EXCL also refuses
/// a symbolic link planted there, wherever it points.
fn create_private(path: &str) -> std::io::Result<std::fs::File> {
  let mut o = std::fs::OpenOptions::new();
  o.write(true).create_new(true);
  #[cfg(unix)]
  {
    use std::os::unix::fs::OpenOptionsExt;
    o.mode(0o600);
  }
  o.open(path)
}

pub struct SaveTask {
  s: Arc<Snapshot>,
  path: String,
  key: [u8; 32],
  failure: Pending,
}

impl Task for SaveTask {
  type Output = f64;
  type JsValue = f64;
  fn compute(&mut self) -> napi::Result<f64> {
    let (s, path, key) = (&self.s, &self.path, self.key);
    self.failure.run(|| {
      let io = |e: std::io::Error| {
        Failure::Engine(heapsnap_core::Error::io(format!(
          "cannot write the analysis cache entry {path}: {e}"
        )))
      };
      let file = create_private(path).map_err(io)?;
      let out = std::io::BufWriter::with_capacity(8 << 20, file);
      match cache::save(s, &key, out) {
        Ok(n) => Ok(n as f64),
        Err(e) => {
          let _ = std::fs::remove_file(path);
          Err(io(e))
        }
      }
    })
  }
  fn resolve(&mut self, _env: Env, n: f64) -> napi::Result<f64> {
    Ok(n)
  }
  fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<f64> {
    self.failure.reject(&env, err)
  }
}

/// Writes a snapshot's analysis as a cache entry. A class of its own, holding the analysis
/// rather than the `NativeSnapshot`: a pending write keeps its JS object borrowed, and that must
/// not be the snapshot, which its owner may `dispose()` meanwhile (the memory goes when the
/// write is done).
#[napi]
pub struct AnalysisWriter {
  s: Arc<Snapshot>,
}

#[napi]
impl AnalysisWriter {
  #[napi(constructor, catch_unwind)]
  pub fn new(env: Env, snapshot: &NativeSnapshot) -> napi::Result<Self> {
    Ok(AnalysisWriter {
      s: guard(&env, || snapshot.shared())?,
    })
  }

  /// Writes the entry for `key` to `path` (created 0600; it must not exist); resolves to the
  /// bytes written.
  #[napi(catch_unwind, ts_return_type = "Promise<number>")]
  pub fn save(&self, env: Env, path: String, key: String) -> napi::Result<AsyncTask<SaveTask>> {
    let key = guard(&env, || key_of(&key))?;
    Ok(AsyncTask::new(SaveTask {
      s: self.s.clone(),
      path,
      key,
      failure: Pending::default(),
    }))
  }
}

pub struct LoadTask {
  path: String,
  key: [u8; 32],
  control: Arc<Control>,
  failure: Pending,
}

impl Task for LoadTask {
  type Output = Option<Snapshot>;
  type JsValue = Option<NativeSnapshot>;
  fn compute(&mut self) -> napi::Result<Option<Snapshot>> {
    let (path, key, control) = (&self.path, self.key, self.control.clone());
    self.failure.run(|| {
      let Ok(file) = std::fs::File::open(path) else {
        return Ok(None);
      };
      let Ok(meta) = file.metadata() else {
        return Ok(None);
      };
      if !meta.is_file() {
        return Ok(None);
      }
      let len = meta.len();
      control.set_phase(Phase::Parse);
      control.set_bytes(0, len);
      let progress = {
        let control = control.clone();
        Box::new(move |n: u64| control.set_bytes(n, len))
      };
      let input = std::io::BufReader::with_capacity(8 << 20, file);
      let loaded = cache::load(input, len, &key, Some(progress));
      control.set_phase(Phase::Done);
      match loaded {
        Ok(s) => Ok(Some(s)),
        Err(miss) => {
          if std::env::var_os("HEAPSNAP_DEBUG_CACHE").is_some() {
            eprintln!("heapsnap cache: {path}: {}", miss.0);
          }
          Ok(None)
        }
      }
    })
  }
  fn resolve(&mut self, env: Env, s: Option<Snapshot>) -> napi::Result<Option<NativeSnapshot>> {
    Ok(s.map(|s| NativeSnapshot::wrap(&env, s)))
  }
  fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<Option<NativeSnapshot>> {
    self.failure.reject(&env, err)
  }
}

/// Reads the cache entry at `path` written for `key`: a snapshot, or null when the entry is
/// missing, of another version or file, damaged, or inconsistent.
#[napi(catch_unwind, ts_return_type = "Promise<NativeSnapshot | null>")]
pub fn load_analysis(
  env: Env,
  path: String,
  key: String,
  control: &TaskControl,
) -> napi::Result<AsyncTask<LoadTask>> {
  let key = guard(&env, || key_of(&key))?;
  Ok(AsyncTask::new(LoadTask {
    path,
    key,
    control: control.shared(),
    failure: Pending::default(),
  }))
}
