//! `NativeSnapshot`: a parsed, analysed snapshot living in native memory, and its queries.
//! Each method asks the engine and converts the answer; after `dispose()` every method fails
//! with `ERR_HEAPSNAP_DISPOSED`.

use crate::convert::{self, id_arg, id_range};
use crate::error::{guard, Failure, Result};
use crate::ids::IdSet;
use crate::memory::{self, release_free_memory};
use crate::types;
use heapsnap_core::parse::strings::utf16_units;
use heapsnap_core::{leaks, Reachability, Snapshot};
use napi::bindgen_prelude::{Env, Float64Array, Int32Array, ObjectFinalize, Uint32Array, Uint8Array};
use napi_derive::napi;
use std::sync::Arc;

/// A snapshot in native memory. V8 is told how much it holds (`memory::external_bytes`) while
/// it lives, and told again when `dispose()` or the GC frees it.
#[napi(custom_finalize)]
pub struct NativeSnapshot {
  inner: Option<Arc<Snapshot>>,
  external: i64,
}

impl NativeSnapshot {
  pub fn wrap(env: &Env, s: Snapshot) -> Self {
    let external = memory::external_bytes(&s);
    memory::report(env, external);
    NativeSnapshot {
      inner: Some(Arc::new(s)),
      external,
    }
  }
  /// Drops the snapshot (once), gives its pages back and tells V8.
  fn release(&mut self, env: &Env) {
    if self.inner.take().is_some() {
      memory::report(env, -std::mem::take(&mut self.external));
      release_free_memory();
    }
  }
  /// The snapshot, unless disposed.
  pub fn get(&self) -> Result<&Snapshot> {
    self.inner.as_deref().ok_or(Failure::Disposed)
  }
  /// The snapshot shared (for work that may outlive this object's `dispose()`), unless disposed.
  pub fn shared(&self) -> Result<Arc<Snapshot>> {
    self.inner.clone().ok_or(Failure::Disposed)
  }
  /// Runs a query on the snapshot (on the JS thread, failures as JS errors).
  fn query<T>(&self, env: &Env, f: impl FnOnce(&Snapshot) -> T) -> napi::Result<T> {
    guard(env, || Ok(f(self.get()?)))
  }
  /// The ordinal of a JS id, if the snapshot has that node.
  fn ordinal(s: &Snapshot, id: f64) -> Option<u32> {
    id_arg(id).and_then(|id| s.ordinal_of(id))
  }
}

impl ObjectFinalize for NativeSnapshot {
  /// The GC collected the JS object: free the snapshot and tell V8.
  fn finalize(mut self, env: Env) -> napi::Result<()> {
    self.release(&env);
    Ok(())
  }
}

impl Drop for NativeSnapshot {
  fn drop(&mut self) {
    if self.inner.take().is_some() {
      release_free_memory();
    }
  }
}

fn edge_rows(rows: Vec<heapsnap_core::snapshot::EdgeInfo>) -> Vec<types::EdgeRow> {
  rows
    .into_iter()
    .map(|e| types::EdgeRow {
      edge_type: e.edge_type,
      name: e.name,
      id: e.other_id as f64,
      ordinal: e.other,
    })
    .collect()
}

#[napi]
impl NativeSnapshot {
  #[napi(getter)]
  pub fn node_count(&self, env: Env) -> napi::Result<f64> {
    self.query(&env, |s| s.node_count() as f64)
  }
  #[napi(getter)]
  pub fn edge_count(&self, env: Env) -> napi::Result<f64> {
    self.query(&env, |s| s.edge_count() as f64)
  }
  #[napi(getter)]
  pub fn total_size(&self, env: Env) -> napi::Result<f64> {
    self.query(&env, |s| s.total_size as f64)
  }
  #[napi(getter)]
  pub fn input_bytes(&self, env: Env) -> napi::Result<f64> {
    self.query(&env, |s| s.input_bytes as f64)
  }
  #[napi(getter)]
  pub fn root_id(&self, env: Env) -> napi::Result<f64> {
    self.query(&env, |s| s.root_id() as f64)
  }
  #[napi(getter)]
  pub fn max_js_object_id(&self, env: Env) -> napi::Result<f64> {
    self.query(&env, |s| s.max_js_object_id() as f64)
  }
  /// What was odd about the input but accepted, as DevTools accepts it.
  #[napi(getter)]
  pub fn warnings(&self, env: Env) -> napi::Result<Vec<String>> {
    self.query(&env, |s| s.warnings().to_vec())
  }
  #[napi(getter)]
  pub fn disposed(&self) -> bool {
    self.inner.is_none()
  }

