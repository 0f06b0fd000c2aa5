//! The allocation-tracking `trace_tree`: which call path allocated what, when the snapshot was
//! taken with allocation tracking on (DevTools' "Allocation instrumentation on timeline",
//! `HeapProfiler.startTrackingHeapObjects`, `takeSnapshot({ trackAllocations })`).
//!
//! The section is one nested JSON array: `[id, function_info_index, count, size, [children]]`,
//! where the children list holds the same fields for each child, flat, each followed by its own
//! children list. It can be as deep as the deepest allocation stack, so it is read without
//! recursion, byte by byte and resumable at any byte like the rest of the parser.
//!
//! The bracket structure is checked by the skipper that already walks every unread section
//! (its errors say where the JSON breaks). This reader only extracts the nodes: a section whose
//! shape is not a trace tree (some other producer's, or hostile input) is dropped, never an
//! error, because the snapshot is complete without it.

/// The field names of the two sections, from `snapshot.meta` (V8's own when the header does
/// not name them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceLayout {
  /// `trace_function_info_fields`: function_id, name, script_name, script_id, line, column.
  pub function_fields: Vec<String>,
  /// `trace_node_fields`: id, function_info_index, count, size, children.
  pub node_fields: Vec<String>,
}

impl Default for TraceLayout {
  fn default() -> Self {
    let list = |names: &[&str]| names.iter().map(|s| s.to_string()).collect();
    TraceLayout {
      function_fields: list(&[
        "function_id",
        "name",
        "script_name",
        "script_id",
        "line",
        "column",
      ]),
      node_fields: list(&["id", "function_info_index", "count", "size", "children"]),
    }
  }
}

impl TraceLayout {
  /// The layout a snapshot header declares (the defaults for lists it lacks or garbles).
  pub fn from_header(header: &serde_json::Value) -> TraceLayout {
    let mut layout = TraceLayout::default();
    let list = |key: &str| -> Option<Vec<String>> {
      let items = header.get("meta")?.get(key)?.as_array()?;
      items.iter().map(|v| v.as_str().map(str::to_string)).collect()
    };
    if let Some(f) = list("trace_function_info_fields") {
      layout.function_fields = f;
    }
    if let Some(f) = list("trace_node_fields") {
      layout.node_fields = f;
    }
    layout
  }

  /// Position of a field among a section's fields.
  pub fn position(fields: &[String], name: &str) -> Option<usize> {
    fields.iter().position(|f| f == name)
  }
}

/// The nodes of a trace tree: their scalar fields (`fields` per node, in the file's order) and
/// their parent (`u32::MAX` for the root).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceTree {
  /// The header's field names for this tree and for `trace_function_infos`.
  pub layout: TraceLayout,
  /// Scalar fields per node (4 in every V8: id, function_info_index, count, size).
  pub fields: usize,
  pub values: Vec<u32>,
  pub parent: Vec<u32>,
}

impl TraceTree {
  pub fn len(&self) -> usize {
    self.parent.len()
  }
  pub fn is_empty(&self) -> bool {
    self.parent.is_empty()
  }
}

/// One open children list: the node that owns it (`u32::MAX` for the outermost list) and
/// the scalars of the node being read in it.
#[derive(Debug)]
struct Frame {
  owner: u32,
  scalars: usize,
}

/// Reads a `trace_tree` value fed in pieces; [`finish`](Self::finish) gives the tree, or
/// nothing when the value did not have a trace tree's shape.
#[derive(Debug, Default)]
pub struct TraceTreeReader {
  tree: TraceTree,
  stack: Vec<Frame>,
  /// Scalars of the node being read (before its children list opens).
  pending: Vec<u32>,
  number: Option<u64>,
  started: bool,
  done: bool,
  broken: bool,
}

impl TraceTreeReader {
  pub fn new() -> Self {
    Self::default()
  }

  /// Reads the next bytes of the value (the skipper says where it ends).
  pub fn feed(&mut self, bytes: &[u8]) {
    for &b in bytes {
      if self.broken || self.done {
        return;
      }
      if b.is_ascii_digit() {
        let d = (b - b'0') as u64;
        self.number = Some(self.number.unwrap_or(0).saturating_mul(10).saturating_add(d));
        continue;
      }
      self.end_number();
      match b {
        b'[' => self.open(),
        b']' => self.close(),
        b',' | b' ' | b'\n' | b'\r' | b'\t' => {}
        _ => self.broken = true,
      }
    }
  }

  fn end_number(&mut self) {
    let Some(n) = self.number.take() else { return };
    let Some(frame) = self.stack.last_mut() else {
      self.broken = true;
      return;
    };
    match u32::try_from(n) {
      Ok(n) if frame.scalars == self.pending.len() => {
        self.pending.push(n);
        frame.scalars += 1;
      }
      _ => self.broken = true,
    }
  }

  fn open(&mut self) {
    if !self.started {
      self.started = true;
      self.stack.push(Frame {
        owner: u32::MAX,
        scalars: 0,
      });
      return;
    }
    let Some(frame) = self.stack.last_mut() else {
      self.broken = true;
      return;
    };
    // a children list closes a node's scalars: every node has the same number of them
    let n = frame.scalars;
    if n == 0 || (self.tree.fields != 0 && n != self.tree.fields) {
      self.broken = true;
      return;
    }
    self.tree.fields = n;
    let node = self.tree.parent.len() as u32;
    self.tree.parent.push(frame.owner);
    self.tree.values.append(&mut self.pending);
    frame.scalars = 0;
    self.stack.push(Frame {
      owner: node,
      scalars: 0,
    });
  }

  fn close(&mut self) {
    match self.stack.pop() {
      Some(f) if f.scalars == 0 => {
        if self.stack.is_empty() {
          self.done = true;
        }
      }
      _ => self.broken = true,
    }
  }

  /// The tree, if the value was a complete trace tree.
  pub fn finish(mut self) -> Option<TraceTree> {
    self.end_number();
    (self.done && !self.broken).then_some(self.tree)
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn read(pieces: &[&str]) -> Option<TraceTree> {
    let mut r = TraceTreeReader::new();
    for p in pieces {
      r.feed(p.as_bytes());
    }
    r.finish()
  }

  #[test]
  fn nodes_and_parents_in_any_pieces() {
    let text = "[1,0,0,0,[2,1,3,48,[4,3,1,16,[]],3,2,0,0,[]]]";
    let whole = read(&[text]).expect("a trace tree");
    assert_eq!(whole.fields, 4);
    assert_eq!(whole.parent, vec![u32::MAX, 0, 1, 0]);
    assert_eq!(whole.values[4..8], [2, 1, 3, 48]);
    assert_eq!(whole.values[8..12], [4, 3, 1, 16]);
    for cut in 1..text.len() {
      assert_eq!(
        read(&[&text[..cut], &text[cut..]]).as_ref(),
        Some(&whole),
        "cut at {cut}"
      );
    }
  }

  #[test]
  fn other_shapes_are_dropped_not_errors() {
    assert_eq!(read(&["[[[]]]"]), None);
    assert_eq!(read(&["[1,2,[],3,[]]"]), None, "uneven field counts");
    assert_eq!(read(&["[1,0,0,0,[\"x\"]]"]), None);
    assert_eq!(read(&["[1,0,0,0,[]"]), None, "unfinished");
    assert_eq!(read(&["[99999999999,0,0,0,[]]"]), None, "not a 32-bit value");
    assert_eq!(read(&["[]"]).map(|t| t.len()), Some(0));
  }
}
