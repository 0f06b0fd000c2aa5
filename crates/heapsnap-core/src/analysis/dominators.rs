//! Dominator tree and retained sizes, with DevTools' answer on every graph, malformed ones
//! included (orphans held only by weak edges, cycles nobody reaches).
//!
//! DevTools numbers the nodes by a DFS from the root over essential edges, then by a DFS from
//! each orphan (a node whose retainers are all non-essential) in node order, then numbers every
//! node still unvisited on its own, parented by the root; and runs Lengauer–Tarjan ("simple"
//! variant: path compression, naive link) on that numbering, an orphan's semidominator being the
//! root. We number the same way, then work in *DFS-number space*: every per-vertex array is
//! indexed by DFS number, so a vertex sits next to its tree parent and the ancestor walks of
//! `eval` stay within few cache lines, and the only lookups by node ordinal are the retainers.
//!
//! When every node was reached by the two DFS passes (real snapshots), the numbering is a DFS of
//! the graph made of the essential edges plus an edge from the root to each orphan, and the
//! dominator tree of that graph is unique: we compute it with semi-NCA (semidominators by
//! path-compressed `eval`, then each immediate dominator as the nearest common ancestor walk
//! `idom(w) = idom(idom(w))` while above `semi(w)`), which needs no buckets and fewer arrays.
//! When some nodes were left for the third step, DevTools' Lengauer–Tarjan still gives those a
//! defined answer that no graph's true dominator tree need match, so we replay it step for step
//! (same numbering, same order; only the indices are renamed).
//!
//! Everything is iterative (no recursion) and the arrays are `u32`.

use super::flags::bit;
use super::prefetch;
use crate::error::{Error, Result};
use crate::graph::{Graph, Sizes};
use std::sync::atomic::{AtomicBool, Ordering};

pub struct Dominators {
  /// Immediate dominator ordinal of every node (the root dominates itself).
  pub dominator: Vec<u32>,
  /// Retained size of every node (4 bytes a node; the rare ones of 4 GiB and more exact in a
  /// side table).
  pub retained: Sizes,
}

/// Per-vertex state of Lengauer–Tarjan, kept together so that `eval`'s walks up the ancestor
/// chain touch one cache line per vertex instead of four. Indexed by DFS number (1-based; 0 =
/// none).
#[derive(Clone, Copy, Default)]
#[repr(C)]
struct Vx {
  semi: u32,
  label: u32,
  ancestor: u32,
  /// DFS-tree parent, reused as the bucket link once it is read for the last time.
  parent: u32,
}

/// DevTools' DFS numbering, in both directions.
struct Numbering {
  /// DFS number → node ordinal (`vertex[0]` unused); made from `num` where it is read (the
  /// numbering does not need it).
  vertex: Vec<u32>,
  /// Node ordinal → DFS number.
  num: Vec<u32>,
  /// DFS number → the tree parent's number (0 for the root).
  parent: Vec<u32>,
  /// The essential retainers of the vertices numbered 2 and up, other than the edge the DFS
  /// reached each by: per block of [`BLOCK`] numbers, as the DFS met them.
  preds: Vec<Preds>,
  /// Nodes numbered on their own in the third step (not reached by any DFS).
  leftovers: usize,
}

fn check(cancel: Option<&AtomicBool>) -> Result<()> {
  match cancel {
    Some(c) if c.load(Ordering::Relaxed) => Err(Error::cancelled()),
    _ => Ok(()),
  }
}

/// Numbers the nodes as DevTools does: DFS from the root over essential edges (children in edge
/// order); then a DFS from each unvisited orphan in node order, parented by the root; then every
/// node still unvisited, alone, parented by the root. Iterative: the stack holds the DFS path.
///
/// The DFS meets every essential edge of the nodes it numbers once, with both ends' numbers at
/// hand (a target not numbered yet becomes the next child): every other edge met is noted, as
/// (source's number, target's number), in the block of its target's number ([`Preds`]): the
/// predecessor lists the semidominator loop reads, written in the order the edges are met (no
/// pass of their own, no count per vertex).
fn number(g: &Graph, essential: &[u64]) -> Result<Numbering> {
  let n = g.node_count;
  let mut nb = Numbering {
    vertex: Vec::new(),
    // read before it is written, at random: see written_zeros
    num: super::written_zeros(n),
    parent: vec![0u32; n + 1],
    preds: (0..(n + 1).div_ceil(BLOCK)).map(|_| Preds::default()).collect(),
    leftovers: 0,
  };
  let mut count = 0u32;
  let visit = |nb: &mut Numbering, count: &mut u32, o: u32, parent: u32| {
    *count += 1;
    let i = *count;
    nb.num[o as usize] = i;
    nb.parent[i as usize] = parent;
    i
  };
  // (node, next edge to look at, the node's number)
  let mut stack: Vec<(u32, u32, u32)> = Vec::new();
  let mut dfs = |nb: &mut Numbering, count: &mut u32, start: u32, parent: u32| -> Result<()> {
    let i = visit(nb, count, start, parent);
    stack.push((start, g.first_edge[start as usize], i));
    while let Some(top) = stack.last_mut() {
      let (v, ref mut k, vi) = *top;
      let end = g.first_edge[v as usize + 1];
      let mut next = None;
      while *k < end {
        let e = *k as usize;
        *k += 1;
        if let Some(&t) = g.edge_to.get(e + 4) {
          prefetch(nb.num.as_ptr().wrapping_add(t as usize));
        }
        if bit(essential, e) {
          let w = g.edge_to[e];
          let wi = nb.num[w as usize];
          if wi == 0 {
            next = Some(w);
            break;
          }
          if wi >= 2 {
            nb.preds[wi as usize / BLOCK].push(vi, (wi as usize % BLOCK) as u16, &mut Vec::new())?;
          }
        }
      }
      match next {
        Some(w) => {
          let wi = visit(nb, count, w, vi);
          stack.push((w, g.first_edge[w as usize], wi));
        }
        None => {
          stack.pop();
        }
      }
    }
    Ok(())
  };
  dfs(&mut nb, &mut count, g.root, 0)?;
  if (count as usize) < n {
    let held = essentially_retained(g, essential);
    for o in 0..n as u32 {
      if nb.num[o as usize] == 0 && !bit(&held, o as usize) {
        dfs(&mut nb, &mut count, o, 1)?;
      }
    }
  }
  if (count as usize) < n {
    for o in 0..n as u32 {
      if nb.num[o as usize] == 0 {
        visit(&mut nb, &mut count, o, 1);
        nb.leftovers += 1;
      }
    }
  }
  Ok(nb)
}

