//! Which retainer path to show when several are equally short.
//!
//! DevTools' distance fixes a path's length, not the path: an object is often held through
//! several retainers one step closer to the roots, and the first one in the file is as likely
//! to run through Node's own machinery (timer lists, `process._events`, the module loader, a
//! test runner's objects) as through the program. A developer recognises their own code, so
//! among the shortest paths this one is chosen by cost: first fewer nodes from Node or a test
//! runner, then more nodes from the program's own files (by the script of each node's
//! [location](crate::analysis::locations)). Ties keep the retainer DevTools lists first.
//!
//! Each node's best way up is found once (a memo over the distance-layered graph, shared by
//! every path one finder answers), so the leak search pays for the ancestors of its leaks
//! once, not once per leak. Past a budget of explored nodes it falls back to the first
//! retainer, so a pathological graph costs no more than the old single walk.
//!
//! An optional edge filter (memlab's `retainerReferenceFilter`) removes edges from every path
//! it builds; when it removes every shortest way up, the walk takes the closest retainer left.

use super::path::{build_path, RetainerPath};
use crate::analysis::locations::{origin, Origin};
use crate::snapshot::Snapshot;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// Decides whether an edge (edge ordinal, retainer, retained) may be used on a path.
pub type EdgeFilter<'f> = dyn FnMut(&Snapshot, usize, u32, u32) -> bool + 'f;

/// Cost of a path: nodes of Node's machinery, then (negated) nodes of the program's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
struct Cost {
  machinery: u32,
  user: i32,
}

impl Cost {
  const DEAD: Cost = Cost {
    machinery: u32::MAX,
    user: 0,
  };
  fn plus(self, o: Cost) -> Cost {
    Cost {
      machinery: self.machinery.saturating_add(o.machinery),
      user: self.user.saturating_add(o.user),
    }
  }
}

#[derive(Debug, Clone, Copy)]
enum Way {
  /// A root, or a node DevTools puts next to one: the path starts here.
  Start(Cost),
  /// Up through edge `edge` to `src`, for `cost` in all.
  Up { src: u32, edge: u32, cost: Cost },
  /// No shortest way up (filtered, or distances say nothing reaches it).
  Dead,
}

impl Way {
  fn cost(self) -> Cost {
    match self {
      Way::Start(c) | Way::Up { cost: c, .. } => c,
      Way::Dead => Cost::DEAD,
    }
  }
}

/// Nodes explored before the finder stops comparing and takes the first retainer.
const BUDGET: usize = 400_000;

/// Finds retainer paths in one snapshot, remembering what it learnt between paths.
pub struct PathFinder<'a, 'f> {
  s: &'a Snapshot,
  ways: HashMap<u32, Way>,
  origins: HashMap<i32, Origin>,
  filter: Option<&'f mut EdgeFilter<'f>>,
}

impl<'a, 'f> PathFinder<'a, 'f> {
  pub fn new(s: &'a Snapshot) -> Self {
    PathFinder {
      s,
      ways: HashMap::default(),
      origins: HashMap::default(),
      filter: None,
    }
  }

  /// A finder whose paths use only the edges `filter` accepts.
  pub fn with_edge_filter(s: &'a Snapshot, filter: &'f mut EdgeFilter<'f>) -> Self {
    let mut f = PathFinder::new(s);
    f.filter = Some(filter);
    f
  }

  /// Where node `v`'s code comes from: the origin of the script of its location.
  pub fn origin(&mut self, v: u32) -> Origin {
    let s = self.s;
    let Some(loc) = s.g.locations.get(&v) else {
      return Origin::Unknown;
    };
    *self
      .origins
      .entry(loc.script_id)
      .or_insert_with(|| origin(&s.sources.scripts.url(&s.g, loc.script_id)))
  }

  fn own_cost(&mut self, v: u32) -> Cost {
    match self.origin(v) {
      Origin::Machinery => Cost {
        machinery: 1,
        user: 0,
      },
      Origin::User => Cost {
        machinery: 0,
        user: -1,
      },
      _ => Cost::default(),
    }
  }

  fn is_start(&self, v: u32) -> bool {
    let d = self.s.distance[v as usize].get();
    v == self.s.g.root || d == 0 || d == 1
  }

  fn allowed(&mut self, k: usize, src: u32, to: u32) -> bool {
    let s = self.s;
    match self.filter.as_mut() {
      Some(f) => f(s, k, src, to),
      None => true,
    }
  }