  /// Milliseconds per analysis phase: [[name, ms], ...]
  #[napi]
  pub fn timings(&self, env: Env) -> napi::Result<Vec<(String, f64)>> {
    self.query(&env, |s| {
      s.timings
        .phases
        .iter()
        .map(|p| (p.name.to_string(), p.ms))
        .collect()
    })
  }

  /// Every phase with its duration and, when opened with `traceMemory`, the memory after it.
  #[napi]
  pub fn phases(&self, env: Env) -> napi::Result<Vec<types::PhaseTiming>> {
    self.query(&env, |s| convert::timings(&s.timings))
  }

  #[napi(catch_unwind)]
  pub fn summary(&self, env: Env) -> napi::Result<Vec<types::SummaryRow>> {
    self.query(&env, |s| {
      s.summary_rows()
        .into_iter()
        .map(|a| {
          let loc = s.key_location(a.key);
          convert::summary_row(a, loc)
        })
        .collect()
    })
  }

  /// Summary of the objects with `minId < id <= maxId` (DevTools' "allocated between snapshots").
  #[napi(catch_unwind)]
  pub fn summary_id_range(&self, env: Env, min_id: f64, max_id: f64) -> napi::Result<Vec<types::SummaryRow>> {
    self.query(&env, |s| match id_range(min_id, max_id) {
      Some(r) => s
        .summary_rows_of_ids(r)
        .into_iter()
        .map(|a| {
          let loc = s.key_location(a.key);
          convert::summary_row(a, loc)
        })
        .collect(),
      None => Vec::new(),
    })
  }

  #[napi(catch_unwind)]
  pub fn statistics(&self, env: Env) -> napi::Result<types::NativeStatistics> {
    self.query(&env, |s| {
      let st = &s.statistics;
      types::NativeStatistics {
        total: st.total as f64,
        native_total: st.native_total as f64,
        typed_arrays: st.typed_arrays as f64,
        v8heap_total: st.v8heap_total as f64,
        code: st.code as f64,
        strings: st.strings as f64,
        js_arrays: st.js_arrays as f64,
        system: st.system as f64,
      }
    })
  }

  #[napi(catch_unwind)]
  pub fn node(&self, env: Env, id: f64) -> napi::Result<Option<types::NodeInfo>> {
    self.query(&env, |s| {
      Self::ordinal(s, id).map(|v| convert::node_info(s.node_info(v)))
    })
  }

  #[napi(catch_unwind)]
  pub fn node_at(&self, env: Env, ordinal: u32) -> napi::Result<Option<types::NodeInfo>> {
    self.query(&env, |s| {
      ((ordinal as usize) < s.node_count()).then(|| convert::node_info(s.node_info(ordinal)))
    })
  }

  /// Ordinal of a node id, or -1.
  #[napi(catch_unwind)]
  pub fn ordinal_of(&self, env: Env, id: f64) -> napi::Result<i64> {
    self.query(&env, |s| Self::ordinal(s, id).map_or(-1, |v| v as i64))
  }

  /// The exact UTF-16 code units of a node's display name (keeps lone surrogates).
  #[napi(catch_unwind)]
  pub fn name_utf16(&self, env: Env, ordinal: u32) -> napi::Result<Vec<u16>> {
    self.query(&env, |s| {
      if ordinal as usize >= s.node_count() {
        return Vec::new();
      }
      utf16_units(&s.display_name_bytes(ordinal)).collect()
    })
  }

  #[napi(catch_unwind)]
  pub fn edges(&self, env: Env, id: f64) -> napi::Result<Option<Vec<types::EdgeRow>>> {
    self.query(&env, |s| Self::ordinal(s, id).map(|v| edge_rows(s.edges(v))))
  }

  #[napi(catch_unwind)]
  pub fn retainers(&self, env: Env, id: f64) -> napi::Result<Option<Vec<types::EdgeRow>>> {
    self.query(&env, |s| Self::ordinal(s, id).map(|v| edge_rows(s.retainers(v))))
  }

  /// Ids of the instances of a class: a class name (`"Foo"`) or a Summary key (`",Foo"`).
  #[napi(catch_unwind)]
  pub fn instances(&self, env: Env, class: String) -> napi::Result<Vec<f64>> {
    self.query(&env, |s| {
      s.instances(&class).into_iter().map(|id| id as f64).collect()
    })
  }