/// Vertices per block of the predecessor lists (small in the tests, so that their graphs have
/// many blocks and big groups).
const BLOCK: usize = if cfg!(test) { 1 << 4 } else { 1 << 16 };

/// Pairs per chunk of a block's predecessor lists.
const CHUNK: usize = if cfg!(test) { 1 << 6 } else { 1 << 16 };

/// The predecessors noted for one block of [`BLOCK`] vertices: (retainer's number, vertex's
/// number % BLOCK) pairs, 6 bytes each, in chunks of [`CHUNK`] pairs (the retainers, then the
/// vertices' low 16 bits), each chunk its own anonymous mapping: its pages become resident as
/// they are written and go back to the system when it is dropped (the allocator, given the
/// same blocks, kept many of them resident after they were freed, and the pass's memory peak
/// depends on giving them back while the next ones are written).
struct Preds {
  chunks: Vec<Pages>,
  /// Pairs in the last chunk (CHUNK when there is none).
  last: usize,
  /// Where the last chunk's two columns start.
  from: *mut u32,
  low: *mut u16,
}

// SAFETY: the raw pointers point into the chunks `Preds` owns (anonymous mappings, which do
// not move); a `Preds` is used by one thread at a time.
unsafe impl Send for Preds {}

impl Default for Preds {
  fn default() -> Preds {
    Preds {
      chunks: Vec::new(),
      last: CHUNK,
      from: std::ptr::null_mut(),
      low: std::ptr::null_mut(),
    }
  }
}

impl Preds {
  /// Notes the pair (`from`, `low`); a new chunk is taken from `spare` when there is one.
  #[inline]
  fn push(&mut self, from: u32, low: u16, spare: &mut Vec<Pages>) -> Result<()> {
    if self.last == CHUNK {
      self.next_chunk(spare)?;
    }
    // SAFETY: `last` < CHUNK, and the columns are CHUNK long (see `next_chunk`).
    unsafe {
      self.from.add(self.last).write(from);
      self.low.add(self.last).write(low);
    }
    self.last += 1;
    Ok(())
  }
  #[cold]
  fn next_chunk(&mut self, spare: &mut Vec<Pages>) -> Result<()> {
    let mut c = match spare.pop() {
      Some(c) => c,
      None => Pages::zeroed(CHUNK + CHUNK / 2)?,
    };
    // the retainers, CHUNK u32, then the low bits, CHUNK u16 (in CHUNK / 2 u32); the mapping
    // stays where it is when the `Pages` moves
    let p = c.get_mut().as_mut_ptr();
    self.from = p;
    // SAFETY: within the mapping (CHUNK + CHUNK / 2 u32), u16-aligned.
    self.low = unsafe { p.add(CHUNK) } as *mut u16;
    self.chunks.push(c);
    self.last = 0;
    Ok(())
  }
  /// The pairs of each chunk, (retainers, low bits).
  fn parts(&self) -> impl Iterator<Item = (&[u32], &[u16])> {
    let k = self.chunks.len();
    self.chunks.iter().enumerate().map(move |(i, c)| {
      let len = if i + 1 == k { self.last } else { CHUNK };
      let (from_col, low_col) = split(c);
      (&from_col[..len], &low_col[..len])
    })
  }
  fn len(&self) -> usize {
    match self.chunks.len() {
      0 => 0,
      k => (k - 1) * CHUNK + self.last,
    }
  }
}

/// A zeroed column of `u32` in its own anonymous mapping: its pages become resident when
/// written and go back to the system when it is dropped.
struct Pages {
  map: memmap2::MmapMut,
  len: usize,
}

impl Pages {
  fn zeroed(len: usize) -> Result<Pages> {
    let bytes = len * std::mem::size_of::<u32>();
    let map = memmap2::MmapMut::map_anon(bytes.max(1))
      .map_err(|_| Error::memory(bytes as u64, "the dominator pass's predecessor lists"))?;
    Ok(Pages { map, len })
  }
  fn get(&self) -> &[u32] {
    // SAFETY: the mapping is page-aligned, `len` numbers long and zero-initialised.
    unsafe { std::slice::from_raw_parts(self.map.as_ptr() as *const u32, self.len) }
  }
  fn get_mut(&mut self) -> &mut [u32] {
    // SAFETY: as in `get`, borrowed mutably through `self`.
    unsafe { std::slice::from_raw_parts_mut(self.map.as_mut_ptr() as *mut u32, self.len) }
  }
}