  /// Non-weak retainers of `u` one step closer to the roots that the filter accepts, in the
  /// order DevTools lists retainers.
  fn closer(&mut self, u: u32) -> Vec<(u32, u32)> {
    let s = self.s;
    let g = &s.g;
    let weak = g.meta.edge_types.weak;
    let want = s.distance[u as usize].get().wrapping_sub(1);
    let mut out = Vec::new();
    for rk in g.retainers_of(u).rev() {
      let (k, src) = g.retainer(rk);
      if g.edge_type[k] != weak && s.distance[src as usize].get() == want && self.allowed(k, src, u) {
        out.push((src, k as u32));
      }
    }
    out
  }

  /// Finds the best way up for `v` and every node it depends on (post-order, no recursion).
  fn resolve(&mut self, v: u32) {
    if self.ways.contains_key(&v) {
      return;
    }
    let mut pending: HashMap<u32, Vec<(u32, u32)>> = HashMap::default();
    let mut stack = vec![v];
    while let Some(&u) = stack.last() {
      if self.ways.contains_key(&u) {
        stack.pop();
        continue;
      }
      let own = self.own_cost(u);
      if self.is_start(u) {
        self.ways.insert(u, Way::Start(own));
        stack.pop();
        continue;
      }
      let cands = match pending.remove(&u) {
        Some(c) => c,
        None => {
          let c = self.closer(u);
          if self.ways.len() >= BUDGET {
            // over budget: the first retainer, as DevTools lists them
            let way = c
              .first()
              .map_or(Way::Dead, |&(src, edge)| Way::Up { src, edge, cost: own });
            self.ways.insert(u, way);
            stack.pop();
            continue;
          }
          let unknown: Vec<u32> = c
            .iter()
            .map(|&(src, _)| src)
            .filter(|x| !self.ways.contains_key(x))
            .collect();
          if !unknown.is_empty() {
            pending.insert(u, c);
            stack.extend(unknown);
            continue;
          }
          c
        }
      };
      let mut best = Way::Dead;
      for (src, edge) in cands {
        let via = self.ways.get(&src).map_or(Cost::DEAD, |w| w.cost());
        if via == Cost::DEAD {
          continue;
        }
        let cost = own.plus(via);
        if matches!(best, Way::Dead) || cost < best.cost() {
          best = Way::Up { src, edge, cost };
        }
      }
      self.ways.insert(u, best);
      stack.pop();
    }
  }

  /// The retainer path of `v`: shortest, and among the shortest the one through the
  /// program's code; the closest retainers left where no shortest one may be used.
  pub fn path(&mut self, v: u32) -> RetainerPath {
    let (root, rev) = self.walk(v);
    build_path(self.s, v, root, &rev)
  }

  /// The way of [`path`](Self::path) before it is written out: the root where it starts, and
  /// `(edge, node it leads to)` from `v` up to the root's child.
  pub(super) fn walk(&mut self, v: u32) -> (u32, Vec<(usize, u32)>) {
    let s = self.s;
    let g = &s.g;
    let weak = g.meta.edge_types.weak;
    let mut rev: Vec<(usize, u32)> = Vec::new(); // (edge, target) from the leaf upwards
    let mut cur = v;
    let mut seen = HashSet::default();
    seen.insert(cur);
    for _ in 0..1000 {
      self.resolve(cur);
      let way = self.ways.get(&cur).copied().unwrap_or(Way::Dead);
      let (src, k) = match way {
        Way::Start(_) => break,
        Way::Up { src, edge, .. } if !seen.contains(&src) => (src, edge as usize),
        _ => {
          // no shortest way up: the closest non-weak retainer the filter accepts
          let mut best: Option<(i64, u32, usize)> = None;
          let d = s.distance[cur as usize].get() as i64;
          for rk in g.retainers_of(cur).rev() {
            let (k, src) = g.retainer(rk);
            if g.edge_type[k] == weak || seen.contains(&src) {
              continue;
            }
            let ds = s.distance[src as usize].get() as i64;
            let rank = if ds == d - 1 {
              -1
            } else if ds < 0 {
              i64::MAX
            } else {
              ds
            };
            if best.is_none_or(|(r, _, _)| rank < r) && self.allowed(k, src, cur) {
              best = Some((rank, src, k));
              if rank == -1 {
                break;
              }
            }
          }
          let Some((_, src, k)) = best else { break };
          (src, k)
        }
      };
      rev.push((k, cur));
      seen.insert(src);
      cur = src;
    }
    (cur, rev)
  }
}
