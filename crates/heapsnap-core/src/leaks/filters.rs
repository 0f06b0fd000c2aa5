//! Which new-and-surviving objects are reported as leaks: named rules, each with the reason it
//! exists, in one place for every caller (`heapsnap leaks`, `findLeaks`, `assertNoLeak`).
//!
//! Two kinds, by when they apply (the shape of memlab's leak-filter rule list, made for Node):
//! - [`ObjectRule`]s judge each candidate alone, before candidates owned by other candidates
//!   are folded into their owner: what they exclude never owns anything in the report.
//! - [`ReportRule`]s judge each object that would be reported (a candidate no other candidate
//!   owns), with its retainer path: what they exclude is dropped with everything it owns.
//!
//! [`Rules::for_options`] picks the rules a call uses: the object rules always (the system-only
//! one unless `include_system`), the engine-held and template-cache rules always, the
//! ignored-classes rule when classes are given, and the [`Profile::Assertion`] rule for leak
//! assertions in test suites. [`Rules::new`] adds what a rule needs to know about one snapshot:
//! which objects a running function's locals hold ([`StackHeld`]), which the system-only rule
//! keeps (DevTools counts V8's stack roots as system roots, but a `main()` that builds the app
//! in a local variable leaks through them like any module variable).

use super::path::RetainerPath;
use super::LeakOptions;
use crate::analysis::dom::DETACHED;
use crate::snapshot::Snapshot;
use crate::types::Reachability;

/// What a leak search is for; it decides which [`ReportRule`]s apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
  /// Three snapshots of any process (`heapsnap leaks`, `findLeaks`).
  #[default]
  Snapshots,
  /// Objects a function made in this process, judged by `assertNoLeak`: only JS heap objects
  /// count, and caches V8 fills on first use do not.
  Assertion,
}

impl Profile {
  /// The name JS passes (`'snapshots'`, `'assertion'`).
  pub fn name(self) -> &'static str {
    match self {
      Profile::Snapshots => "snapshots",
      Profile::Assertion => "assertion",
    }
  }
  pub fn from_name(name: &str) -> Option<Profile> {
    [Profile::Snapshots, Profile::Assertion]
      .into_iter()
      .find(|p| p.name() == name)
  }
}

/// A rule that judges one candidate alone. `excludes` says the object is not a leak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectRule {
  /// V8's own bookkeeping (hidden objects, internal arrays, code, heap numbers, synthetic
  /// roots, maps): the engine allocates and frees them on its own schedule, and a developer
  /// can do nothing about them. What they hold in JS still shows, through its own objects.
  EngineInternal,
  /// Objects of size zero (after DevTools' redistribution of internal arrays onto their
  /// owner): they cost nothing, and their owner is reported instead.
  Empty,
  /// Held only through weak edges, or by nothing: garbage the next collection frees.
  Unreachable,
  /// Embedder (native) objects, which have even ids derived per snapshot rather than handed
  /// out in allocation order, so "new since the baseline" says nothing about them. They leak
  /// as DOM nodes do, detached, and are kept only then.
  AttachedNative,
  /// Reached only from V8's system roots (handles, compilation caches) while the snapshot has
  /// user roots: the engine holds them, not the program. `include_system` keeps them, and
  /// [`Rules`] keeps those a running function's locals hold ([`StackHeld`]) unless told not to.
  SystemOnly,
  /// Owned (dominated) by code or by a map: allocation-site boilerplates and feedback, and
  /// property-name strings held by descriptor arrays, are V8's, not the app's.
  OwnedByEngine,
}

impl ObjectRule {
  pub const ALL: [ObjectRule; 6] = [
    ObjectRule::EngineInternal,
    ObjectRule::Empty,
    ObjectRule::Unreachable,
    ObjectRule::AttachedNative,
    ObjectRule::SystemOnly,
    ObjectRule::OwnedByEngine,
  ];