/// Pairs a group may have and still be sorted at once (the sort's list is 4 bytes a pair), on
/// graphs of more than [`SORT_IN_ONE_STEP_MAX_NODES`] nodes.
const SORT_AT_ONCE: usize = if cfg!(test) { 4 } else { 1 << 20 };

/// Graphs up to this many nodes sort each block's pairs at once, however many: the pairs and
/// the sorted list are then resident together (10 bytes a pair; 35 MB for the 3.5 M pairs of
/// a 152 MB file's first block), where the split holds little more than the pairs; but the
/// split's copy into 256 groups, each in pages of its own, took 2.5 times as long (37 against
/// 15 ms there). The tests' graphs take both ways.
const SORT_IN_ONE_STEP_MAX_NODES: usize = if cfg!(test) { 30 } else { super::SMALL_GRAPH_MAX_NODES };

/// A group of pairs too big to sort at once is split into `1 << SPLIT` groups by vertex.
const SPLIT: u32 = if cfg!(test) { 2 } else { 8 };

/// Consecutive vertices' predecessor lists, sorted by vertex, the highest first:
/// `list[start[hi - w]..start[hi - w + 1]]` are the retainers of `w` (4 bytes each).
struct Sorted {
  lo: usize,
  hi: usize,
  start: Vec<u32>,
  list: Pages,
}

/// Sorts the pairs `preds` of the vertices `first + l`, `l` in `lows..lows + (1 << shift)`
/// (`first` a multiple of [`BLOCK`], `lows` of `1 << shift`), within `2..=count`, by vertex,
/// into runs, the highest vertices first; `preds` is given back (unmapped) as it is read.
///
/// Up to `at_once` pairs are one counting sort; more are first split by vertex into
/// `1 << SPLIT` groups (the pairs copied, each chunk given back once read, so that a block
/// whose vertices have most of the graph's retainers (the first numbers often do) needs no
/// second copy of them), and so on. The split and the groups' sorts run on every thread (the
/// chunks dealt out, each thread splitting its own; a group's pairs then come from several).
fn sort_group(first: usize, lows: usize, shift: u32, count: usize, preds: Vec<Preds>, at_once: usize) -> Result<Vec<Sorted>> {
  use rayon::prelude::*;
  let (lo, hi) = (
    (first + lows).max(2),
    (first + lows + (1 << shift) - 1).min(count),
  );
  if lo > hi {
    return Ok(Vec::new());
  }
  if preds.iter().map(Preds::len).sum::<usize>() > at_once && shift > 0 {
    let sub = shift.saturating_sub(SPLIT);
    let ways = 1usize << (shift - sub);
    let mut chunks: Vec<(Pages, usize)> = Vec::new();
    for p in preds {
      let Preds { chunks: cs, last, .. } = p;
      let k = cs.len();
      chunks.extend(
        cs.into_iter()
          .enumerate()
          .map(|(i, c)| (c, if i + 1 == k { last } else { CHUNK })),
      );
    }
    let per = chunks.len().div_ceil(rayon::current_num_threads().max(1)).max(1);
    let mut dealt: Vec<Vec<(Pages, usize)>> = Vec::new();
    while !chunks.is_empty() {
      dealt.push(chunks.split_off(chunks.len().saturating_sub(per)));
    }
    let split_up: Vec<Vec<Preds>> = dealt
      .into_par_iter()
      .map(|mine| {
        let mut parts: Vec<Preds> = (0..ways).map(|_| Preds::default()).collect();
        // each chunk read is the next one written to (its pages resident already)
        let mut spare = Vec::new();
        for (c, len) in mine {
          let (from, l) = split(&c);
          for (&u, &l) in from[..len].iter().zip(&l[..len]) {
            parts[(l as usize - lows) >> sub].push(u, l, &mut spare)?;
          }
          spare.push(c);
        }
        Ok(parts) // the spare chunks left are unmapped
      })
      .collect::<Result<_>>()?;
    let mut groups: Vec<Vec<Preds>> = (0..ways).map(|_| Vec::new()).collect();
    for parts in split_up {
      for (k, p) in parts.into_iter().enumerate() {
        if p.len() > 0 {
          groups[k].push(p);
        }
      }
    }
    let sorted: Vec<Vec<Sorted>> = groups
      .into_par_iter()
      .enumerate()
      .map(|(k, g)| sort_group(first, lows + (k << sub), sub, count, g, at_once))
      .collect::<Result<_>>()?;
    return Ok(sorted.into_iter().rev().flatten().collect());
  }
  // counting sort: each vertex's count becomes the end of its slice, which the fill moves down
  // to its start
  let key = |l: u16| hi - (first + l as usize);
  let mut start = vec![0u32; hi - lo + 2];
  for (_, l) in preds.iter().flat_map(Preds::parts) {
    for &l in l {
      start[key(l)] += 1;
    }
  }
  let mut acc = 0u32;
  for s in start.iter_mut() {
    acc += *s;
    *s = acc;
  }
  let mut list = Pages::zeroed(acc as usize)?;
  let to = list.get_mut();
  for (from, l) in preds.iter().flat_map(Preds::parts) {
    for (&u, &l) in from.iter().zip(l) {
      let s = &mut start[key(l)];
      *s -= 1;
      to[*s as usize] = u;
    }
  }
  Ok(vec![Sorted { lo, hi, start, list }])
}

