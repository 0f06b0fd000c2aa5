//! `NativeExplorer`: the paged views the explorer and the MCP server ask for
//! (`heapsnap_core::views`), on a snapshot shared with its `NativeSnapshot`. What is built once
//! per snapshot (the class index, the string search, the duplicated strings) is built off the
//! JS thread and kept; every page after that costs its own length.

use crate::convert::{diff_row, id_arg, js_string, reachability};
use crate::error::{self, guard};
use crate::snapshot::NativeSnapshot;
use crate::tasks::WorkTask;
use crate::types;
use heapsnap_core::analysis::dupes::{self, DuplicateGroup};
use heapsnap_core::diff::DiffRow;
use heapsnap_core::parse::strings::utf16_len;
use heapsnap_core::snapshot::EdgeInfo;
use heapsnap_core::views::{self, ClassIndex, StringSearch};
use heapsnap_core::Snapshot;
use napi::bindgen_prelude::{AsyncTask, Env};
use napi_derive::napi;
use std::sync::{Arc, OnceLock};

/// Characters of a name in a row (the inspector asks for the whole name through `node()`).
const NAME_CHARS: usize = 300;

struct Inner {
  s: Arc<Snapshot>,
  classes: OnceLock<ClassIndex>,
  strings: OnceLock<StringSearch>,
  duplicates: OnceLock<Vec<DuplicateGroup>>,
}

impl Inner {
  fn classes(&self) -> &ClassIndex {
    self.classes.get_or_init(|| views::prepare(&self.s))
  }
  fn strings(&self) -> &StringSearch {
    self.strings.get_or_init(|| StringSearch::new(&self.s))
  }
  fn duplicates(&self) -> &[DuplicateGroup] {
    self
      .duplicates
      .get_or_init(|| dupes::duplicated_strings(&self.s, 5))
  }
  fn ordinal(&self, id: f64) -> Option<u32> {
    id_arg(id).and_then(|id| self.s.ordinal_of(id))
  }
}

/// The paged views of one snapshot.
#[napi]
pub struct NativeExplorer {
  inner: Arc<Inner>,
}

#[napi(object)]
pub struct NodeRow {
  pub id: f64,
  #[napi(js_name = "type")]
  pub node_type: String,
  /// The display name, clipped to 300 characters.
  pub name: String,
  pub class_name: String,
  pub self_size: f64,
  pub retained_size: f64,
  pub distance: i32,
  /// `'user' | 'system' | 'unreachable'`
  pub reachability: String,
}

#[napi(object)]
pub struct NodePage {
  pub total: f64,
  pub rows: Vec<NodeRow>,
}

#[napi(object)]
pub struct EdgeNodeRow {
  #[napi(js_name = "type")]
  pub edge_type: String,
  pub name: String,
  /// The object at the other end (target of a reference, source of a retainer).
  pub node: NodeRow,
}

#[napi(object)]
pub struct EdgePage {
  pub total: f64,
  pub rows: Vec<EdgeNodeRow>,
}

#[napi(object)]
pub struct DuplicateRow {
  /// The text, clipped to 300 characters.
  pub value: String,
  /// The length of the whole text, in UTF-16 units (as JS counts).
  pub value_length: f64,
  pub count: f64,
  pub total_self_size: f64,
  pub total_retained_size: f64,
  pub sample_ids: Vec<f64>,
}

#[napi(object)]
pub struct DuplicatePage {
  pub total: f64,
  pub rows: Vec<DuplicateRow>,
}

fn clip_text(bytes: &[u8]) -> String {
  // A character is at most 4 bytes: clip the bytes first so a huge string costs nothing more.
  let text = js_string(&bytes[..bytes.len().min(NAME_CHARS * 4)]);
  match text.char_indices().nth(NAME_CHARS) {
    Some((at, _)) => text[..at].to_string(),
    None => text,
  }
}

fn node_row(s: &Snapshot, v: u32) -> NodeRow {
  let d = s.distance[v as usize];
  NodeRow {
    id: s.g.id(v) as f64,
    node_type: s.type_name(v).to_string(),
    name: clip_text(&s.display_name_bytes(v)),
    class_name: s.class_name(v),
    self_size: s.self_size.get(v) as f64,
    retained_size: s.retained.get(v) as f64,
    distance: d.get(),
    reachability: reachability(d),
  }
}

fn node_page(s: &Snapshot, (total, page): (usize, &[u32])) -> NodePage {
  NodePage {
    total: total as f64,
    rows: page.iter().map(|&v| node_row(s, v)).collect(),
  }
}

fn edge_page(s: &Snapshot, (total, rows): (usize, Vec<EdgeInfo>)) -> EdgePage {
  EdgePage {
    total: total as f64,
    rows: rows
      .into_iter()
      .map(|e| EdgeNodeRow {
        node: node_row(s, e.other),
        edge_type: e.edge_type,
        name: e.name,
      })
      .collect(),
  }
}

/// A page request from JS: offsets and limits are whole numbers (u32), used as usize.
fn at(x: u32) -> usize {
  x as usize
}

/// One-time work of an explorer, off the JS thread: `work` builds what it needs and answers.
fn work<T: Send + 'static>(
  inner: &Arc<Inner>,
  work: impl FnOnce(&Inner) -> T + Send + 'static,
) -> impl FnOnce() -> error::Result<T> + Send + 'static {
  let inner = inner.clone();
  move || Ok(work(&inner))
}

#[napi]
impl NativeExplorer {
  #[napi(constructor, catch_unwind)]
  pub fn new(env: Env, snapshot: &NativeSnapshot) -> napi::Result<Self> {
    let s = guard(&env, || snapshot.shared())?;
    Ok(NativeExplorer {
      inner: Arc::new(Inner {
        s,
        classes: OnceLock::new(),
        strings: OnceLock::new(),
        duplicates: OnceLock::new(),
      }),
    })
  }

