//! Cancellation and progress of one running job (opening a file, reading its ids, analysing a
//! streamed snapshot), shared between the thread doing the work and whoever watches it.
//!
//! Only atomics: the worker stores, the watcher (the binding's `TaskControl`, polled from JS
//! every 100 ms for `onProgress`) loads, and nobody waits on a lock. The worker checks
//! [`Control::is_cancelled`] between windows of the file and between analysis passes.

use crate::error::{Error, Result};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};

/// Where a job is. The numbers are stable (the binding reports them to JS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
  /// Not started yet (waiting for a worker thread).
  Queued = 0,
  /// Reading and parsing the text.
  Parse = 1,
  /// Running DevTools' passes on the parsed graph.
  Analyze = 2,
  /// Finished (successfully or not).
  Done = 3,
}

impl Phase {
  /// The phase's name as JS sees it (`onProgress({ phase })`).
  pub fn name(self) -> &'static str {
    match self {
      Phase::Queued => "queued",
      Phase::Parse => "parse",
      Phase::Analyze => "analyze",
      Phase::Done => "done",
    }
  }
  fn from_u8(v: u8) -> Phase {
    match v {
      1 => Phase::Parse,
      2 => Phase::Analyze,
      3 => Phase::Done,
      _ => Phase::Queued,
    }
  }
}

/// The pass running within [`Phase::Analyze`], named as in the timings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Step {
  Graph = 1,
  Detachedness,
  PageObjects,
  EssentialEdges,
  Retainers,
  Distances,
  Dominators,
  Statistics,
}

impl Step {
  const ALL: [Step; 8] = [
    Step::Graph,
    Step::Detachedness,
    Step::PageObjects,
    Step::EssentialEdges,
    Step::Retainers,
    Step::Distances,
    Step::Dominators,
    Step::Statistics,
  ];
  /// The pass's name (the key of its figure in the timings).
  pub fn name(self) -> &'static str {
    match self {
      Step::Graph => "graph",
      Step::Detachedness => "detachedness",
      Step::PageObjects => "pageObjects",
      Step::EssentialEdges => "essentialEdges",
      Step::Retainers => "retainers",
      Step::Distances => "distances",
      Step::Dominators => "dominators",
      Step::Statistics => "statistics",
    }
  }
}

/// A cancellation flag plus progress counters (phase, analysis step, bytes done of total).
#[derive(Debug, Default)]
pub struct Control {
  cancelled: AtomicBool,
  phase: AtomicU8,
  /// `Step as u8`, 0 when no step runs.
  step: AtomicU8,
  done: AtomicU64,
  total: AtomicU64,
}

impl Control {
  pub fn new() -> Control {
    Control::default()
  }

  /// Asks the job to stop at its next check.
  pub fn cancel(&self) {
    self.cancelled.store(true, Ordering::Relaxed);
  }
  pub fn is_cancelled(&self) -> bool {
    self.cancelled.load(Ordering::Relaxed)
  }
  /// `Err(Cancelled)` once [`cancel`](Self::cancel) was called.
  pub fn check(&self) -> Result<()> {
    if self.is_cancelled() {
      Err(Error::cancelled())
    } else {
      Ok(())
    }
  }
  /// The flag itself, for passes that take a plain `&AtomicBool`.
  pub fn cancel_flag(&self) -> &AtomicBool {
    &self.cancelled
  }

  pub fn phase(&self) -> Phase {
    Phase::from_u8(self.phase.load(Ordering::Relaxed))
  }
  pub fn set_phase(&self, p: Phase) {
    self.phase.store(p as u8, Ordering::Relaxed);
    self.step.store(0, Ordering::Relaxed);
  }

  /// The analysis pass running now (only during [`Phase::Analyze`]).
  pub fn step(&self) -> Option<Step> {
    let v = self.step.load(Ordering::Relaxed);
    Step::ALL.into_iter().find(|s| *s as u8 == v)
  }
  pub fn set_step(&self, s: Step) {
    self.step.store(s as u8, Ordering::Relaxed);
  }

  /// Bytes read so far and the input's total size (0 when unknown).
  pub fn bytes(&self) -> (u64, u64) {
    (
      self.done.load(Ordering::Relaxed),
      self.total.load(Ordering::Relaxed),
    )
  }
  pub fn set_bytes(&self, done: u64, total: u64) {
    self.done.store(done, Ordering::Relaxed);
    self.total.store(total, Ordering::Relaxed);
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn cancel_and_progress() {
    let c = Control::new();
    assert_eq!(c.phase(), Phase::Queued);
    assert!(c.check().is_ok());
    c.set_phase(Phase::Parse);
    c.set_bytes(10, 100);
    assert_eq!(
      (c.phase().name(), c.bytes(), c.step()),
      ("parse", (10, 100), None)
    );
    c.set_phase(Phase::Analyze);
    c.set_step(Step::Dominators);
    assert_eq!(c.step().map(Step::name), Some("dominators"));
    c.set_phase(Phase::Done);
    assert_eq!(c.step(), None);
    c.cancel();
    assert_eq!(c.check().unwrap_err().kind, crate::ErrorKind::Cancelled);
  }
}