/// The semidominator loop's state.
struct Loop<'a> {
  parent: &'a [u32],
  /// forest[v] = [ancestor, smallest semi on the path from v up to its ancestor]
  forest: Vec<[u32; 2]>,
  semi: Vec<u32>,
  path: Vec<u32>,
}

impl Loop<'_> {
  /// The loop over the vertices of a run, highest first.
  fn run(&mut self, r: &Sorted) {
    let list = r.list.get();
    let mut j = 0;
    for w in (r.lo..=r.hi).rev() {
      let end = r.start[r.hi - w + 1] as usize;
      let p = self.parent[w];
      let mut s = p;
      while j < end {
        let v = list[j];
        if let Some(&ahead) = list.get(j + 8) {
          prefetch(self.forest.as_ptr().wrapping_add(ahead as usize));
        }
        j += 1;
        s = s.min(if v > w as u32 {
          eval_snca(v, w as u32, &mut self.forest, &mut self.path)
        } else {
          v
        });
      }
      self.semi[w] = s;
      self.forest[w] = [p, s]; // link w under its tree parent
    }
  }
}

/// A chunk's two columns: the retainers and the vertices' low bits.
fn split(c: &Pages) -> (&[u32], &[u16]) {
  let (from_col, low_col) = c.get().split_at(CHUNK);
  // SAFETY: the second part holds CHUNK / 2 u32 = CHUNK u16, aligned (u32 alignment).
  let low_col = unsafe { std::slice::from_raw_parts(low_col.as_ptr() as *const u16, CHUNK) };
  (from_col, low_col)
}

/// Semi-NCA on the numbering; returns the immediate dominator's number per DFS number.
///
/// Vertices are processed in decreasing DFS number, so a vertex is linked into the forest
/// exactly when its number is above the current one: that answers "is it linked?" without a
/// load, and the forest needs only (ancestor, best semi on the compressed path) per vertex, 8
/// bytes. A vertex's semidominator is the smallest of its tree parent, its retainers numbered
/// below it, and `eval` of those above it. The semidominators are then turned into immediate
/// dominators in place.
///
/// Memory: the predecessor lists, noted by the numbering block by block, are sorted one block
/// at a time as the loop reaches it and given back once read, while the forest fills;
/// `nb.vertex` is made from `nb.num` at the end.
fn semi_nca(nb: &mut Numbering, at_once: usize, cancel: Option<&AtomicBool>) -> Result<(Vec<u32>, Scratch)> {
  let count = nb.num.len();
  super::pipeline::give_back_free_memory_if_big(count); // the numbering's stack
  check(cancel)?;
  let mut preds = std::mem::take(&mut nb.preds);
  let shift = BLOCK.trailing_zeros();
  // blocks of many pairs are sorted before the forest fills: their lists, 4 bytes a pair
  // instead of 6, are what stays of the pairs while the loop runs (the first numbers' blocks,
  // read last, often hold most of them)
  let mut early: Vec<Vec<Sorted>> = Vec::new();
  for (b, p) in preds.iter_mut().enumerate() {
    early.push(if p.len() > at_once {
      sort_group(b * BLOCK, 0, shift, count, vec![std::mem::take(p)], at_once)?
    } else {
      Vec::new()
    });
  }
  check(cancel)?;
  let mut lp = Loop {
    parent: &nb.parent,
    forest: vec![[0u32; 2]; count + 1],
    semi: vec![0u32; count + 1],
    path: Vec::new(),
  };
  for b in (0..preds.len()).rev() {
    check(cancel)?;
    let mut runs = std::mem::take(&mut early[b]);
    if runs.is_empty() {
      runs = sort_group(b * BLOCK, 0, shift, count, vec![std::mem::take(&mut preds[b])], at_once)?;
    }
    for r in runs {
      lp.run(&r);
    } // each run given back (unmapped) once read
  }
  let semi = std::mem::take(&mut lp.semi);
  let forest = std::mem::take(&mut lp.forest);
  drop(lp);
  super::pipeline::give_back_free_memory_if_big(count);
  check(cancel)?;
  // idom(w) = parent(w), raised while it lies below semi(w); the idoms of smaller numbers are
  // final by then, so idom overwrites semi in place.
  let mut idom = semi;
  if count >= 1 {
    idom[1] = 1;
  }
  for w in 2..=count {
    let s = idom[w];
    let mut d = nb.parent[w];
    while d > s {
      d = idom[d as usize];
    }
    idom[w] = d;
  }
  nb.vertex = vertices(&nb.num);
  let scratch = Scratch {
    pairs: forest,
    parent: std::mem::take(&mut nb.parent),
    num: std::mem::take(&mut nb.num),
  };
  Ok((idom, scratch))
}

/// `eval` of semi-NCA for a linked vertex `v` (numbered above `cur`): the smallest semi on the
/// path from `v` up to the root of its tree, compressing the path on the way.
#[inline]
fn eval_snca(v: u32, cur: u32, forest: &mut [[u32; 2]], path: &mut Vec<u32>) -> u32 {
  let [a, best] = forest[v as usize];
  if a <= cur {
    return best; // v's ancestor is the root of its tree (not linked)
  }
  path.clear();
  let mut x = v;
  let mut ax = a;
  while ax > cur {
    path.push(x);
    x = ax;
    ax = forest[x as usize][0];
  }
  // x is the topmost linked vertex; compress from the top down
  let mut top = forest[x as usize];
  while let Some(y) = path.pop() {
    let fy = &mut forest[y as usize];
    if top[1] < fy[1] {
      fy[1] = top[1];
    }
    fy[0] = top[0];
    top = *fy;
  }
  forest[v as usize][1]
}

