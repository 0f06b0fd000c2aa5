//! Allocation stacks: the call path that allocated an object, when the snapshot was taken with
//! allocation tracking on (the `trace_function_infos` and `trace_tree` sections, and each
//! node's `trace_node_id`). DevTools shows the same stack under "Allocation stack" for a
//! selected object: walk from the node's trace node to the root, one frame per trace node.
//!
//! Function infos carry 1-based line and column (0 when unknown), unlike `locations`.

use crate::parse::strings::{to_string_lossy, StringTable};
use crate::parse::trace::{TraceLayout, TraceTree};
use rustc_hash::FxHashMap as HashMap;

/// One function of `trace_function_infos`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceFunction {
  /// String index of the function's name.
  pub name: u32,
  /// String index of the script's name.
  pub script_name: u32,
  pub script_id: i32,
  /// 1-based; 0 when unknown.
  pub line: u32,
  /// 1-based; 0 when unknown.
  pub column: u32,
}

/// One frame of an allocation stack, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
  pub function_name: String,
  pub url: String,
  pub script_id: i32,
  /// 1-based; 0 when unknown.
  pub line: u32,
  /// 1-based; 0 when unknown.
  pub column: u32,
}

impl Frame {
  /// `createSession at sessions.js:12`, the form reports print.
  pub fn short(&self) -> String {
    let name = if self.function_name.is_empty() {
      "(anonymous)"
    } else {
      &self.function_name
    };
    if self.line == 0 {
      return name.to_string();
    }
    let file = super::locations::file_name(&self.url, self.script_id);
    format!("{name} at {file}:{}", self.line)
  }
}

/// The allocation trace tree with its functions, indexed by trace node id.
#[derive(Debug, Clone, Default)]
pub struct Allocations {
  functions: Vec<TraceFunction>,
  /// Per trace node: its function (index into `functions`) and its parent (`u32::MAX` at the root).
  function_of: Vec<u32>,
  parent: Vec<u32>,
  by_id: HashMap<u32, u32>,
}

impl Allocations {
  /// From the parsed sections; `None` when there is no tree or its fields cannot be read.
  /// Indices that point nowhere (strings, functions) are dropped, never trusted.
  pub fn new(tree: TraceTree, infos: &[u32], strings: &StringTable) -> Option<Allocations> {
    let TraceLayout {
      function_fields,
      node_fields,
    } = &tree.layout;
    let fpos = |name: &str| TraceLayout::position(function_fields, name);
    let (Some(fname), Some(fscript), Some(fsid), Some(fline), Some(fcol)) = (
      fpos("name"),
      fpos("script_name"),
      fpos("script_id"),
      fpos("line"),
      fpos("column"),
    ) else {
      return None;
    };
    let stride = function_fields.len();
    let valid_string = |s: u32| if (s as usize) < strings.len() { s } else { 0 };
    let functions: Vec<TraceFunction> = infos
      .chunks_exact(stride.max(1))
      .map(|r| TraceFunction {
        name: valid_string(r[fname]),
        script_name: valid_string(r[fscript]),
        script_id: r[fsid] as i32,
        line: r[fline],
        column: r[fcol],
      })
      .collect();
    let npos = |name: &str| TraceLayout::position(node_fields, name);
    let (Some(nid), Some(nfn)) = (npos("id"), npos("function_info_index")) else {
      return None;
    };
    if tree.is_empty() || nid >= tree.fields || nfn >= tree.fields {
      return None;
    }
    let n = tree.len();
    let mut by_id = HashMap::default();
    let mut function_of = Vec::with_capacity(n);
    for i in 0..n {
      let rec = &tree.values[i * tree.fields..(i + 1) * tree.fields];
      by_id.insert(rec[nid], i as u32);
      function_of.push(if (rec[nfn] as usize) < functions.len() {
        rec[nfn]
      } else {
        u32::MAX
      });
    }
    Some(Allocations {
      functions,
      function_of,
      parent: tree.parent,
      by_id,
    })
  }

  /// The functions of the stack that allocated at trace node `trace_node_id`, innermost
  /// first, without the tree's `(root)`.
  pub fn stack(&self, trace_node_id: u32) -> Vec<TraceFunction> {
    let mut out = Vec::new();
    let Some(&start) = self.by_id.get(&trace_node_id) else {
      return out;
    };
    let mut cur = start;
    // the parent chain ends at the root; the bound guards against a malformed tree
    for _ in 0..self.parent.len() {
      let parent = self.parent[cur as usize];
      if parent == u32::MAX {
        break; // the root is `(root)`, not a frame
      }
      if let Some(f) = self.functions.get(self.function_of[cur as usize] as usize) {
        out.push(*f);
      }
      cur = parent;
    }
    out
  }

  /// A function as a frame (names read from the string table).
  pub fn frame(f: &TraceFunction, strings: &StringTable) -> Frame {
    Frame {
      function_name: to_string_lossy(strings.get(f.name as usize)),
      url: to_string_lossy(strings.get(f.script_name as usize)),
      script_id: f.script_id,
      line: f.line,
      column: f.column,
    }
  }
}
