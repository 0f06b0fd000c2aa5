//! Where in the source a node comes from, as an editor shows it: `server.js:42:13`.
//!
//! V8 writes a `locations` record for closures, generator objects and objects whose
//! constructor is a JS function with a script: the script *id* and a 0-based line and column
//! of the function's start. An id means nothing once the process is gone, so the script's name
//! is found in the snapshot itself, the way V8 links them: a closure's `shared` edge leads to its
//! SharedFunctionInfo, whose `script` edge (`script_or_debug_info` before V8 12) leads to the
//! Script, a `code` node named after the script (its path for CommonJS, a `file:` URL for ES
//! modules, `node:internal/…` for Node's own). One closure per script is enough to name every
//! location in that script; the table is built once, on the first question.

use crate::analysis::summary::ClassKey;
use crate::graph::{Graph, Location};
use crate::parse::strings::to_string_lossy;
use rustc_hash::FxHashMap as HashMap;
use std::sync::OnceLock;

/// A source location as editors show it: 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLocation {
  pub script_id: i32,
  /// The script's name as V8 has it (a path, a `file:` URL, `node:…`), or empty when the
  /// snapshot does not name it.
  pub url: String,
  /// 1-based.
  pub line: u32,
  /// 1-based.
  pub column: u32,
}

impl SourceLocation {
  /// From V8's 0-based record; `None` when V8 did not know the line.
  pub fn from_v8(loc: Location, url: String) -> Option<SourceLocation> {
    (loc.line >= 0).then(|| SourceLocation {
      script_id: loc.script_id,
      url,
      line: loc.line as u32 + 1,
      column: loc.column.max(0) as u32 + 1,
    })
  }

  /// The script as a person names it: a file's last path segment (`server.js`), Node's own
  /// modules whole (`node:internal/timers`), or `script #81` when unnamed.
  pub fn file_name(&self) -> String {
    file_name(&self.url, self.script_id)
  }

  /// `server.js:42`, the form reports print.
  pub fn short(&self) -> String {
    format!("{}:{}", self.file_name(), self.line)
  }
}

/// The short name of a script (see [`SourceLocation::file_name`]).
pub fn file_name(url: &str, script_id: i32) -> String {
  if url.is_empty() {
    return format!("script #{script_id}");
  }
  if url.starts_with("node:") {
    return url.to_string();
  }
  let path = url.split(['?', '#']).next().unwrap_or(url);
  let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
  if name.is_empty() {
    url.to_string()
  } else {
    name.to_string()
  }
}

/// Where a script comes from, for telling the program's own code from Node's and its tools'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
  /// The program's own files (not Node's, not under `node_modules`).
  User,
  /// A dependency under `node_modules` (not a test runner).
  Dependency,
  /// Node itself (`node:…`), or a test runner (node:test, jest, vitest, mocha and their parts).
  Machinery,
  /// Unnamed scripts (eval, `vm` without a filename).
  Unknown,
}

/// Packages whose objects are the test runner's own, never the code under test.
const RUNNERS: [&str; 9] = [
  "/node_modules/jest",
  "/node_modules/@jest/",
  "/node_modules/jest-",
  "/node_modules/vitest/",
  "/node_modules/@vitest/",
  "/node_modules/tinypool/",
  "/node_modules/tinyspy/",
  "/node_modules/mocha/",
  "/node_modules/babel-jest/",
];

/// The origin of a script by its name.
pub fn origin(url: &str) -> Origin {
  if url.is_empty() {
    return Origin::Unknown;
  }
  if url.starts_with("[eval]") || url.starts_with("[stdin]") {
    return Origin::User; // `node -e` / `node -` programs
  }
  if url.starts_with("node:") || url.starts_with("internal/") {
    return Origin::Machinery;
  }
  if !url.contains(['/', '\\']) {
    // older Nodes name their own scripts bare (`events.js`); `vm` code may be named anything
    let builtin = url.ends_with(".js")
      && url[..url.len() - 3]
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b == b'_');
    return if builtin {
      Origin::Machinery
    } else {
      Origin::Unknown
    };
  }
  let u = url.replace('\\', "/");
  if RUNNERS.iter().any(|r| u.contains(r)) {
    Origin::Machinery
  } else if u.contains("/node_modules/") {
    Origin::Dependency
  } else {
    Origin::User
  }
}

/// Script names by script id, found once from the snapshot (see the module doc).
#[derive(Debug, Default)]
pub struct Scripts {
  names: OnceLock<HashMap<i32, u32>>,
}