/// `eval` of Lengauer–Tarjan with path compression: the vertex of smallest semidominator on the
/// path from `v` up to (excluding) the root of its tree in the forest linked so far.
#[inline]
fn eval(v: u32, vx: &mut [Vx], stack: &mut Vec<u32>) -> u32 {
  if vx[v as usize].ancestor == 0 {
    return v;
  }
  let mut x = v;
  stack.clear();
  while vx[vx[x as usize].ancestor as usize].ancestor != 0 {
    stack.push(x);
    x = vx[x as usize].ancestor;
  }
  while let Some(w) = stack.pop() {
    let a = vx[w as usize].ancestor as usize;
    let la = vx[a].label;
    if vx[la as usize].semi < vx[vx[w as usize].label as usize].semi {
      vx[w as usize].label = la;
    }
    vx[w as usize].ancestor = vx[a].ancestor;
  }
  vx[v as usize].label
}

/// DevTools' Lengauer–Tarjan, step for step, on the numbering, with the retainers in the
/// graph's own order; returns the immediate dominator's number per DFS number.
fn lengauer_tarjan(
  (first, ret_essential, sources): (&[u32], &[u64], &[u32]),
  nb: &mut Numbering,
  cancel: Option<&AtomicBool>,
) -> Result<Vec<u32>> {
  let count = nb.vertex.len() - 1;
  let mut vx: Vec<Vx> = (0..=count)
    .map(|i| Vx {
      semi: i as u32,
      label: i as u32,
      ancestor: 0,
      parent: nb.parent[i],
    })
    .collect();
  let mut stack = Vec::new();
  // Buckets as singly linked lists: the head per vertex; the link of a member w reuses its
  // `parent` field, read for the last time right before w joins a bucket.
  let mut bucket_head = vec![0u32; count + 1];
  let mut dom = vec![0u32; count + 1];
  for w in (2..=count).rev() {
    if w % (1 << 20) == 0 {
      check(cancel)?;
    }
    let mut orphan = true;
    let mut semi = vx[w].semi;
    let o = nb.vertex[w] as usize;
    let range = first[o] as usize..first[o + 1] as usize;
    for (rk, &src) in range.clone().zip(&sources[range]) {
      if !bit(ret_essential, rk) {
        continue;
      }
      orphan = false;
      let u = eval(nb.num[src as usize], &mut vx, &mut stack);
      semi = semi.min(vx[u as usize].semi);
    }
    if orphan {
      semi = 1; // the root's number
    }
    vx[w].semi = semi;
    // the vertex numbered `semi` is `semi` itself in DFS-number space
    let b = semi as usize;
    let pw = vx[w].parent;
    vx[w].parent = bucket_head[b];
    bucket_head[b] = w as u32;
    vx[w].ancestor = pw;
    let mut v = bucket_head[pw as usize];
    bucket_head[pw as usize] = 0;
    while v != 0 {
      let u = eval(v, &mut vx, &mut stack);
      dom[v as usize] = if vx[u as usize].semi < vx[v as usize].semi {
        u
      } else {
        pw
      };
      v = vx[v as usize].parent;
    }
  }
  drop(bucket_head);
  dom[0] = 1;
  if count >= 1 {
    dom[1] = 1;
  }
  for w in 2..=count {
    if dom[w] != vx[w].semi {
      dom[w] = dom[dom[w] as usize];
    }
  }
  Ok(dom)
}

/// `essential` has a bit per edge. The graph's retainers need not be built.
pub fn compute(
  g: &Graph,
  essential: &[u64],
  self_size: &Sizes,
  cancel: Option<&AtomicBool>,
) -> Result<Dominators> {
  Ok(tree(g, essential, cancel)?.sizes(self_size))
}

/// The dominator tree in DFS-number space, before the retained sizes: what [`tree`] makes
/// from the edges alone, so that the self sizes may be made meanwhile.
pub struct Tree {
  /// DFS number → node ordinal (`vertex[0]` unused).
  vertex: Vec<u32>,
  /// DFS number → the immediate dominator's number.
  idom: Vec<u32>,
  scratch: Scratch,
}

/// Columns the semi-NCA pass is done with, kept for the retained sizes' columns: their pages
/// are resident already, where new columns would take a page fault every 4 KiB (~1.5 µs each
/// here; 7.5 k of them on a 152 MB file). Empty after the Lengauer–Tarjan replay.
#[derive(Default)]
struct Scratch {
  /// The forest, 8 bytes a vertex (`count + 1`): the sums.
  pairs: Vec<[u32; 2]>,
  /// The tree parents (`count + 1`): the dominators.
  parent: Vec<u32>,
  /// The DFS numbers by ordinal (`count`): the retained sizes.
  num: Vec<u32>,
}

/// The dominator tree of `g` over its essential edges (a bit per edge); the retained sizes
/// are [`Tree::sizes`].
pub fn tree(g: &Graph, essential: &[u64], cancel: Option<&AtomicBool>) -> Result<Tree> {
  let mut nb = number(g, essential)?;
  check(cancel)?;
  let (idom, scratch) = if nb.leftovers == 0 {
    let at_once = if g.node_count <= SORT_IN_ONE_STEP_MAX_NODES { usize::MAX } else { SORT_AT_ONCE };
    semi_nca(&mut nb, at_once, cancel)?
  } else {
    nb.preds = Vec::new();
    nb.vertex = vertices(&nb.num);
    let (first, bits, sources) = g.retainer_columns(essential);
    (lengauer_tarjan((&first, &bits, &sources), &mut nb, cancel)?, Scratch::default())
  };
  Ok(Tree {
    vertex: std::mem::take(&mut nb.vertex),
    idom,
    scratch,
  })
}