  pub fn name(self) -> &'static str {
    match self {
      ObjectRule::EngineInternal => "engine-internal",
      ObjectRule::Empty => "empty",
      ObjectRule::Unreachable => "unreachable",
      ObjectRule::AttachedNative => "attached-native",
      ObjectRule::SystemOnly => "system-only",
      ObjectRule::OwnedByEngine => "owned-by-engine",
    }
  }

  /// Is node `v` of `s` not a leak by this rule?
  pub fn excludes(self, s: &Snapshot, v: u32) -> bool {
    let i = v as usize;
    let nt = &s.g.meta.node_types;
    match self {
      ObjectRule::EngineInternal => {
        let t = s.g.node_type[i];
        [nt.hidden, nt.array, nt.code, nt.number, nt.synthetic].contains(&t)
          || s.type_name(v) == "object shape"
      }
      ObjectRule::Empty => s.self_size.is_zero(v),
      ObjectRule::Unreachable => !s.distance[i].is_reachable(),
      ObjectRule::AttachedNative => s.g.id(v).is_multiple_of(2) && s.detachedness[i] != DETACHED,
      ObjectRule::SystemOnly => s.has_user_roots && s.distance[i].reachability() == Reachability::System,
      ObjectRule::OwnedByEngine => {
        let owner = s.dominator[i];
        s.g.node_type[owner as usize] == nt.code || s.type_name(owner) == "object shape"
      }
    }
  }
}

/// A rule that judges an object about to be reported, with its retainer path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportRule {
  /// Classes the caller names (`ignoreClasses`): known and accepted, so not reported; what
  /// they own is theirs and does not surface as leaks of its own.
  IgnoredClass,
  /// Assertion profile: every embedder object, detached or not. A function under test makes
  /// JS heap objects (odd ids); native memory they hold shows in their retained size.
  NativeObject,
  /// Objects held through V8's template instantiation caches
  /// (`{fast,slow}_template_instantiations_cache` of a native context). V8 caches one
  /// function per native API template on its first instantiation: bounded by the number of
  /// templates, never a leak, but a first use can create a dozen functions at once.
  TemplateCache,
  /// Objects whose retainer path runs through V8's code or object shapes (property names in a
  /// map's descriptors, constants of compiled functions, scope infos, feedback), or through the
  /// engine's per-context caches (`serialized_objects`, `regexp_last_match_info`): the engine
  /// made and keeps them when code first runs or an object shape first appears. The path is
  /// the one shown, which prefers any equally short way through the program's objects.
  EngineHeld,
}

const TEMPLATE_CACHES: [&str; 2] = [
  "fast_template_instantiations_cache",
  "slow_template_instantiations_cache",
];

/// Internal slots of a native context where V8 keeps what it makes on first use.
const ENGINE_CACHES: [&str; 2] = ["serialized_objects", "regexp_last_match_info"];

impl ReportRule {
  pub fn name(self) -> &'static str {
    match self {
      ReportRule::IgnoredClass => "ignored-class",
      ReportRule::NativeObject => "native-object",
      ReportRule::TemplateCache => "template-cache",
      ReportRule::EngineHeld => "engine-held",
    }
  }

  /// Does the rule read the path? (Paths cost a walk; rules that do not need one run first.)
  pub fn needs_path(self) -> bool {
    matches!(self, ReportRule::TemplateCache | ReportRule::EngineHeld)
  }

  /// Is node `v` of `s` not to be reported by this rule? `path` is `v`'s retainer path; rules
  /// that do not [need it](Self::needs_path) accept `None`.
  pub fn excludes(self, s: &Snapshot, v: u32, opts: &LeakOptions, path: Option<&RetainerPath>) -> bool {
    match self {
      ReportRule::IgnoredClass => {
        let name = s.class_name(v);
        opts.ignore_classes.contains(&name)
      }
      ReportRule::NativeObject => s.g.id(v).is_multiple_of(2),
      ReportRule::TemplateCache => path.is_some_and(|p| {
        p.steps
          .iter()
          .any(|st| st.edge_type == "internal" && TEMPLATE_CACHES.contains(&st.edge_name.as_str()))
      }),
      ReportRule::EngineHeld => path.is_some_and(|p| {
        let inner = p.steps.len().saturating_sub(1);
        p.steps[..inner]
          .iter()
          .any(|st| matches!(st.node.node_type.as_str(), "code" | "object shape"))
          || p
            .steps
            .iter()
            .any(|st| st.edge_type == "internal" && ENGINE_CACHES.contains(&st.edge_name.as_str()))
      }),
    }
  }
}

