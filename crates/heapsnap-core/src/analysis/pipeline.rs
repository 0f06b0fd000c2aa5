//! The order of the work: open a file, parse it, run DevTools' passes, and account for it.
//!
//! One function per entry point ([`open`] for a file, [`finish`] for a streaming parser,
//! [`analyze`] for what a parser produced),
//! so that every caller (the binding, the examples, the benches, the tests) gets the same
//! phases, the same progress reports on its [`Control`], the same cancellation points and the
//! same [`Timings`]. Passes that only read the graph run two at a time (`rayon::join`): the
//! dominator tree on one core, the shallow sizes and the classes on the other. On graphs small
//! enough that memory is not the limit, the distances and the retainers' slice starts follow
//! there too; on big ones they come after the dominator pass (the memory peak), so that their
//! columns are no part of it.

use super::allocations::Allocations;
use super::locations::Sources;
use super::{classes, distances, dom, dominators, flags, shallow, summary};
use crate::control::{Control, Phase, Step};
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::options::OpenOptions;
use crate::parse::{parse_file, Parsed, StreamParser};
use crate::snapshot::Snapshot;
use crate::types::Distance;
use std::path::Path;
use std::time::Instant;

/// Resident memory of the process at the end of a phase, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory {
  /// Resident set size then.
  pub rss: u64,
  /// The largest resident set size so far (the high-water mark).
  pub peak_rss: u64,
}

impl Memory {
  /// Reads the figures of this process (Linux; `None` elsewhere or when unreadable).
  pub fn now() -> Option<Memory> {
    let st = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb = |key: &str| -> Option<u64> {
      let line = st.lines().find(|l| l.starts_with(key))?;
      line
        .split_whitespace()
        .nth(1)?
        .parse::<u64>()
        .ok()
        .map(|k| k * 1024)
    };
    Some(Memory {
      rss: kb("VmRSS:")?,
      peak_rss: kb("VmHWM:")?,
    })
  }
}

/// How long one phase took, and (when traced) the memory after it.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseTime {
  pub name: &'static str,
  pub ms: f64,
  pub memory: Option<Memory>,
}

/// Milliseconds per phase, in the order they ran. Passes run side by side are listed both
/// on their own (`distances`, `dominators`, `classes`) and as the joint step
/// (`dominators+classes`, `distances+dominated`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timings {
  pub phases: Vec<PhaseTime>,
}

impl Timings {
  /// Milliseconds of the phase called `name`.
  pub fn get(&self, name: &str) -> Option<f64> {
    self.phases.iter().find(|p| p.name == name).map(|p| p.ms)
  }
  fn push(&mut self, name: &'static str, ms: f64, memory: Option<Memory>) {
    self.phases.push(PhaseTime { name, ms, memory });
  }
}

/// Times the phases of one analysis, reading memory after each when asked to.
struct Clock {
  timings: Timings,
  lap: Instant,
  trace_memory: bool,
}

impl Clock {
  fn new(trace_memory: bool) -> Clock {
    Clock {
      timings: Timings::default(),
      lap: Instant::now(),
      trace_memory,
    }
  }
  /// Ends the phase `name` (started at the previous lap).
  fn lap(&mut self, name: &'static str) {
    let memory = if self.trace_memory { Memory::now() } else { None };
    self
      .timings
      .push(name, self.lap.elapsed().as_secs_f64() * 1000.0, memory);
    self.lap = Instant::now();
  }
  /// Records a phase timed elsewhere (one side of a `rayon::join`), with the memory now when
  /// traced.
  fn record(&mut self, name: &'static str, ms: f64) {
    let memory = if self.trace_memory { Memory::now() } else { None };
    self.timings.push(name, ms, memory);
  }
}

/// Gives the pages of memory freed so far back to the system. glibc's allocator keeps freed
/// blocks resident (below the top of its heaps, or once its mmap threshold has risen past our
/// column sizes), so without this the temporaries of the parse and of each pass stay in the
/// resident set: 51 MB of 225 MB at the end of a 152 MB file's analysis. Called where a phase
/// has just dropped its temporaries; each call takes milliseconds.
pub(crate) fn give_back_free_memory() {
  #[cfg(all(target_os = "linux", target_env = "gnu"))]
  {
    extern "C" {
      fn malloc_trim(pad: usize) -> std::os::raw::c_int;
    }
    // SAFETY: glibc's malloc_trim takes each arena's lock and only releases pages of free
    // chunks; it may be called from any thread at any time and touches no live allocation.
    unsafe {
      malloc_trim(0);
    }
  }
}

/// [`give_back_free_memory`] on graphs of more than [`super::SMALL_GRAPH_MAX_NODES`] nodes
/// only. Each call interrupts the other core (pages unmapped from a process are flushed from
/// every core's TLB that ran it: ~90 calls of `madvise` on a 152 MB file), and a small graph is
/// analysed for time: its free memory is given back once, when the analysis is done, on a
/// thread of the pool while the caller goes on.
pub(crate) fn give_back_free_memory_if_big(nodes: usize) {
  if nodes > super::SMALL_GRAPH_MAX_NODES {
    give_back_free_memory();
  }
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
  let t = Instant::now();
  let v = f();
  (v, t.elapsed().as_secs_f64() * 1000.0)
}