impl Scripts {
  /// The name (string index) of a script id, if the snapshot names it.
  pub fn name_index(&self, g: &Graph, script_id: i32) -> Option<u32> {
    self
      .names
      .get_or_init(|| script_names(g))
      .get(&script_id)
      .copied()
  }

  /// The name of a script id, or "".
  pub fn url(&self, g: &Graph, script_id: i32) -> String {
    self
      .name_index(g, script_id)
      .map(|s| to_string_lossy(g.strings.get(s as usize)))
      .unwrap_or_default()
  }
}

/// The internal edge of `v` called `name`, if any.
pub fn internal_edge(g: &Graph, v: u32, name: &[u8]) -> Option<u32> {
  let internal = g.meta.edge_types.internal;
  g.edges_of(v)
    .find(|&k| g.edge_type[k] == internal && g.strings.get(g.edge_name[k] as usize) == name)
    .map(|k| g.edge_to[k])
}

/// The Script node of a closure (through its SharedFunctionInfo), if the snapshot shows it.
pub fn script_of_closure(g: &Graph, v: u32) -> Option<u32> {
  let shared = internal_edge(g, v, b"shared")?;
  let script =
    internal_edge(g, shared, b"script").or_else(|| internal_edge(g, shared, b"script_or_debug_info"))?;
  // a Script has its source; a DebugInfo in that slot does not
  (g.node_type[script as usize] == g.meta.node_types.code && internal_edge(g, script, b"source").is_some())
    .then_some(script)
}

fn script_names(g: &Graph) -> HashMap<i32, u32> {
  let closure = g.meta.node_types.closure;
  let mut names: HashMap<i32, u32> = HashMap::default();
  let mut failed: HashMap<i32, u8> = HashMap::default();
  for (&v, loc) in g.locations.iter() {
    if g.node_type[v as usize] != closure || names.contains_key(&loc.script_id) {
      continue;
    }
    // a few tries per script: a closure whose function has debug info may not lead there
    let tries = failed.entry(loc.script_id).or_insert(0);
    if *tries >= 8 {
      continue;
    }
    match script_of_closure(g, v) {
      Some(script) => {
        names.insert(loc.script_id, g.node_name[script as usize]);
      }
      None => *tries += 1,
    }
  }
  names
}

/// Where nodes come from: script names (found on first use) and, for snapshots taken with
/// allocation tracking, the allocation trace tree.
#[derive(Debug, Default)]
pub struct Sources {
  pub scripts: Scripts,
  pub allocations: Option<super::allocations::Allocations>,
}

/// The location of a class key (Summary rows of objects split by constructor location).
pub fn key_location(key: ClassKey) -> Option<Location> {
  match key {
    ClassKey::Located(l, _) => Some(l),
    ClassKey::Class(_) => None,
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn file_names_and_origins() {
    assert_eq!(file_name("/srv/app/server.js", 3), "server.js");
    assert_eq!(file_name("file:///srv/app/server.mjs", 3), "server.mjs");
    assert_eq!(file_name("C:\\app\\server.js", 3), "server.js");
    assert_eq!(file_name("node:internal/timers", 3), "node:internal/timers");
    assert_eq!(file_name("", 81), "script #81");
    assert_eq!(origin("/srv/app/server.js"), Origin::User);
    assert_eq!(origin("file:///srv/app/server.mjs"), Origin::User);
    assert_eq!(
      origin("/srv/app/node_modules/winston/lib/winston/logger.js"),
      Origin::Dependency
    );
    assert_eq!(
      origin("/srv/app/node_modules/jest-circus/build/run.js"),
      Origin::Machinery
    );
    assert_eq!(
      origin("file:///srv/app/node_modules/vitest/dist/index.js"),
      Origin::Machinery
    );
    assert_eq!(origin("node:internal/test_runner/test"), Origin::Machinery);
    assert_eq!(origin("events.js"), Origin::Machinery);
    assert_eq!(origin("[eval]"), Origin::User);
    assert_eq!(origin("evalmachine.<anonymous>"), Origin::Unknown);
    assert_eq!(origin(""), Origin::Unknown);
    let loc = SourceLocation::from_v8(
      Location {
        script_id: 7,
        line: 49,
        column: 27,
      },
      "/a/leaky-app.js".into(),
    );
    assert_eq!(loc.as_ref().map(|l| (l.line, l.column)), Some((50, 28)));
    assert_eq!(loc.map(|l| l.short()).as_deref(), Some("leaky-app.js:50"));
    assert!(SourceLocation::from_v8(
      Location {
        script_id: 7,
        line: -1,
        column: -1
      },
      String::new()
    )
    .is_none());
  }
}
