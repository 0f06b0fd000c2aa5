//! Unsigned-integer arrays (`nodes`, `edges`, `locations`, …): the bulk of every snapshot.
//!
//! The hot loop lives here. A region of complete values (everything up to the closing `]` or the
//! last `,` of the bytes at hand) is split at commas into pieces that rayon parses in parallel
//! into chunk-local `u64` buffers; the buffers are then handed, in order, to a [`RecordSink`]
//! that de-interleaves them into compact per-field columns. Values cut by a chunk boundary go
//! through a small byte-at-a-time state machine, so the streaming parser never needs the whole
//! text and the whole-file path is the same code with bigger chunks.

use crate::error::{Error, Result};
use rayon::prelude::*;

/// Regions smaller than this are parsed on the calling thread.
const PARALLEL_MIN: usize = 1 << 20;

#[inline]
fn is_ws(b: u8) -> bool {
  matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

fn describe(b: u8) -> String {
  match b {
    b'-' => "a negative number".into(),
    b'.' | b'e' | b'E' => "a fractional or exponent number".into(),
    b'"' => "a string".into(),
    0x20..=0x7e => format!("'{}'", b as char),
    _ => format!("byte 0x{b:02x}"),
  }
}

/// Up to 8 leading ASCII digits of `word` (little-endian bytes): (count, value).
/// SWAR: one subtraction and two masks find the digits, three multiplies combine them.
#[inline]
fn swar_digits(word: u64) -> (usize, u64) {
  let x = word.wrapping_sub(0x3030_3030_3030_3030);
  // high bit set in every byte that is not a digit (below '0' wraps, above '9' overflows +0x76)
  let non_digit = (x | x.wrapping_add(0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080;
  let len = (non_digit.trailing_zeros() / 8) as usize;
  if len == 0 {
    return (0, 0);
  }
  let mut v = if len == 8 { x } else { x << (64 - 8 * len) };
  v = (v & 0x0F0F_0F0F_0F0F_0F0F).wrapping_mul(2561) >> 8;
  v = (v & 0x00FF_00FF_00FF_00FF).wrapping_mul(6_553_601) >> 16;
  v = (v & 0x0000_FFFF_0000_FFFF).wrapping_mul(42_949_672_960_001) >> 32;
  (len, v)
}

/// Parses `text` = `v (, v)*` (whitespace allowed around values) into `out`. `closes` tells
/// whether the text is followed by the array's `]` (else by a `,`), for the message when a
/// value is missing at its end. On error returns the absolute byte offset and a message.
fn parse_piece(
  text: &[u8],
  base: u64,
  out: &mut Vec<u64>,
  closes: bool,
  signed: bool,
) -> std::result::Result<(), (u64, String)> {
  let n = text.len();
  let mut i = 0;
  out.reserve(n / 4 + 1);
  loop {
    while i < n && is_ws(text[i]) {
      i += 1;
    }
    let neg = signed && i < n && text[i] == b'-';
    if neg {
      i += 1;
    }
    let start = i;
    let mut v: u64 = 0;
    if i + 8 <= n {
      let word = u64::from_le_bytes(text[i..i + 8].try_into().expect("8 bytes"));
      let (len, val) = swar_digits(word);
      v = val;
      i += len;
      if len == 8 {
        while i < n {
          let d = text[i].wrapping_sub(b'0');
          if d > 9 {
            break;
          }
          v = v.wrapping_mul(10).wrapping_add(d as u64);
          i += 1;
        }
      }
    } else {
      while i < n {
        let d = text[i].wrapping_sub(b'0');
        if d > 9 {
          break;
        }
        v = v.wrapping_mul(10).wrapping_add(d as u64);
        i += 1;
      }
    }
    let digits = i - start;
    if digits == 0 {
      let msg = if i == n && closes {
        "expected a number, found the end of the array".to_string()
      } else if i == n {
        "expected an unsigned integer, found ','".to_string()
      } else {
        format!("expected an unsigned integer, found {}", describe(text[i]))
      };
      return Err((base + i as u64, msg));
    }
    if digits > 19 {
      return Err((base + start as u64, "number does not fit in 64 bits".into()));
    }
    if neg {
      v = (v as i64).wrapping_neg() as u64;
    }
    if i < n && text[i] == b',' {
      out.push(v);
      i += 1;
      continue;
    }
    while i < n && is_ws(text[i]) {
      i += 1;
    }
    // A value counts (and is checked) only once a separator ends it, as in the byte-at-a-time
    // path: `1x` is a syntax error at `x`, whatever the field's checks would say of `1`.
    if i < n && text[i] != b',' {
      return Err((
        base + i as u64,
        format!("expected ',' or ']', found {}", describe(text[i])),
      ));
    }
    out.push(v);
    if i == n {
      return Ok(());
    }
    i += 1;
  }
}

/// Byte offset of the `idx`-th value of `text` (for error messages only).
fn offset_of_value(text: &[u8], base: u64, idx: usize) -> u64 {
  let mut seen = 0;
  let mut i = 0;
  while i < text.len() && seen < idx {
    if text[i] == b',' {
      seen += 1;
    }
    i += 1;
  }
  while i < text.len() && is_ws(text[i]) {
    i += 1;
  }
  base + i as u64
}

/// What a value must satisfy, checked as it is stored (so the error has a byte offset).
#[derive(Clone, Debug)]
pub enum Check {
  None,
  /// An index into a list of `len` names (node or edge types).
  Below {
    len: u64,
    what: &'static str,
  },
  /// A `to_node` value: a multiple of `stride`, below `limit` when the node count is known.
  NodeIndex {
    stride: u64,
    limit: Option<u64>,
  },
}

/// Where one field's values go.
#[derive(Debug)]
pub enum Col {
  Skip,
  U8(Vec<u8>),
  /// `u32` values; wider values are kept exactly in `wide` as (record, value), and the column
  /// holds them wrapped modulo 2^32 as DevTools does.
  U32(Vec<u32>, Vec<(u64, u64)>),
}

impl Col {
  pub fn take_u8(&mut self) -> Vec<u8> {
    match std::mem::replace(self, Col::Skip) {
      Col::U8(v) => v,
      _ => Vec::new(),
    }
  }
  pub fn take_u32(&mut self) -> (Vec<u32>, Vec<(u64, u64)>) {
    match std::mem::replace(self, Col::Skip) {
      Col::U32(v, w) => (v, w),
      _ => (Vec::new(), Vec::new()),
    }
  }
}

/// Receives the values of one integer section and stores them by field.
#[derive(Debug)]
pub struct RecordSink {
  pub section: &'static str,
  pub field_names: Vec<String>,
  pub cols: Vec<Col>,
  pub checks: Vec<Check>,
  /// Field position of the next value.
  pos: usize,
  /// Number of values stored.
  pub values: u64,
  /// Accept negative values (stored as two's complement; `locations` may hold -1).
  pub signed: bool,
  /// Per-piece value buffers, reused across chunks (fresh ones would be page-faulted in every time).
  scratch: Vec<Vec<u64>>,
  /// Records the header announces (0: unknown). Only caps growth, never allocates by itself:
  /// a header may lie (2^40 nodes in a 1 KB file), so columns grow with the values actually
  /// read, and stop at this size when the header was right.
  expected: usize,
}

impl RecordSink {
  pub fn new(section: &'static str, field_names: Vec<String>, cols: Vec<Col>, checks: Vec<Check>) -> Self {
    debug_assert_eq!(cols.len(), field_names.len());
    RecordSink {
      section,
      field_names,
      cols,
      checks,
      pos: 0,
      values: 0,
      signed: false,
      scratch: Vec::new(),
      expected: 0,
    }
  }

  /// A sink that keeps every value in one column (for sections whose layout is not known yet,
  /// or that are used raw).
  pub fn flat(section: &'static str) -> Self {
    RecordSink::new(
      section,
      vec!["value".into()],
      vec![Col::U32(Vec::new(), Vec::new())],
      vec![Check::None],
    )
  }

  pub fn stride(&self) -> usize {
    self.cols.len()
  }

  /// Notes how many records the header announces. Nothing is allocated here: see `expected`.
  pub fn expect_records(&mut self, records: u64) {
    self.expected = records.min(usize::MAX as u64) as usize;
  }

  /// Makes room for `values` stored values in total: each column grows by doubling, with the
  /// announced size as the last step, so memory follows the input, not the header.
  fn grow_for(&mut self, values: u64) {
    let stride = self.cols.len() as u64;
    let records = values.div_ceil(stride) as usize;
    let expected = self.expected;
    for c in &mut self.cols {
      match c {
        Col::U8(v) => grow(v, records, expected),
        Col::U32(v, _) => grow(v, records, expected),
        Col::Skip => {}
      }
    }
  }

  /// Stores `vals` in order. On a failed check, returns the index in `vals` and a message.
  pub fn extend(&mut self, vals: &[u64]) -> std::result::Result<(), (usize, String)> {
    let stride = self.cols.len();
    self.grow_for(self.values + vals.len() as u64);
    // Values up to the next record boundary, one at a time.
    let mut k = 0;
    while k < vals.len() && (self.pos != 0 || vals.len() - k < stride) {
      self.store(vals[k]).map_err(|m| (k, m))?;
      k += 1;
    }
    // Whole records, de-interleaved one field at a time (no per-value dispatch).
    let records = (vals.len() - k) / stride;
    if records > 0 {
      let block = &vals[k..k + records * stride];
      // Checked in text order first: the field-by-field pass below would report the first
      // failing *field*, and the error must be the first one in the text, however the text
      // was chunked.
      for (j, &v) in block.iter().enumerate() {
        self.check_one(j % stride, v).map_err(|m| (k + j, m))?;
      }
      for f in 0..stride {
        self
          .store_field(f, block, stride)
          .map_err(|(r, m)| (k + r * stride + f, m))?;
      }
      self.values += (records * stride) as u64;
      k += records * stride;
    }
    while k < vals.len() {
      self.store(vals[k]).map_err(|m| (k, m))?;
      k += 1;
    }
    Ok(())
  }

  /// Stores the values of consecutive pieces (in order), checking and de-interleaving them in
  /// parallel. On a failed check returns (piece, index in piece, message) of the first one.
  pub fn extend_pieces(&mut self, pieces: &[Vec<u64>]) -> std::result::Result<(), (usize, usize, String)> {
    let stride = self.cols.len() as u64;
    let mut starts = Vec::with_capacity(pieces.len());
    let mut g = self.values;
    for p in pieces {
      starts.push(g);
      g += p.len() as u64;
    }
    let total = g;
    self.grow_for(total);
    // 1. checks (and the range of u8 columns), in parallel, each value knowing its field
    let checks = &self.checks;
    let names = &self.field_names;
    let narrow: Vec<bool> = self.cols.iter().map(|c| matches!(c, Col::U8(_))).collect();
    let narrow = &narrow;
    let first_err = pieces
      .par_iter()
      .enumerate()
      .map(|(k, p)| {
        let g0 = starts[k];
        for (j, &v) in p.iter().enumerate() {
          let f = ((g0 + j as u64) % stride) as usize;
          if !matches!(checks[f], Check::None) {
            if let Err(m) = Self::check(&checks[f], &names[f], v) {
              return Some((k, j, m));
            }
          }
          if narrow[f] && v > u8::MAX as u64 {
            return Some((k, j, format!("{} value {v} is out of range", names[f])));
          }
        }
        None
      })
      .collect::<Vec<_>>()
      .into_iter()
      .flatten()
      .next();
    if let Some(e) = first_err {
      return Err(e);
    }
    // 2. size every column for the new total, then write in parallel: value number x goes to
    //    column x % stride at record x / stride, so pieces never write the same slot.
    let count_for = |f: u64| if total > f { (total - f).div_ceil(stride) } else { 0 } as usize;
    let mut targets: Vec<Target> = Vec::with_capacity(self.cols.len());
    for (f, c) in self.cols.iter_mut().enumerate() {
      let n = count_for(f as u64);
      targets.push(match c {
        Col::Skip => Target::Skip,
        Col::U8(v) => {
          v.resize(n, 0);
          Target::U8(SendPtr(v.as_mut_ptr()))
        }
        Col::U32(v, _) => {
          v.resize(n, 0);
          Target::U32(SendPtr(v.as_mut_ptr() as *mut u8))
        }
      });
    }
    let targets = &targets;
    // per piece: the wide values (field, record, value), or the first failure (piece, index, message)
    type PieceResult = std::result::Result<Vec<(usize, u64, u64)>, (usize, usize, String)>;
    let results: Vec<PieceResult> = pieces
      .par_iter()
      .enumerate()
      .map(|(k, p)| {
        let g0 = starts[k];
        let mut wide = Vec::new();
        for (j, &v) in p.iter().enumerate() {
          let x = g0 + j as u64;
          let f = (x % stride) as usize;
          let r = (x / stride) as usize;
          match targets[f] {
            Target::Skip => {}
            Target::U8(SendPtr(ptr)) => {
              if v > u8::MAX as u64 {
                return Err((k, j, format!("{} value {v} is out of range", names[f])));
              }
              // SAFETY: the column was resized to hold record r, and value x is written by
              // exactly one piece (pieces cover disjoint value ranges).
              unsafe { *ptr.add(r) = v as u8 };
            }
            Target::U32(SendPtr(ptr)) => {
              if v > u32::MAX as u64 {
                wide.push((f, r as u64, v));
              }
              // SAFETY: as above; the pointer is the column's u32 buffer.
              unsafe { *(ptr as *mut u32).add(r) = v as u32 };
            }
          }
        }
        Ok(wide)
      })
      .collect();
    for r in results {
      for (f, rec, v) in r? {
        if let Col::U32(_, w) = &mut self.cols[f] {
          w.push((rec, v));
        }
      }
    }
    self.values = total;
    self.pos = (total % stride) as usize;
    Ok(())
  }

  /// The field's check, then the range of a u8 column (the order `store` applies them in).
  fn check_one(&self, f: usize, v: u64) -> std::result::Result<(), String> {
    Self::check(&self.checks[f], &self.field_names[f], v)?;
    if matches!(self.cols[f], Col::U8(_)) && v > u8::MAX as u64 {
      return Err(format!("{} value {v} is out of range", self.field_names[f]));
    }
    Ok(())
  }

  fn check(check: &Check, field: &str, v: u64) -> std::result::Result<(), String> {
    match check {
      Check::None => Ok(()),
      Check::Below { len, what } => {
        if v >= *len {
          return Err(format!("{what} {v} is out of range (the meta lists {len})"));
        }
        Ok(())
      }
      Check::NodeIndex { stride, limit } => {
        if !v.is_multiple_of(*stride) {
          return Err(format!(
            "{field} {v} is not a multiple of the node stride {stride}"
          ));
        }
        if let Some(l) = limit {
          if v >= *l {
            return Err(format!(
              "{field} {v} points past the last node (node_count × stride = {l})"
            ));
          }
        }
        Ok(())
      }
    }
  }

  /// Stores field `f` of every record in `block` (records of `stride` values).
  fn store_field(
    &mut self,
    f: usize,
    block: &[u64],
    stride: usize,
  ) -> std::result::Result<(), (usize, String)> {
    let check = &self.checks[f];
    let name = &self.field_names[f];
    let it = block.iter().skip(f).step_by(stride);
    match (&mut self.cols[f], check) {
      (Col::Skip, Check::None) => {}
      (Col::U32(c, wide), Check::None) => {
        for &v in it {
          if v > u32::MAX as u64 {
            wide.push((c.len() as u64, v));
          }
          c.push(v as u32);
        }
      }
      (col, check) => {
        for (r, &v) in it.enumerate() {
          Self::check(check, name, v).map_err(|m| (r, m))?;
          match col {
            Col::Skip => {}
            Col::U8(c) => {
              if v > u8::MAX as u64 {
                return Err((r, format!("{name} value {v} is out of range")));
              }
              c.push(v as u8)
            }
            Col::U32(c, wide) => {
              if v > u32::MAX as u64 {
                wide.push((c.len() as u64, v));
              }
              c.push(v as u32)
            }
          }
        }
      }
    }
    Ok(())
  }

  /// Stores one value at the current field position.
  fn store(&mut self, v: u64) -> std::result::Result<(), String> {
    let f = self.pos;
    Self::check(&self.checks[f], &self.field_names[f], v)?;
    match &mut self.cols[f] {
      Col::Skip => {}
      Col::U8(c) => {
        if v > u8::MAX as u64 {
          return Err(format!("{} value {v} is out of range", self.field_names[f]));
        }
        c.push(v as u8)
      }
      Col::U32(c, wide) => {
        if v > u32::MAX as u64 {
          wide.push((c.len() as u64, v));
        }
        c.push(v as u32)
      }
    }
    self.pos = if f + 1 == self.cols.len() { 0 } else { f + 1 };
    self.values += 1;
    Ok(())
  }

  fn field_label(&self, value_index: u64) -> String {
    let f = (value_index % self.cols.len() as u64) as usize;
    if self.cols.len() == 1 {
      self.section.to_string()
    } else {
      format!("{}.{}", self.section, self.field_names[f])
    }
  }

  fn push_one(&mut self, v: u64, offset: u64) -> Result<()> {
    let idx = self.values;
    self
      .extend(&[v])
      .map_err(|(_, msg)| Error::parse(self.field_label(idx), Some(offset), msg))
  }
}

/// Grows `v`'s capacity to hold `need` items: doubling (amortised O(1) per item), but not past
/// `expected` when that is enough, so a header that tells the truth costs no slack.
fn grow<T>(v: &mut Vec<T>, need: usize, expected: usize) {
  if need <= v.capacity() {
    return;
  }
  let mut target = need.max(v.capacity().saturating_mul(2)).max(64);
  if expected >= need {
    target = target.min(expected);
  }
  v.reserve_exact(target - v.len());
}

#[derive(Clone, Copy)]
struct SendPtr(*mut u8);
// SAFETY: used only to write disjoint slots of a column from rayon tasks that all end before
// the column is touched again.
unsafe impl Send for SendPtr {}
unsafe impl Sync for SendPtr {}

#[derive(Clone, Copy)]
enum Target {
  Skip,
  U8(SendPtr),
  U32(SendPtr),
}

/// State of an integer array between chunks.
#[derive(Debug, Default)]
pub struct NumArrayState {
  /// A value is being read (digits seen) and its bytes may continue in the next chunk.
  in_number: bool,
  acc: u64,
  digits: u32,
  number_start: u64,
  /// Whitespace after a number: the next byte must be `,` or `]`.
  after_number: bool,
  /// At least one value or separator was seen (so `]` now needs a preceding value).
  seen_any: bool,
  /// Just after a `,`: a value must follow.
  after_comma: bool,
  /// The value being read started with `-` (signed sections only).
  neg: bool,
}

/// Feeds `buf` (starting at absolute offset `base`) to an integer array. Returns the number of
/// bytes consumed and whether the closing `]` was reached.
pub fn feed(
  state: &mut NumArrayState,
  sink: &mut RecordSink,
  buf: &[u8],
  base: u64,
) -> Result<(usize, bool)> {
  let mut pos = 0usize;
  let section = sink.section;
  loop {
    // Finish a value that a chunk boundary cut, byte by byte.
    while pos < buf.len() && (state.in_number || state.after_number) {
      let b = buf[pos];
      let off = base + pos as u64;
      if state.in_number && b.is_ascii_digit() {
        state.digits += 1;
        if state.digits > 19 {
          return Err(Error::parse(
            section,
            Some(state.number_start),
            "number does not fit in 64 bits",
          ));
        }
        state.acc = state.acc * 10 + (b - b'0') as u64;
      } else if is_ws(b) {
        if state.in_number {
          state.in_number = false;
          state.after_number = true;
        }
      } else if b == b',' || b == b']' {
        if state.digits == 0 {
          return Err(Error::parse(section, Some(off), "expected digits after '-'"));
        }
        let v = if state.neg {
          (state.acc as i64).wrapping_neg() as u64
        } else {
          state.acc
        };
        let at = state.number_start;
        state.neg = false;
        state.in_number = false;
        state.after_number = false;
        state.acc = 0;
        state.digits = 0;
        sink.push_one(v, at)?;
        if b == b']' {
          return Ok((pos + 1, true));
        }
        state.after_comma = true;
      } else {
        return Err(Error::parse(
          section,
          Some(off),
          format!("expected ',' or ']', found {}", describe(b)),
        ));
      }
      pos += 1;
    }
    if pos >= buf.len() {
      return Ok((pos, false));
    }
    // Here we expect a value (after '[' or ','), or ']' right after '['.
    let rest = &buf[pos..];
    let rbase = base + pos as u64;
    if let Some(close) = memchr::memchr(b']', rest) {
      let region = &rest[..close];
      if !state.seen_any && region.iter().all(|&b| is_ws(b)) {
        return Ok((pos + close + 1, true));
      }
      parse_region(region, rbase, sink, true)?;
      return Ok((pos + close + 1, true));
    }
    if let Some(comma) = memchr::memrchr(b',', rest) {
      parse_region(&rest[..comma], rbase, sink, false)?;
      state.seen_any = true;
      state.after_comma = true;
      pos += comma + 1;
    }
    // Whatever remains is the start of a value (or whitespace) that the next chunk completes.
    while pos < buf.len() {
      let b = buf[pos];
      if is_ws(b) {
        pos += 1;
        continue;
      }
      if b.is_ascii_digit() || (sink.signed && b == b'-') {
        state.in_number = true;
        state.seen_any = true;
        state.after_comma = false;
        state.acc = 0;
        state.digits = 0;
        state.neg = b == b'-';
        state.number_start = base + pos as u64;
        if state.neg {
          pos += 1;
        }
        break;
      }
      return Err(Error::parse(
        section,
        Some(base + pos as u64),
        format!("expected an unsigned integer, found {}", describe(b)),
      ));
    }
    if pos >= buf.len() {
      return Ok((pos, false));
    }
  }
}

/// Parses a region of complete values (`v (, v)*`), in parallel when it is large. `closes`:
/// the region is followed by `]` (else by `,`).
fn parse_region(region: &[u8], base: u64, sink: &mut RecordSink, closes: bool) -> Result<()> {
  let section = sink.section;
  let signed = sink.signed;
  let pieces = split_at_commas(region);
  let mut scratch = std::mem::take(&mut sink.scratch);
  scratch.resize_with(pieces.len().max(scratch.len()), Vec::new);
  let work = &mut scratch[..pieces.len()];
  let results: Vec<std::result::Result<(), (u64, String)>> = if pieces.len() == 1 {
    work[0].clear();
    vec![parse_piece(region, base, &mut work[0], closes, signed)]
  } else {
    work
      .par_iter_mut()
      .zip(pieces.par_iter())
      .map(|(buf, &(s, e))| {
        buf.clear();
        parse_piece(
          &region[s..e],
          base + s as u64,
          buf,
          closes && e == region.len(),
          signed,
        )
      })
      .collect()
  };
  let mut outcome = Ok(());
  // With a syntax error in piece `k`, the values before it (pieces ..k, and piece k up to the
  // error) are still checked first: the error reported is the first one in the text, whatever
  // the chunk boundaries (a streamed push checks the earlier values before it sees the rest).
  let mut upto = work.len();
  for (k, r) in results.into_iter().enumerate() {
    if let Err((off, msg)) = r {
      outcome = Err(Error::parse(section, Some(off), msg));
      upto = k + 1;
      break;
    }
  }
  {
    let work = &work[..upto];
    let first = sink.values;
    if let Err((k, idx, msg)) = sink.extend_pieces(work) {
      let (s, e) = pieces[k];
      let off = offset_of_value(&region[s..e], base + s as u64, idx);
      let before: u64 = work[..k].iter().map(|w| w.len() as u64).sum();
      outcome = Err(Error::parse(
        sink.field_label(first + before + idx as u64),
        Some(off),
        msg,
      ));
    }
  }
  sink.scratch = scratch;
  outcome
}

/// Splits a region into byte ranges at commas (the commas themselves excluded).
fn split_at_commas(region: &[u8]) -> Vec<(usize, usize)> {
  if region.len() < PARALLEL_MIN {
    return vec![(0, region.len())];
  }
  let parts = rayon::current_num_threads().max(1) * 4;
  let approx = region.len() / parts;
  let mut out = Vec::with_capacity(parts);
  let mut start = 0;
  while start < region.len() {
    let target = start + approx;
    if target >= region.len() {
      out.push((start, region.len()));
      break;
    }
    match memchr::memchr(b',', &region[target..]) {
      Some(c) => {
        out.push((start, target + c));
        start = target + c + 1;
      }
      None => {
        out.push((start, region.len()));
        break;
      }
    }
  }
  out
}

#[cfg(test)]
mod tests {
  use super::*;

  fn run(chunks: &[&str]) -> Result<Vec<u32>> {
    let mut st = NumArrayState::default();
    let mut sink = RecordSink::flat("nodes");
    let mut base = 0u64;
    for (i, c) in chunks.iter().enumerate() {
      let (used, done) = feed(&mut st, &mut sink, c.as_bytes(), base)?;
      base += used as u64;
      if done {
        assert_eq!(i, chunks.len() - 1, "closed early");
        assert_eq!(used, c.len());
        let (v, _) = sink.cols[0].take_u32();
        return Ok(v);
      }
      assert_eq!(used, c.len());
    }
    panic!("not closed")
  }

  #[test]
  fn values_across_any_chunk_boundary() {
    let text = " 12 ,\n3,45 , 6789 ,0]";
    for cut in 0..text.len() {
      let (a, b) = text.split_at(cut);
      assert_eq!(run(&[a, b]).unwrap(), vec![12, 3, 45, 6789, 0], "cut at {cut}");
    }
  }

  #[test]
  fn swar_matches_scalar() {
    for text in [
      "0,1,12,123,1234,12345,123456,1234567,12345678,123456789,9999999999999999999",
      "7\n,8 , 90\t,100",
    ] {
      let mut out = Vec::new();
      parse_piece(text.as_bytes(), 0, &mut out, true, false).unwrap();
      let want: Vec<u64> = text.split(',').map(|x| x.trim().parse().unwrap()).collect();
      assert_eq!(out, want);
    }
  }

  #[test]
  fn empty_and_bad() {
    assert_eq!(run(&[" ]"]).unwrap(), Vec::<u32>::new());
    let e = run(&["1,-2]"]).unwrap_err();
    assert_eq!(e.offset, Some(2));
    assert!(e.message.contains("negative"), "{}", e.message);
    assert!(run(&["1,2.5]"]).unwrap_err().message.contains("fractional"));
    assert!(run(&["1,]"]).is_err());
    assert!(run(&["1,,2]"]).is_err());
    assert!(run(&["1 2]"]).is_err());
  }
}