/// The objects a running function's locals hold: reached from V8's `(Stack roots)` over
/// non-weak edges through nodes only the system reaches (what a user root reaches is kept
/// anyway). A script whose `main()` builds its app in a local variable and writes its
/// snapshots from there holds everything through these roots.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StackHeld {
  held: Vec<u64>,
}

impl StackHeld {
  pub fn find(s: &Snapshot) -> StackHeld {
    let g = &s.g;
    let n = g.node_count;
    let mut held = vec![0u64; n.div_ceil(64)];
    let synthetic = g.meta.node_types.synthetic;
    let weak = g.meta.edge_types.weak;
    // (Stack roots) hangs off (GC roots), which hangs off the root
    let mut stack: Vec<u32> = Vec::new();
    for k in g.edges_of(g.root) {
      let sub = g.edge_to[k];
      if g.node_type[sub as usize] != synthetic {
        continue;
      }
      for kk in g.edges_of(sub) {
        let r = g.edge_to[kk];
        if g.node_type[r as usize] == synthetic
          && g.name_bytes(r).to_ascii_lowercase().starts_with(b"(stack roots")
        {
          stack.push(r);
        }
      }
    }
    while let Some(v) = stack.pop() {
      for k in g.edges_of(v) {
        let to = g.edge_to[k];
        let (w, b) = (to as usize / 64, 1u64 << (to % 64));
        if g.edge_type[k] == weak
          || held[w] & b != 0
          || s.distance[to as usize].reachability() != Reachability::System
        {
          continue;
        }
        held[w] |= b;
        stack.push(to);
      }
    }
    StackHeld { held }
  }

  #[inline]
  pub fn contains(&self, v: u32) -> bool {
    self
      .held
      .get(v as usize / 64)
      .is_some_and(|w| w & (1 << (v % 64)) != 0)
  }
}

/// The rules one leak search applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
  pub object: Vec<ObjectRule>,
  pub report: Vec<ReportRule>,
  /// What the system-only rule keeps (see [`StackHeld`]), when the search keeps it.
  pub stack_held: Option<StackHeld>,
}

impl Rules {
  /// The rules for `opts`, without per-snapshot knowledge (see [`Rules::new`]).
  pub fn for_options(opts: &LeakOptions) -> Rules {
    let object = ObjectRule::ALL
      .into_iter()
      .filter(|&r| !(r == ObjectRule::SystemOnly && opts.include_system))
      .collect();
    let mut report = Vec::new();
    if !opts.ignore_classes.is_empty() {
      report.push(ReportRule::IgnoredClass);
    }
    if opts.profile == Profile::Assertion {
      report.push(ReportRule::NativeObject);
    }
    report.extend([ReportRule::TemplateCache, ReportRule::EngineHeld]);
    Rules {
      object,
      report,
      stack_held: None,
    }
  }

  /// The rules for `opts` on snapshot `s`: with the objects a running function holds when the
  /// system-only rule applies and `opts.include_stack` keeps them.
  pub fn new(opts: &LeakOptions, s: &Snapshot) -> Rules {
    let mut r = Rules::for_options(opts);
    if opts.include_stack && s.has_user_roots && r.object.contains(&ObjectRule::SystemOnly) {
      r.stack_held = Some(StackHeld::find(s));
    }
    r
  }

  /// The first object rule that excludes `v`.
  pub fn object_exclusion(&self, s: &Snapshot, v: u32) -> Option<ObjectRule> {
    self.object.iter().copied().find(|&r| {
      r.excludes(s, v)
        && !(r == ObjectRule::SystemOnly && self.stack_held.as_ref().is_some_and(|h| h.contains(v)))
    })
  }

  /// The first report rule that excludes `v` without reading a path.
  pub fn report_exclusion(&self, s: &Snapshot, v: u32, opts: &LeakOptions) -> Option<ReportRule> {
    self
      .report
      .iter()
      .copied()
      .find(|r| !r.needs_path() && r.excludes(s, v, opts, None))
  }

  /// The first report rule that excludes `v` by its path.
  pub fn path_exclusion(
    &self,
    s: &Snapshot,
    v: u32,
    opts: &LeakOptions,
    path: &RetainerPath,
  ) -> Option<ReportRule> {
    self
      .report
      .iter()
      .copied()
      .find(|r| r.needs_path() && r.excludes(s, v, opts, Some(path)))
  }