impl Tree {
  /// The retained sizes, summed up the tree in DFS-number space (a vertex's dominator has a
  /// smaller number), then scattered back to ordinals with the dominators. The gather and the
  /// scatters run on every thread (a permutation: each place written once).
  pub fn sizes(self, self_size: &Sizes) -> Dominators {
    use rayon::prelude::*;
    let Tree { vertex, idom, scratch } = self;
    let n = vertex.len() - 1;
    // a u64 per DFS number, kept as two halves in the forest's memory
    let join = |[lo, hi]: [u32; 2]| lo as u64 | (hi as u64) << 32;
    let split = |x: u64| [x as u32, (x >> 32) as u32];
    let mut sum = scratch.pairs;
    if sum.len() != n + 1 {
      sum = vec![[0u32; 2]; n + 1];
    }
    sum[1..]
      .par_iter_mut()
      .zip(&vertex[1..])
      .with_min_len(1 << 14)
      .for_each(|(s, &o)| *s = split(self_size.get(o)));
    for w in (2..=n).rev() {
      let d = idom[w] as usize;
      sum[d] = split(join(sum[d]) + join(sum[w]));
    }
    // the columns written whole by the scatters (a permutation: each place written once)
    let reuse = |mut v: Vec<u32>| {
      if v.len() < n {
        v = vec![0u32; n];
      }
      v.truncate(n);
      v
    };
    let mut small = reuse(scratch.num);
    let wide = scatter(&mut small, &vertex, |w| {
      let x = join(sum[w]);
      (x.min(u32::MAX as u64) as u32, x)
    });
    let retained = Sizes::from_parts(small, wide);
    drop(sum);
    let mut dominator = reuse(scratch.parent);
    scatter(&mut dominator, &vertex, |w| (vertex[idom[w] as usize], 0));
    Dominators { dominator, retained }
  }
}

/// `to[vertex[w]] = value(w).0` for every DFS number `w` (a permutation of the places), in
/// parallel over ranges of numbers; returns `(vertex[w], value(w).1)` where the first is
/// `u32::MAX` (the sizes that do not fit).
fn scatter(to: &mut [u32], vertex: &[u32], value: impl Fn(usize) -> (u32, u64) + Sync) -> Vec<(u64, u64)> {
  use rayon::prelude::*;
  struct Out(*mut u32);
  // SAFETY: each place is written by one task only (`vertex` is a permutation), and every
  // task ends before `to` is read again.
  unsafe impl Sync for Out {}
  let n = to.len();
  let out = Out(to.as_mut_ptr());
  const NUMBERS: usize = 1 << 16;
  (0..n.div_ceil(NUMBERS))
    .into_par_iter()
    .flat_map_iter(|c| {
      let out = &out;
      let mut wide = Vec::new();
      for w in c * NUMBERS + 1..=n.min((c + 1) * NUMBERS) {
        let o = vertex[w] as usize;
        assert!(o < n);
        let (x, exact) = value(w);
        // SAFETY: `o` is in bounds, and written by this task only (see `Out`).
        unsafe { out.0.add(o).write(x) };
        if x == u32::MAX {
          wide.push((o as u64, exact));
        }
      }
      wide
    })
    .collect()
}

/// DFS number → node ordinal, from ordinal → number (every node numbered).
fn vertices(num: &[u32]) -> Vec<u32> {
  let mut vertex = vec![0u32; num.len() + 1];
  for (o, &i) in num.iter().enumerate() {
    vertex[i as usize] = o as u32;
  }
  vertex
}

/// A bit per node: whether an essential edge points to it (a node without is an orphan).
fn essentially_retained(g: &Graph, essential: &[u64]) -> Vec<u64> {
  use rayon::prelude::*;
  use std::sync::atomic::AtomicU64;
  let held: Vec<AtomicU64> = (0..g.node_count.div_ceil(64))
    .map(|_| AtomicU64::new(0))
    .collect();
  const EDGES: usize = 1 << 16;
  (0..g.edge_count.div_ceil(EDGES)).into_par_iter().for_each(|c| {
    for k in c * EDGES..g.edge_count.min((c + 1) * EDGES) {
      if bit(essential, k) {
        let t = g.edge_to[k] as usize;
        held[t >> 6].fetch_or(1 << (t & 63), Ordering::Relaxed);
      }
    }
  });
  held.into_iter().map(AtomicU64::into_inner).collect()
}