/// Parses and analyses a file; `control` sees the phases and the bytes read, and can cancel.
pub fn open(path: &Path, options: &OpenOptions, control: &Control) -> Result<Snapshot> {
  control.set_phase(Phase::Parse);
  let (parsed, parse_ms) = timed(|| parse_file(path, options, control));
  analyze(parsed?, parse_ms, options, control)
}

/// Ends a streaming parse and analyses it; `pushing_ms` is the time spent pushing chunks
/// (part of the parse phase).
pub fn finish(parser: StreamParser, pushing_ms: f64, control: &Control) -> Result<Snapshot> {
  let (parsed, finish_ms) = timed(|| parser.finish());
  analyze(parsed?, pushing_ms + finish_ms, &OpenOptions::default(), control)
}

/// Runs every DevTools pass on a parsed file (`parse_ms`: how long parsing took, for the
/// timings). Only `trace_memory` of `options` matters here.
/// Bytes the analysis allocates beyond the parsed columns, per node and per edge, at its peak
/// (the dominator pass): measured 162 MiB for 1.92 M nodes and 6.37 M edges.
const ANALYSIS_BYTES_PER_NODE: u64 = 64;
const ANALYSIS_BYTES_PER_EDGE: u64 = 8;

/// Fails with an out-of-memory error, instead of an abort of the process part-way, when the
/// memory the analysis will need cannot be had now (an address-space limit): one allocation of
/// that size is made and given back before the passes allocate theirs.
fn room_for_analysis(nodes: u64, edges: u64) -> Result<()> {
  let bytes = nodes * ANALYSIS_BYTES_PER_NODE + edges * ANALYSIS_BYTES_PER_EDGE;
  let mut probe: Vec<u8> = Vec::new();
  probe
    .try_reserve_exact(bytes.min(isize::MAX as u64) as usize)
    .map_err(|_| {
      Error::memory(
        bytes,
        format_args!("the analysis of {nodes} nodes and {edges} edges"),
      )
    })?;
  // the allocation must happen, not be optimised away with the unused vector
  std::hint::black_box(&mut probe);
  Ok(())
}

