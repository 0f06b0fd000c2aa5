//! `IdSet`: the object ids of a snapshot, all that leak finding needs of a baseline or a
//! target (read from a file without building its graph, or taken from a loaded snapshot).

use crate::convert::id_arg;
use heapsnap_core::leaks;
use napi_derive::napi;
use std::sync::Arc;

#[napi]
pub struct IdSet {
  inner: Arc<leaks::IdSet>,
}

impl IdSet {
  pub fn wrap(ids: leaks::IdSet) -> IdSet {
    IdSet { inner: Arc::new(ids) }
  }
  pub fn get(&self) -> &leaks::IdSet {
    &self.inner
  }
  /// The ids shared (for work off the JS thread).
  pub fn shared(&self) -> Arc<leaks::IdSet> {
    self.inner.clone()
  }
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