  /// Retainer path of one object (shortest from a root over non-weak edges), or null.
  #[napi(catch_unwind)]
  pub fn retainer_path(&self, env: Env, id: f64) -> napi::Result<Option<types::RetainerPath>> {
    self.query(&env, |s| {
      Self::ordinal(s, id).map(|v| convert::retainer_path(leaks::retainer_path(s, v)))
    })
  }

  /// DevTools' retainers tree of one object, flat in breadth-first order, or null.
  #[napi(catch_unwind)]
  pub fn retainer_tree(
    &self,
    env: Env,
    id: f64,
    options: Option<types::RetainerTreeOptions>,
  ) -> napi::Result<Option<Vec<types::RetainerTreeEntry>>> {
    let limits = convert::tree_limits(options);
    self.query(&env, |s| {
      Self::ordinal(s, id).map(|v| {
        leaks::retainer_tree(s, v, limits)
          .into_iter()
          .map(convert::tree_entry)
          .collect()
      })
    })
  }

  /// The stack that allocated an object, innermost frame first, or null (no allocation
  /// tracking in the snapshot, or allocated before it started).
  #[napi(catch_unwind)]
  pub fn allocation_stack(&self, env: Env, id: f64) -> napi::Result<Option<Vec<types::StackFrame>>> {
    self.query(&env, |s| {
      let v = Self::ordinal(s, id)?;
      Some(s.allocation_stack(v)?.into_iter().map(convert::frame).collect())
    })
  }

  /// Whether the snapshot was taken with allocation tracking (it carries allocation stacks).
  #[napi(getter)]
  pub fn has_allocation_stacks(&self, env: Env) -> napi::Result<bool> {
    self.query(&env, |s| s.has_allocation_stacks())
  }

  /// Strings whose text occurs more than once, by total retained size.
  #[napi(catch_unwind)]
  pub fn duplicated_strings(&self, env: Env, limit: Option<u32>) -> napi::Result<Vec<types::DuplicateGroup>> {
    self.query(&env, |s| {
      let mut groups = heapsnap_core::analysis::dupes::duplicated_strings(s, 5);
      groups.truncate(limit.unwrap_or(u32::MAX) as usize);
      groups.into_iter().map(convert::duplicate_group).collect()
    })
  }

  /// Every per-node number as typed arrays, indexed by ordinal.
  #[napi(catch_unwind)]
  pub fn columns(&self, env: Env) -> napi::Result<types::Columns> {
    self.query(&env, |s| {
      let (class_indexes, class_names) = s.class_table();
      let f64s = |it: &mut dyn Iterator<Item = u64>| Float64Array::new(it.map(|x| x as f64).collect());
      types::Columns {
        ids: f64s(&mut s.ids()),
        types: Uint8Array::new(s.node_types().to_vec()),
        self_sizes: f64s(&mut s.self_size.iter()),
        raw_self_sizes: f64s(&mut s.raw_self_sizes()),
        retained_sizes: f64s(&mut s.retained.iter()),
        distances: Int32Array::new(s.distance.iter().map(|d| d.get()).collect()),
        reachability: Uint8Array::new(s.distance.iter().map(|d| d.reachability() as u8).collect()),
        dominators: Uint32Array::new(s.dominator.clone()),
        class_indexes: Uint32Array::new(class_indexes),
        detachedness: Uint8Array::new(s.detachedness.clone()),
        edge_counts: Uint32Array::new(s.edge_counts().collect()),
        class_names,
        type_names: s.type_names().to_vec(),
        reachability_names: Reachability::ALL.iter().map(|r| r.name().to_string()).collect(),
      }
    })
  }

  /// The snapshot's object ids.
  #[napi(catch_unwind)]
  pub fn id_set(&self, env: Env) -> napi::Result<IdSet> {
    self.query(&env, |s| IdSet::wrap(leaks::IdSet::from_snapshot(s)))
  }

  /// The snapshot's object ids up to `max_id` (inclusive): what existed at an earlier moment
  /// whose last assigned id was `max_id` (ids only grow within one process).
  #[napi(catch_unwind)]
  pub fn id_set_up_to(&self, env: Env, max_id: f64) -> napi::Result<IdSet> {
    let max = id_arg(max_id).unwrap_or(0);
    self.query(&env, |s| {
      let mut set = leaks::IdSet::from_snapshot(s);
      set.ids.retain(|&id| id <= max);
      IdSet::wrap(leaks::IdSet::from_ids(set.ids))
    })
  }

  /// Frees the native memory now (later calls throw).
  #[napi]
  pub fn dispose(&mut self, env: Env) {
    self.release(&env);
  }
}