pub fn analyze(parsed: Parsed, parse_ms: f64, options: &OpenOptions, control: &Control) -> Result<Snapshot> {
  control.set_phase(Phase::Analyze);
  let mut clock = Clock::new(options.trace_memory);
  clock.record("parse", parse_ms);
  let input_bytes = parsed.bytes;
  control.set_step(Step::Graph);
  room_for_analysis(parsed.nodes.ty.len() as u64, parsed.edges.ty.len() as u64)?;
  let mut parsed = parsed;
  let trace_tree = parsed.trace_tree.take();
  let trace_functions = std::mem::take(&mut parsed.trace_function_infos);
  let mut g = Graph::from_parsed(parsed)?;
  give_back_free_memory_if_big(g.node_count); // the parse's buffers
  let sources = Sources {
    scripts: Default::default(),
    allocations: trace_tree.and_then(|t| Allocations::new(t, &trace_functions, &g.strings)),
  };
  drop(trace_functions);
  clock.lap("graph");
  control.check()?;
  control.set_step(Step::Detachedness);
  let detachedness = dom::propagate(&mut g);
  clock.lap("detachedness");
  control.set_step(Step::PageObjects);
  let page = flags::page_objects(&g);
  let has_user_roots = flags::has_user_roots(&g);
  clock.lap("pageObjects");
  control.set_step(Step::EssentialEdges);
  let essential = flags::essential_edges(&g, &page);
  drop(page);
  clock.lap("essentialEdges");
  g.detachedness = None; // the file's column; the propagated states are kept below
  control.check()?;
  // The dominator tree reads the essential edges only: the shallow sizes (which only its
  // retained sizes, at the end, read) and the classes are made beside it, on the other core.
  // They take less than half as long; on a graph small enough that memory is not the limit,
  // the distances, the retainers' slice starts and the Summary's per-class figures follow
  // them there while the dominator pass goes on, at the cost of the distances' column and
  // queue and the retainers' starts (12 bytes a node) at the dominator pass's peak.
  let beside = g.node_count <= super::SMALL_GRAPH_MAX_NODES;
  let timed_distances = |g: &Graph| timed(|| distances::compute(g, &mut flags::EphemeronCache::new(g.strings.len())));
  control.set_step(Step::Dominators);
  let mut interner = classes::Interner::new(g.strings.len());
  let mut interface_names = classes::AddedStrings::new();
  // the shallow sizes, made first on the other core: the dominator pass reads them at its end
  let shallow_sizes = std::sync::OnceLock::new();
  let ((doms, dom_ms), (shallow_ms, ((interfaces, (key_of, keys)), class_ms), early)) = rayon::join(
    || {
      timed(|| {
        let tree = dominators::tree(&g, &essential, Some(control.cancel_flag()))?;
        // the retained sizes at once when the shallow sizes are done (they are, but where the
        // tree took less time than them: then after both)
        Ok(match shallow_sizes.get() {
          Some(self_size) => Ok(tree.sizes(self_size)),
          None => Err(tree),
        })
      })
    },
    || {
      let ((), shallow_ms) = timed(|| {
        let _ = shallow_sizes.set(shallow::redistribute(&g, has_user_roots));
      });
      let classes = timed(|| {
        let mut class = classes::object_classes(&g, &mut interner);
        let interfaces = classes::infer_and_apply_interfaces(&g, &mut class, &mut interface_names, &mut interner);
        let r = (interfaces, summary::key_ids(&g, class, interner.strings()));
        // the interface inference's and the class keys' maps, freed by now, would otherwise
        // stay resident through the dominator pass's peak (up to ~90 MB on a 1 GB file)
        give_back_free_memory_if_big(g.node_count);
        r
      });
      // small graphs: the distances, the retainers' starts (unless the parse counted them) and
      // the Summary's figures but the retained sizes (what they read is made on this thread)
      let early = beside.then(|| {
        let starts = g.first_retainer.is_empty().then(|| timed(|| g.retainer_starts_on_one_thread()));
        let (distance, dist_ms) = timed_distances(&g);
        // same layout (repr(transparent)): the collect reuses the allocation
        let distance: Vec<Distance> = distance.into_iter().map(Distance).collect();
        let (key_of, keys) = &classes.0 .1;
        let self_size = shallow_sizes.get().expect("made first on this thread");
        let totals = timed(|| summary::class_totals(key_of, keys.len(), self_size, &distance));
        (distance, dist_ms, starts, totals)
      });
      (shallow_ms, classes, early)
    },
  );
  let doms: Result<_> = doms; // (the closure's `?` needs the type named)
  let self_size = shallow_sizes.into_inner().expect("made beside the dominator pass");
  drop(essential);
  interner.flush(&mut g.strings);
  give_back_free_memory_if_big(g.node_count); // the dominator pass's and the classes' temporaries
  let (d, sizes_ms) = match doms? {
    Ok(d) => (d, 0.0),
    Err(tree) => timed(|| tree.sizes(&self_size)),
  };
  clock.record("shallowSizes", shallow_ms);
  clock.record("dominators", dom_ms + sizes_ms);
  clock.record("classes", class_ms);
  let total_size = d.retained.get(g.root) + g.meta.extra_native_bytes;
  let class_totals = std::sync::OnceLock::new();
  let ((first_dominated, dominated), distance, statistics) = if let Some((distance, dist_ms, starts, totals)) = early {
    clock.record("distances", dist_ms);
    clock.record("classTotals", totals.1);
    let _ = class_totals.set(totals.0);
    // 0 when the parse counted them (its time is the parse's)
    let retainers_ms = starts.as_ref().map_or(0.0, |s| s.1);
    clock.record("retainers", retainers_ms);
    clock.lap("dominators+classes");
    if let Some((first_retainer, _)) = starts {
      g.first_retainer = first_retainer;
    }
    control.check()?;
    // the dominated lists and the statistics, side by side
    let (dominated, (statistics, statistics_ms)) = rayon::join(
      || dominators::dominated_nodes(&d.dominator, g.root),
      || timed(|| summary::statistics(&g, &self_size, &g.first_retainer, total_size)),
    );
    clock.record("statistics", statistics_ms);
    clock.lap("statistics+dominated");
    (dominated, distance, statistics)
  } else {
    clock.lap("dominators+classes");
    control.check()?;
    // On a big graph the distances only start now: computed after the dominator pass (the
    // memory peak), their column (4 bytes a node) and BFS queue are not part of that peak.
    // The dominated lists are built beside them.
    control.set_step(Step::Distances);
    let (dominated, (distance, dist_ms)) = rayon::join(
      || dominators::dominated_nodes(&d.dominator, g.root),
      || timed_distances(&g),
    );
    give_back_free_memory(); // distances' queue
    clock.record("distances", dist_ms);
    clock.lap("distances+dominated");
    control.check()?;
    // The retainers are read by the statistics and the queries only: built last on a big
    // graph, they are no part of the dominator pass's peak (4 bytes a node)
    control.set_step(Step::Retainers);
    g.build_retainers();
    clock.lap("retainers");
    control.set_step(Step::Statistics);
    let statistics = summary::statistics(&g, &self_size, &g.first_retainer, total_size);
    clock.lap("statistics");
    (dominated, distance.into_iter().map(Distance).collect(), statistics)
  };
  if g.node_count <= super::SMALL_GRAPH_MAX_NODES {
    rayon::spawn(give_back_free_memory);
  }
  control.set_phase(Phase::Done);
  Ok(Snapshot {
    g,
    self_size,
    detachedness,
    dominator: d.dominator,
    retained: d.retained,
    first_dominated,
    dominated,
    distance,
    key_of,
    keys,
    interfaces,
    interface_names,
    has_user_roots,
    total_size,
    statistics,
    by_id: std::sync::OnceLock::new(),
    class_totals,
    timings: clock.timings,
    input_bytes,
    sources,
  })
}
