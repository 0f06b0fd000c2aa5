//! Small value types shared by the passes and the queries.
//!
//! [`Distance`] keeps DevTools' raw number (parity checks compare it as is) but gives it a
//! meaning: DevTools encodes reachability in the value itself (`-5` for nothing reaches it,
//! `100000000 + depth` for "only the system roots reach it"), and every consumer that compared
//! against those sentinels by hand could get it wrong. Here they ask [`Distance::reachability`].

use std::fmt;

/// DevTools' distance of a node from the roots, with its sentinel values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct Distance(pub i32);

impl Distance {
  /// Not reached by the BFS: held only through weak edges, or by nothing.
  pub const UNREACHABLE: Distance = Distance(-5);
  /// Added to the depth of nodes that only V8's system roots reach (when user roots exist).
  pub const BASE_SYSTEM: i32 = 100_000_000;
  /// DevTools' base for unreachable nodes in builds that number them; treated as unreachable.
  pub const BASE_UNREACHABLE: i32 = 200_000_000;

  /// The raw value, as DevTools stores it.
  #[inline]
  pub fn get(self) -> i32 {
    self.0
  }

  /// Reached from some root (user or system) over non-weak edges.
  #[inline]
  pub fn is_reachable(self) -> bool {
    self.reachability() != Reachability::Unreachable
  }

  /// What reaches the node, in one word.
  #[inline]
  pub fn reachability(self) -> Reachability {
    if self.0 < 0 || self.0 >= Self::BASE_UNREACHABLE {
      Reachability::Unreachable
    } else if self.0 >= Self::BASE_SYSTEM {
      Reachability::System
    } else {
      Reachability::User
    }
  }

  /// The depth DevTools would show ("−" for system-only and unreachable nodes).
  pub fn shown(self) -> Option<i32> {
    (self.reachability() == Reachability::User).then_some(self.0)
  }
}

impl fmt::Display for Distance {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match self.shown() {
      Some(d) => write!(f, "{d}"),
      None => f.write_str("−"),
    }
  }
}

/// What keeps a node reachable, as DevTools' distance encodes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Reachability {
  /// Reached from the user roots (in Node: the global object and what it holds). When a
  /// snapshot has no user roots at all, everything the root reaches counts as this.
  User = 0,
  /// Reached only from V8's system roots (handles, compilation cache, …).
  System = 1,
  /// Held only through weak edges, or by nothing.
  Unreachable = 2,
}

impl Reachability {
  /// Every value, in the order of their numbers (for typed-array columns and their names).
  pub const ALL: [Reachability; 3] = [
    Reachability::User,
    Reachability::System,
    Reachability::Unreachable,
  ];

  /// The word JS sees.
  pub fn name(self) -> &'static str {
    match self {
      Reachability::User => "user",
      Reachability::System => "system",
      Reachability::Unreachable => "unreachable",
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn sentinels_classify() {
    assert_eq!(Distance(0).reachability(), Reachability::User);
    assert_eq!(Distance(7).reachability(), Reachability::User);
    assert_eq!(Distance(100_000_000).reachability(), Reachability::System);
    assert_eq!(Distance(100_000_003).reachability(), Reachability::System);
    assert_eq!(Distance(200_000_000).reachability(), Reachability::Unreachable);
    assert_eq!(Distance::UNREACHABLE.reachability(), Reachability::Unreachable);
    assert!(!Distance::UNREACHABLE.is_reachable());
    assert!(Distance(100_000_001).is_reachable());
    assert_eq!(Distance(3).to_string(), "3");
    assert_eq!(Distance(100_000_001).to_string(), "−");
    let names: Vec<_> = Reachability::ALL.iter().map(|r| (*r as u8, r.name())).collect();
    assert_eq!(names, [(0, "user"), (1, "system"), (2, "unreachable")]);
  }
}