  /// Do report rules need retainer paths at all?
  pub fn need_paths(&self) -> bool {
    self.report.iter().any(|r| r.needs_path())
  }
}

#[cfg(test)]
mod tests {
  //! Each rule on a tiny graph shaped like a Node heap: the root holds a user root (`global`,
  //! an object) and the synthetic `(GC roots)`, which holds what only the system reaches.
  use super::*;
  use crate::leaks::path::retainer_path;

  /// Nodes: (type, name, id, self size, detachedness); edges: (from, type, name, to).
  fn snapshot(nodes: &[(&str, &str, u64, u64, u8)], edges: &[(usize, &str, &str, usize)]) -> Snapshot {
    let types = [
      "hidden",
      "array",
      "string",
      "object",
      "code",
      "closure",
      "regexp",
      "number",
      "native",
      "synthetic",
      "concatenated string",
      "sliced string",
      "symbol",
      "bigint",
      "object shape",
    ];
    let etypes = [
      "context", "element", "property", "internal", "hidden", "shortcut", "weak",
    ];
    let mut strings: Vec<String> = vec![String::new()];
    let mut index = |s: &str| -> usize {
      strings.iter().position(|x| x == s).unwrap_or_else(|| {
        strings.push(s.to_string());
        strings.len() - 1
      })
    };
    let mut nodes_out = Vec::new();
    for (k, &(t, name, id, size, det)) in nodes.iter().enumerate() {
      let count = edges.iter().filter(|e| e.0 == k).count();
      let t = types.iter().position(|x| *x == t).unwrap();
      nodes_out.push(format!("{t},{},{id},{size},{count},{det}", index(name)));
    }
    let mut sorted: Vec<_> = edges.to_vec();
    sorted.sort_by_key(|e| e.0);
    let edges_out: Vec<String> = sorted
      .iter()
      .map(|&(_, t, name, to)| {
        let ti = etypes.iter().position(|x| *x == t).unwrap();
        let n = if t == "element" || t == "hidden" {
          name.parse().unwrap()
        } else {
          index(name)
        };
        format!("{ti},{n},{}", to * 6)
      })
      .collect();
    let quoted: Vec<String> = strings.iter().map(|s| format!("{s:?}")).collect();
    let text = format!(
      r#"{{"snapshot":{{"meta":{{"node_fields":["type","name","id","self_size","edge_count","detachedness"],"node_types":[{:?},"string","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[{:?},"string_or_number","node"]}}}},"nodes":[{}],"edges":[{}],"strings":[{}]}}"#,
      types,
      etypes,
      nodes_out.join(","),
      edges_out.join(","),
      quoted.join(",")
    );
    Snapshot::from_bytes(text.as_bytes()).unwrap()
  }

  const ROOT: (&str, &str, u64, u64, u8) = ("synthetic", "", 1, 0, 0);
  const GLOBAL: (&str, &str, u64, u64, u8) = ("object", "global", 3, 10, 0);
  const GC_ROOTS: (&str, &str, u64, u64, u8) = ("synthetic", "(GC roots)", 5, 0, 0);
  const FOO: (&str, &str, u64, u64, u8) = ("object", "Foo", 7, 20, 0);

  /// root → global → Foo (a plain app object), root → (GC roots); `extra` hangs off `at`.
  fn with(extra: (&str, &str, u64, u64, u8), at: usize, edge: &str, name: &str) -> Snapshot {
    let mut edges = vec![
      (0, "element", "1", 1),
      (0, "element", "2", 2),
      (1, "property", "foo", 3),
    ];
    edges.push((at, edge, name, 4));
    snapshot(&[ROOT, GLOBAL, GC_ROOTS, FOO, extra], &edges)
  }

  fn object_rule(rule: ObjectRule, s: &Snapshot) -> (bool, bool) {
    (rule.excludes(s, 4), rule.excludes(s, 3))
  }

  #[test]
  fn engine_internal() {
    for t in ["hidden", "array", "code", "number", "object shape"] {
      let s = with((t, "x", 9, 8, 0), 3, "internal", "x");
      assert_eq!(object_rule(ObjectRule::EngineInternal, &s), (true, false), "{t}");
    }
    let s = with(("string", "x", 9, 8, 0), 3, "property", "x");
    assert!(!ObjectRule::EngineInternal.excludes(&s, 4));
  }

