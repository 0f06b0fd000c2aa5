//! Detachedness propagation (DevTools `propagateDOMState`): attached state flows from native
//! nodes to the natives they reach, then detached state to what attached did not reach; every
//! detached native is renamed `Detached <name>`. State never flows through JS objects.

use crate::graph::Graph;
use rustc_hash::FxHashMap as HashMap;

pub const ATTACHED: u8 = 1;
pub const DETACHED: u8 = 2;

/// Returns each node's state (0 unknown, 1 attached, 2 detached) and renames detached nodes.
pub fn propagate(g: &mut Graph) -> Vec<u8> {
  let n = g.node_count;
  let native = g.meta.node_types.native;
  let Some(file) = g.detachedness.as_ref() else {
    // Old snapshots: native nodes already named "Detached ..." are detached; no propagation.
    let mut state = vec![0u8; n];
    for i in 0..n {
      if g.node_type[i] == native && g.strings.get(g.node_name[i] as usize).starts_with(b"Detached ") {
        state[i] = DETACHED;
      }
    }
    return state;
  };
  let mut state: Vec<u8> = file.iter().map(|&d| d & 3).collect();
  let mut visited = vec![false; n];
  let mut attached: Vec<u32> = Vec::new();
  let mut detached: Vec<u32> = Vec::new();
  let mut renamed: HashMap<u32, u32> = HashMap::default();
  let (eh, ew) = (g.meta.edge_types.hidden, g.meta.edge_types.weak);

  let mut process = |g: &mut Graph,
                     state: &mut Vec<u8>,
                     i: usize,
                     s: u8,
                     attached: &mut Vec<u32>,
                     detached: &mut Vec<u32>| {
    if visited[i] {
      return;
    }
    if g.node_type[i] != native {
      visited[i] = true;
      return;
    }
    state[i] = s;
    if s == ATTACHED {
      attached.push(i as u32);
    } else if s == DETACHED {
      let old = g.node_name[i];
      let new = *renamed.entry(old).or_insert_with(|| {
        let mut text = b"Detached ".to_vec();
        text.extend_from_slice(g.strings.get(old as usize));
        g.strings.push(&text)
      });
      g.node_name[i] = new;
      detached.push(i as u32);
    }
    visited[i] = true;
  };
  for i in 0..n {
    let s = state[i];
    if s != 0 {
      process(g, &mut state, i, s, &mut attached, &mut detached);
    }
  }
  while let Some(v) = attached.pop() {
    for k in g.edges_of(v) {
      let t = g.edge_type[k];
      if t == eh || t == ew {
        continue;
      }
      let to = g.edge_to[k] as usize;
      process(g, &mut state, to, ATTACHED, &mut attached, &mut detached);
    }
  }
  while let Some(v) = detached.pop() {
    if state[v as usize] == ATTACHED {
      continue;
    }
    for k in g.edges_of(v) {
      let t = g.edge_type[k];
      if t == eh || t == ew {
        continue;
      }
      let to = g.edge_to[k] as usize;
      process(g, &mut state, to, DETACHED, &mut attached, &mut detached);
    }
  }
  state
}