  /// Builds the class index, the id index, the retainers' edges and the string search off the
  /// JS thread (the first queries would otherwise build them); resolves to the class count.
  #[napi(catch_unwind, ts_return_type = "Promise<number>")]
  pub fn prepare(&self) -> AsyncTask<WorkTask<f64, f64>> {
    let classes = work(&self.inner, |inner| {
      inner.strings();
      inner.classes().rows.len() as f64
    });
    WorkTask::start(classes, |n| n)
  }

  /// The Summary rows, by retained size.
  #[napi(catch_unwind)]
  pub fn classes(&self, env: Env) -> napi::Result<Vec<types::SummaryRow>> {
    guard(&env, || {
      Ok(
        self
          .inner
          .classes()
          .rows
          .iter()
          .map(|a| types::SummaryRow {
            key: a.public_key.clone(),
            class_name: a.class_name.clone(),
            count: a.count as f64,
            shallow_size: a.shallow_size as f64,
            retained_size: a.retained_size as f64,
            distance: a.distance.get(),
            reachability: reachability(a.distance),
            location: self.inner.s.key_location(a.key).map(crate::convert::location),
          })
          .collect(),
      )
    })
  }

  /// One page of a class' objects (by Summary key) by retained size, or null for an unknown key.
  #[napi(catch_unwind)]
  pub fn instances(&self, env: Env, key: String, offset: u32, limit: u32) -> napi::Result<Option<NodePage>> {
    let inner = &self.inner;
    guard(&env, || {
      Ok(
        inner
          .classes()
          .instances(&key, at(offset), at(limit))
          .map(|p| node_page(&inner.s, p)),
      )
    })
  }

  /// One page of an object's children in the dominator tree, or null for an unknown id.
  #[napi(catch_unwind)]
  pub fn dominated(&self, env: Env, id: f64, offset: u32, limit: u32) -> napi::Result<Option<NodePage>> {
    let inner = &self.inner;
    guard(&env, || {
      Ok(inner.ordinal(id).map(|v| {
        let (total, page) = views::dominated(&inner.s, v, at(offset), at(limit));
        node_page(&inner.s, (total, &page))
      }))
    })
  }

  /// One page of an object's references, or null for an unknown id.
  #[napi(catch_unwind)]
  pub fn edges(&self, env: Env, id: f64, offset: u32, limit: u32) -> napi::Result<Option<EdgePage>> {
    let inner = &self.inner;
    guard(&env, || {
      Ok(
        inner
          .ordinal(id)
          .map(|v| edge_page(&inner.s, views::edges(&inner.s, v, at(offset), at(limit)))),
      )
    })
  }

  /// One page of an object's retainers (nearest the roots first), or null for an unknown id.
  #[napi(catch_unwind)]
  pub fn retainers(&self, env: Env, id: f64, offset: u32, limit: u32) -> napi::Result<Option<EdgePage>> {
    let inner = &self.inner;
    guard(&env, || {
      Ok(
        inner
          .ordinal(id)
          .map(|v| edge_page(&inner.s, views::retainers(&inner.s, v, at(offset), at(limit)))),
      )
    })
  }

  /// Strings whose text contains `needle` (ASCII case ignored), the first `limit`; off the JS
  /// thread (a search with few hits reads every string).
  #[napi(catch_unwind, ts_return_type = "Promise<Array<NodeRow>>")]
  pub fn search_strings(&self, needle: String, limit: u32) -> AsyncTask<WorkTask<Vec<u32>, Vec<NodeRow>>> {
    let hits = work(&self.inner, move |inner| {
      inner.strings().find(&inner.s, &needle, at(limit))
    });
    let s = self.inner.s.clone();
    WorkTask::start(hits, move |hits| {
      hits.into_iter().map(|v| node_row(&s, v)).collect()
    })
  }

  /// DevTools' Comparison of this snapshot against `base`, off the JS thread.
  #[napi(catch_unwind, ts_return_type = "Promise<Array<DiffRow>>")]
  pub fn compare(&self, base: &NativeExplorer) -> AsyncTask<WorkTask<Vec<DiffRow>, Vec<types::DiffRow>>> {
    let b = base.inner.s.clone();
    let rows = work(&self.inner, move |inner| heapsnap_core::diff::diff(&b, &inner.s));
    WorkTask::start(rows, |rows| rows.into_iter().map(diff_row).collect())
  }

  /// Finds the duplicated strings off the JS thread (once); resolves to how many texts repeat.
  #[napi(catch_unwind, ts_return_type = "Promise<number>")]
  pub fn duplicates(&self) -> AsyncTask<WorkTask<f64, f64>> {
    let count = work(&self.inner, |inner| inner.duplicates().len() as f64);
    WorkTask::start(count, |n| n)
  }

  /// One page of the duplicated strings by total retained size (found on first use).
  #[napi(catch_unwind)]
  pub fn duplicates_page(&self, env: Env, offset: u32, limit: u32) -> napi::Result<DuplicatePage> {
    let inner = &self.inner;
    guard(&env, || {
      let all = inner.duplicates();
      let start = at(offset).min(all.len());
      let end = start.saturating_add(at(limit)).min(all.len());
      Ok(DuplicatePage {
        total: all.len() as f64,
        rows: all[start..end]
          .iter()
          .map(|g| DuplicateRow {
            value: clip_text(&g.value),
            value_length: utf16_len(&g.value) as f64,
            count: g.count as f64,
            total_self_size: g.total_self_size as f64,
            total_retained_size: g.total_retained_size as f64,
            sample_ids: g.sample_ids.iter().map(|&x| x as f64).collect(),
          })
          .collect(),
      })
    })
  }
}