  #[test]
  fn empty() {
    let s = with(("object", "Bar", 9, 0, 0), 3, "property", "bar");
    assert_eq!(object_rule(ObjectRule::Empty, &s), (true, false));
  }

  #[test]
  fn unreachable() {
    let s = with(("object", "Bar", 9, 8, 0), 3, "weak", "bar");
    assert_eq!(object_rule(ObjectRule::Unreachable, &s), (true, false));
  }

  #[test]
  fn attached_native() {
    let s = with(("native", "Node / Thing", 10, 8, 1), 3, "internal", "thing");
    assert_eq!(object_rule(ObjectRule::AttachedNative, &s), (true, false));
    let s = with(("native", "Node / Thing", 10, 8, 2), 3, "internal", "thing");
    assert!(
      !ObjectRule::AttachedNative.excludes(&s, 4),
      "detached natives are kept"
    );
  }

  #[test]
  fn system_only() {
    let s = with(("object", "Bar", 9, 8, 0), 2, "element", "1");
    assert_eq!(object_rule(ObjectRule::SystemOnly, &s), (true, false));
    let rules = Rules::for_options(&LeakOptions {
      include_system: true,
      ..Default::default()
    });
    assert!(!rules.object.contains(&ObjectRule::SystemOnly));
  }

  #[test]
  fn owned_by_engine() {
    let code = snapshot(
      &[
        ROOT,
        GLOBAL,
        GC_ROOTS,
        FOO,
        ("code", "f", 9, 8, 0),
        ("object", "Boilerplate", 11, 8, 0),
      ],
      &[
        (0, "element", "1", 1),
        (0, "element", "2", 2),
        (1, "property", "foo", 3),
        (1, "property", "f", 4),
        (4, "internal", "site", 5),
      ],
    );
    assert!(ObjectRule::OwnedByEngine.excludes(&code, 5));
    assert!(!ObjectRule::OwnedByEngine.excludes(&code, 3));
  }

  #[test]
  fn ignored_class() {
    let s = with(("object", "Bar", 9, 8, 0), 3, "property", "bar");
    let opts = LeakOptions {
      ignore_classes: vec!["Bar".into()],
      ..Default::default()
    };
    assert!(ReportRule::IgnoredClass.excludes(&s, 4, &opts, None));
    assert!(!ReportRule::IgnoredClass.excludes(&s, 3, &opts, None));
    assert_eq!(
      Rules::for_options(&opts).report,
      vec![
        ReportRule::IgnoredClass,
        ReportRule::TemplateCache,
        ReportRule::EngineHeld
      ]
    );
  }

  #[test]
  fn native_object() {
    let s = with(("native", "Node / Thing", 10, 8, 2), 3, "internal", "thing");
    let opts = LeakOptions::default();
    assert!(ReportRule::NativeObject.excludes(&s, 4, &opts, None));
    assert!(!ReportRule::NativeObject.excludes(&s, 3, &opts, None));
  }

  #[test]
  fn template_cache() {
    let s = with(
      ("closure", "f", 9, 8, 0),
      3,
      "internal",
      "fast_template_instantiations_cache",
    );
    let opts = LeakOptions::default();
    let held = retainer_path(&s, 4);
    assert!(ReportRule::TemplateCache.excludes(&s, 4, &opts, Some(&held)));
    let plain = retainer_path(&s, 3);
    assert!(!ReportRule::TemplateCache.excludes(&s, 3, &opts, Some(&plain)));
  }

  #[test]
  fn profiles_choose_the_report_rules() {
    assert_eq!(
      Rules::for_options(&LeakOptions::default()).report,
      vec![ReportRule::TemplateCache, ReportRule::EngineHeld]
    );
    let assertion = Rules::for_options(&LeakOptions {
      profile: Profile::Assertion,
      ..Default::default()
    });
    assert_eq!(
      assertion.report,
      vec![
        ReportRule::NativeObject,
        ReportRule::TemplateCache,
        ReportRule::EngineHeld
      ]
    );
    assert_eq!(Profile::from_name("assertion"), Some(Profile::Assertion));
    assert_eq!(Profile::from_name("nope"), None);
  }
}