/// Children of each node in the dominator tree (CSR; descending ordinal within a slice).
pub fn dominated_nodes(dominator: &[u32], root: u32) -> (Vec<u32>, Vec<u32>) {
  let n = dominator.len();
  let mut first = vec![0u32; n + 1];
  for (o, &d) in dominator.iter().enumerate() {
    if o as u32 != root {
      first[d as usize] += 1;
    }
  }
  // each node's count becomes the end of its slice, which the fill moves down to its start
  let mut acc = 0u32;
  for f in first.iter_mut() {
    acc += *f;
    *f = acc;
  }
  let mut list = vec![0u32; acc as usize];
  for (o, &d) in dominator.iter().enumerate() {
    if o as u32 == root {
      continue;
    }
    first[d as usize] -= 1;
    list[first[d as usize] as usize] = o as u32;
  }
  (first, list)
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::analysis::flags;

  /// The previous implementation, DevTools' Lengauer–Tarjan in node-ordinal space, kept as the
  /// reference the faster one must equal on every graph.
  #[allow(clippy::all)]
  fn reference(
    g: &Graph,
    essential: &[u64],
    ret_essential: &[u64],
    self_size: &Sizes,
    cancel: Option<&AtomicBool>,
  ) -> Result<Dominators> {
    let n = g.node_count;
    let len = n + 1;
    // 1-based vertex numbers; 0 = none.
    let mut vx = vec![Vx::default(); len];
    let mut vertex = vec![0u32; len];
    let mut next_edge = vec![0u32; len];
    let mut count: u32 = 0;
    let r = g.root + 1;
    let (_, _, sources) = g.retainer_columns(essential);

    let dfs = |root: u32, vx: &mut [Vx], vertex: &mut [u32], next_edge: &mut [u32], count: &mut u32| {
      next_edge[(root - 1) as usize] = g.first_edge[(root - 1) as usize];
      let mut v = root;
      while v != 0 {
        if vx[v as usize].semi == 0 {
          *count += 1;
          vx[v as usize].semi = *count;
          vertex[*count as usize] = v;
          vx[v as usize].label = v;
        }
        let mut v_next = vx[v as usize].parent;
        let vo = (v - 1) as usize;
        let end = g.first_edge[vo + 1];
        while next_edge[vo] < end {
          let k = next_edge[vo] as usize;
          if bit(essential, k) {
            let wo = g.edge_to[k];
            let w = wo + 1;
            if vx[w as usize].semi == 0 {
              vx[w as usize].parent = v;
              next_edge[wo as usize] = g.first_edge[wo as usize];
              v_next = w;
              break;
            }
          }
          next_edge[vo] += 1;
        }
        v = v_next;
      }
    };

    dfs(r, &mut vx, &mut vertex, &mut next_edge, &mut count);
    if (count as usize) < n {
      for v in 1..=n as u32 {
        if vx[v as usize].semi == 0 && !g.retainers_of(v - 1).any(|rk| bit(ret_essential, rk)) {
          vx[v as usize].parent = r;
          dfs(v, &mut vx, &mut vertex, &mut next_edge, &mut count);
        }
      }
    }
    if (count as usize) < n {
      for v in 1..=n as u32 {
        if vx[v as usize].semi == 0 {
          vx[v as usize].parent = r;
          count += 1;
          vx[v as usize].semi = count;
          vertex[count as usize] = v;
          vx[v as usize].label = v;
        }
      }
    }
    if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
      return Err(Error::cancelled());
    }

    let mut stack: Vec<u32> = Vec::new();
    let mut eval = |v: u32, vx: &mut [Vx]| -> u32 {
      if vx[v as usize].ancestor == 0 {
        return v;
      }
      // compress
      let mut x = v;
      stack.clear();
      while vx[vx[x as usize].ancestor as usize].ancestor != 0 {
        stack.push(x);
        x = vx[x as usize].ancestor;
      }
      while let Some(w) = stack.pop() {
        let a = vx[w as usize].ancestor as usize;
        let la = vx[a].label;
        if vx[la as usize].semi < vx[vx[w as usize].label as usize].semi {
          vx[w as usize].label = la;
        }
        vx[w as usize].ancestor = vx[a].ancestor;
      }
      vx[v as usize].label
    };

    // Buckets as singly linked lists: the head per vertex reuses `next_edge`; the link of a
    // member w reuses its `parent` field, which is read for the last time right before w joins a
    // bucket (after that only `ancestor` and `label` of w are used).
    let mut bucket_head = next_edge;
    bucket_head.iter_mut().for_each(|x| *x = 0);
    let mut dom = vec![0u32; len];
    let mut i = count;
    while i >= 2 {
      if i.is_multiple_of(1 << 20) && cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
        return Err(Error::cancelled());
      }
      let w = vertex[i as usize];
      let wo = w - 1;
      let mut orphan = true;
      let mut semi_w = vx[w as usize].semi;
      for rk in g.retainers_of(wo) {
        if ret_essential[rk >> 6] & (1 << (rk & 63)) == 0 {
          continue;
        }
        orphan = false;
        let v = sources[rk] + 1;
        let u = eval(v, &mut vx);
        let su = vx[u as usize].semi;
        if su < semi_w {
          semi_w = su;
        }
      }
      if orphan {
        semi_w = vx[r as usize].semi;
      }
      vx[w as usize].semi = semi_w;
      let b = vertex[semi_w as usize] as usize;
      let pw = vx[w as usize].parent;
      vx[w as usize].parent = bucket_head[b];
      bucket_head[b] = w;
      vx[w as usize].ancestor = pw;
      let mut v = bucket_head[pw as usize];
      bucket_head[pw as usize] = 0;
      while v != 0 {
        let u = eval(v, &mut vx);
        dom[v as usize] = if vx[u as usize].semi < vx[v as usize].semi {
          u
        } else {
          pw
        };
        v = vx[v as usize].parent;
      }
      i -= 1;
    }
    drop(bucket_head);
    dom[0] = r;
    dom[r as usize] = r;
    for i in 2..=count {
      let w = vertex[i as usize] as usize;
      if dom[w] != vertex[vx[w].semi as usize] {
        dom[w] = dom[dom[w] as usize];
      }
    }
    drop(vx);
    // dominator ordinals, in place: dom[o + 1] - 1
    dom.remove(0);
    dom.iter_mut().for_each(|d| *d -= 1);
    let dominator = dom;
    let mut retained: Vec<u64> = self_size.iter().collect();
    let mut i = count;
    while i > 1 {
      let o = (vertex[i as usize] - 1) as usize;
      let d = dominator[o] as usize;
      retained[d] += retained[o];
      i -= 1;
    }
    Ok(Dominators {
      dominator,
      retained: Sizes::from_u64(retained),
    })
  }

  const META: &str = r#"{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["synthetic","object","array","hidden","native"],"string","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"]}"#;

  struct Rng(u64);
  impl Rng {
    fn next(&mut self) -> u64 {
      self.0 ^= self.0 << 13;
      self.0 ^= self.0 >> 7;
      self.0 ^= self.0 << 17;
      self.0
    }
    fn below(&mut self, n: u64) -> u64 {
      self.next() % n
    }
  }

  /// A random snapshot: `n` nodes, node 0 the synthetic root; with `backbone` every node gets an
  /// edge from an earlier one (so the root reaches most of them), else edges land anywhere
  /// (orphans, unreachable cycles, nodes left for DevTools' third numbering step).
  fn random_snapshot(seed: u64, n: usize, backbone: bool) -> String {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut out: Vec<Vec<(u64, u64, usize)>> = vec![Vec::new(); n];
    for t in 1..n {
      if backbone {
        let s = rng.below(t as u64) as usize;
        out[s].push((2, 1, t)); // property "a"
      }
    }
    let extra = if backbone {
      n * (1 + rng.below(3) as usize)
    } else {
      n / 2 + rng.below(n as u64) as usize
    };
    // without a backbone, the last quarter is a ring nothing else points to: left for the
    // third numbering step unless an orphan's DFS enters it
    let ring = if backbone { 0 } else { n / 4 };
    for t in n - ring..n {
      out[t].push((2, 2, if t + 1 == n { n - ring } else { t + 1 }));
    }
    for _ in 0..extra {
      let s = rng.below(n as u64) as usize;
      let t = rng.below((n - ring) as u64) as usize;
      // context, element, property, internal, hidden, shortcut, weak
      let ty = [0, 1, 2, 2, 2, 3, 4, 5, 6, 6][rng.below(10) as usize];
      let name = if ty == 1 || ty == 4 {
        rng.below(5)
      } else {
        1 + rng.below(2)
      };
      out[s].push((ty, name, t));
    }
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for (i, list) in out.iter().enumerate() {
      let ty = if i == 0 { 0 } else { 1 + rng.below(4) };
      nodes.push(format!("{ty},1,{},{},{}", 2 * i + 1, rng.below(100), list.len()));
      for &(ty, name, t) in list {
        edges.push(format!("{ty},{name},{}", t * 5));
      }
    }
    format!(
      r#"{{"snapshot":{{"meta":{META},"node_count":{n},"edge_count":{}}},"nodes":[{}],"edges":[{}],"strings":["<dummy>","a","b"]}}"#,
      edges.len(),
      nodes.join(","),
      edges.join(",")
    )
  }

  fn both(text: &str) -> (Dominators, Dominators, usize) {
    let mut g = Graph::from_parsed(crate::parse::parse_bytes(text.as_bytes()).unwrap()).unwrap();
    let page = flags::page_objects(&g);
    let essential = flags::essential_edges(&g, &page);
    let sizes = g.raw_self_size.clone();
    let leftovers = number(&g, &essential).unwrap().leftovers;
    let new = compute(&g, &essential, &sizes, None).unwrap();
    g.build_retainers();
    let (_, ret_essential, _) = g.retainer_columns(&essential);
    let old = reference(&g, &essential, &ret_essential, &sizes, None).unwrap();
    (new, old, leftovers)
  }

  #[test]
  fn equals_devtools_lengauer_tarjan_on_random_graphs() {
    let (mut fast, mut replayed) = (0, 0);
    for seed in 1..=600u64 {
      let n = 2 + (seed as usize * 7) % 60;
      let text = random_snapshot(seed, n, seed % 3 != 0);
      let (new, old, leftovers) = both(&text);
      assert_eq!(new.dominator, old.dominator, "seed {seed}: dominators");
      assert_eq!(new.retained, old.retained, "seed {seed}: retained sizes");
      if leftovers == 0 {
        fast += 1;
      } else {
        replayed += 1;
      }
    }
    // both paths were exercised
    assert!(
      fast > 100 && replayed > 50,
      "semi-NCA {fast}, replayed {replayed}"
    );
  }

  #[test]
  fn deep_chains_need_no_recursion() {
    // a 200 000-node chain (DFS depth 200 000) with back edges
    let n = 200_000;
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for i in 0..n {
      let mut out = Vec::new();
      if i + 1 < n {
        out.push(format!("2,1,{}", (i + 1) * 5));
      }
      if i % 3 == 2 {
        out.push(format!("2,2,{}", (i / 2) * 5));
      }
      nodes.push(format!(
        "{},1,{},8,{}",
        if i == 0 { 0 } else { 1 },
        2 * i + 1,
        out.len()
      ));
      edges.extend(out);
    }
    let text = format!(
      r#"{{"snapshot":{{"meta":{META},"node_count":{n},"edge_count":{}}},"nodes":[{}],"edges":[{}],"strings":["<dummy>","a","b"]}}"#,
      edges.len(),
      nodes.join(","),
      edges.join(",")
    );
    let (new, old, _) = both(&text);
    assert_eq!(new.dominator, old.dominator);
    assert_eq!(new.retained, old.retained);
    assert_eq!(new.retained.get(0), 8 * n as u64);
  }
}
