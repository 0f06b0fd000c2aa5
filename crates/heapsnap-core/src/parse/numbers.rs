//! Unsigned-integer arrays (`nodes`, `edges`, `locations`, …): the bulk of every snapshot.
//!
//! The hot loop lives here. A region of complete values (everything up to the closing `]` or the
//! last `,` of the bytes at hand) is split at commas into pieces that rayon parses in parallel
//! into chunk-local `u64` buffers; the buffers are then handed, in order, to a [`RecordSink`]
//! that de-interleaves them into compact per-field columns. Values cut by a chunk boundary go
//! through a small byte-at-a-time state machine, so the streaming parser never needs the whole
//! text and the whole-file path is the same code with bigger chunks.

use crate::error::{Array, Error, Result, Section};
use rayon::prelude::*;

/// Regions smaller than this are parsed on the calling thread.
const PARALLEL_MIN: usize = 1 << 20;
/// The most bytes one step of [`feed`] splits into pieces (file windows are 4 MiB read, 16 MiB
/// mapped); in tests just over [`PARALLEL_MIN`], an odd size, so that texts of a few MB are cut
/// mid-value by it.
const REGION_MAX: usize = if cfg!(test) { PARALLEL_MIN + 4321 } else { 64 << 20 };

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
#[inline(always)]
fn swar_digits(word: u64) -> (usize, u64) {
  let x = word.wrapping_sub(0x3030_3030_3030_3030);
  // high bit set in every byte that is not a digit (below '0' wraps, above '9' overflows +0x76)
  let non_digit = (x | x.wrapping_add(0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080;
  let len = (non_digit.trailing_zeros() / 8) as usize;
  if len == 0 {
    return (0, 0);
  }
  (len, combine8(if len == 8 { x } else { x << (64 - 8 * len) }))
}

/// The value of eight digits already less `'0'` (little-endian, the first digit lowest; leading
/// zero bytes stand for leading zeros): three multiplies combine pairs, quads, then halves.
#[inline(always)]
fn combine8(x: u64) -> u64 {
  let mut v = (x & 0x0F0F_0F0F_0F0F_0F0F).wrapping_mul(2561) >> 8;
  v = (v & 0x00FF_00FF_00FF_00FF).wrapping_mul(6_553_601) >> 16;
  (v & 0x0000_FFFF_0000_FFFF).wrapping_mul(42_949_672_960_001) >> 32
}

/// Bytes a window of [`window_values`] spans.
const SPAN: usize = 64;

/// Most values a window holds (a digit and a comma each).
const SPAN_VALUES: usize = SPAN / 2;

/// The digits, commas and newlines among `text[i..i + 64]`: bit k of each mask for byte i + k.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn span_masks(text: &[u8], i: usize) -> (u64, u64, u64) {
  use std::arch::x86_64::*;
  assert!(i + SPAN <= text.len());
  // SAFETY: SSE2 is part of every x86_64 target; the 64 bytes read are in bounds (asserted).
  unsafe {
    let p = text.as_ptr().add(i) as *const __m128i;
    let zero = _mm_set1_epi8(b'0' as i8);
    let nine = _mm_set1_epi8(9);
    let comma = _mm_set1_epi8(b',' as i8);
    let newline = _mm_set1_epi8(b'\n' as i8);
    let (mut d, mut c, mut n) = (0u64, 0u64, 0u64);
    for k in 0..SPAN / 16 {
      let v = _mm_loadu_si128(p.add(k));
      // a digit less '0' is 0..=9 (unsigned); every other byte is above
      let u = _mm_sub_epi8(v, zero);
      let digit = _mm_cmpeq_epi8(_mm_min_epu8(u, nine), u);
      d |= (_mm_movemask_epi8(digit) as u16 as u64) << (16 * k);
      c |= (_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma)) as u16 as u64) << (16 * k);
      n |= (_mm_movemask_epi8(_mm_cmpeq_epi8(v, newline)) as u16 as u64) << (16 * k);
    }
    (d, c, n)
  }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn span_masks(text: &[u8], i: usize) -> (u64, u64, u64) {
  span_masks_swar(text, i)
}

/// [`span_masks`] eight bytes at a time, exactly (no carry crosses a byte lane).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline(always)]
fn span_masks_swar(text: &[u8], i: usize) -> (u64, u64, u64) {
  const LO7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
  const HI: u64 = 0x8080_8080_8080_8080;
  const ONES: u64 = 0x0101_0101_0101_0101;
  // the high bit of each lane, gathered into the low 8 bits
  let gather = |m: u64| ((m >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56;
  let zero_lanes = |x: u64| !(((x & LO7) + LO7) | x | LO7);
  let (mut d, mut c, mut n) = (0u64, 0u64, 0u64);
  for k in 0..SPAN / 8 {
    let w = word_at(text, i + 8 * k);
    let low = w & LO7;
    // lanes below 0x80: high bit of low + 0x50 says >= '0', of low + 0x46 says >= ':'
    let digit = (low + 0x50 * ONES) & !(low + 0x46 * ONES) & !w & HI;
    d |= gather(digit) << (8 * k);
    c |= gather(zero_lanes(w ^ (b',' as u64 * ONES))) << (8 * k);
    n |= gather(zero_lanes(w ^ (b'\n' as u64 * ONES))) << (8 * k);
  }
  (d, c, n)
}

/// The values of `text[i..i + 64]` up to its last comma, when those bytes are all V8's own layout
/// (`d+ ((',' | '\n,') d+)* ','`, values of at most 16 digits): one pass finds every value's
/// first and last digit from masks, so no value waits for the previous one to be scanned. Writes
/// them to `out` and returns how many, and the index after that comma; `None` when the bytes hold
/// anything else (or are too few), and then [`fast_value`] and [`slow_value`] read them, errors
/// included. A value longer than 16 digits ends the window early, before it.
#[cfg(test)]
fn span_values(text: &[u8], i: usize, out: &mut [u64; SPAN_VALUES]) -> Option<(usize, usize)> {
  // SAFETY: without AVX2 there is no requirement
  unsafe { span_values_with::<false>(text, i, out) }
}

/// [`span_values`] compiled for AVX2 (tests compare the two).
#[cfg(all(test, target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
unsafe fn span_values_avx2(text: &[u8], i: usize, out: &mut [u64; SPAN_VALUES]) -> Option<(usize, usize)> {
  span_values_with::<true>(text, i, out)
}

/// [`span_values`]; with `AVX2`, values of up to 8 digits are converted four at a time (see
/// [`convert4`]), a span with a longer one as before.
///
/// # Safety
/// With `AVX2` true, the CPU must have AVX2 (call it from a function compiled for it, after
/// detection); with `AVX2` false there is no requirement.
#[inline(always)]
unsafe fn span_values_with<const AVX2: bool>(
  text: &[u8],
  i: usize,
  out: &mut [u64; SPAN_VALUES],
) -> Option<(usize, usize)> {
  if i + SPAN + 8 > text.len() {
    return None;
  }
  let (d, c, n) = span_masks(text, i);
  if d & 1 == 0 || c == 0 {
    return None;
  }
  let lc = 63 - c.leading_zeros();
  let m = u64::MAX >> (63 - lc);
  let (d, c, n) = (d & m, c & m, n & m);
  let bad = (m & !(d | c | n)) // anything else
    | ((n << 1) & !c) // a newline not followed by a comma
    | (n & !(d << 1)) // a newline not after a digit
    | (((c & !(1 << lc)) << 1) & !d) // a comma (but the last) not followed by a digit
    | (c & !((d | n) << 1)); // a comma after neither a digit nor a newline
  if bad != 0 {
    return None;
  }
  const ZEROS: u64 = 0x3030_3030_3030_3030;
  let mut starts = d & !(d << 1);
  let mut ends = d & !(d >> 1);
  #[cfg(target_arch = "x86_64")]
  if AVX2 {
    // each value's 8 bytes, its digits last (leading zero bytes stand for leading zeros)
    let mut raw = [0u64; SPAN_VALUES];
    let mut k = 0;
    let (mut st, mut en) = (starts, ends);
    while st != 0 {
      let s = st.trailing_zeros() as usize;
      let len = en.trailing_zeros() as usize + 1 - s;
      st &= st - 1;
      en &= en - 1;
      if len > 8 {
        k = usize::MAX;
        break;
      }
      raw[k % SPAN_VALUES] = word_at(text, i + s) << (64 - 8 * len);
      k += 1;
    }
    if k != usize::MAX {
      for g in (0..k).step_by(4) {
        // SAFETY: with AVX2 the CPU has it (this function's contract); g + 4 <= 32 (k <= 32)
        unsafe { convert4(&raw[g..g + 4], &mut out[g..g + 4]) };
      }
      return Some((k, i + lc as usize + 1));
    }
  }
  let mut k = 0;
  while starts != 0 {
    let s = starts.trailing_zeros() as usize;
    let len = ends.trailing_zeros() as usize + 1 - s;
    starts &= starts - 1;
    ends &= ends - 1;
    // a value's 8 bytes from its first digit are in `text` (s <= 62, i + 72 <= len)
    let w = word_at(text, i + s).wrapping_sub(ZEROS);
    let v = if len <= 8 {
      combine8(w << (64 - 8 * len))
    } else if len <= 16 {
      // s + 16 <= 70 here (its last digit is before the last comma)
      let w2 = word_at(text, i + s + 8).wrapping_sub(ZEROS);
      combine8(w) * POW10[len - 8] + combine8(w2 << (128 - 8 * len))
    } else {
      return (k > 0).then_some((k, i + s));
    };
    out[k % SPAN_VALUES] = v;
    k += 1;
  }
  Some((k, i + lc as usize + 1))
}

/// Four values of up to 8 ASCII digits each (one a word of `raw`, its digits in the high bytes,
/// zero bytes before them) into `out`: digits less '0' (saturating, so the zero bytes stay 0),
/// then pairs (×10 + next), quads (×100), eights (×10000) in 16- and 32-bit lanes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn convert4(raw: &[u64], out: &mut [u64]) {
  use std::arch::x86_64::*;
  assert!(raw.len() >= 4 && out.len() >= 4);
  let x = _mm256_loadu_si256(raw.as_ptr() as *const __m256i);
  let d = _mm256_subs_epu8(x, _mm256_set1_epi8(b'0' as i8));
  // bytes (10, 1) a pair: 10 * first + second
  let pairs = _mm256_maddubs_epi16(d, _mm256_set1_epi16(0x010a));
  // (100, 1) a pair of pairs
  let quads = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x0001_0064));
  // per 128-bit lane: [a0 a1 b0 b1 a0 a1 b0 b1] as u16 (a quad is at most 9999)
  let packed = _mm256_packus_epi32(quads, quads);
  // (10000, 1): per lane [a b a b] as u32
  let eights = _mm256_madd_epi16(packed, _mm256_set1_epi32(0x0001_2710));
  // the low 64 bits of each lane: [a b c d]
  let four = _mm256_castsi256_si128(_mm256_permute4x64_epi64(eights, 0b10_00));
  _mm256_storeu_si256(out.as_mut_ptr() as *mut __m256i, _mm256_cvtepu32_epi64(four));
}

const POW10: [u64; 9] = [
  1,
  10,
  100,
  1_000,
  10_000,
  100_000,
  1_000_000,
  10_000_000,
  100_000_000,
];

#[inline(always)]
fn word_at(text: &[u8], i: usize) -> u64 {
  u64::from_le_bytes(text[i..i + 8].try_into().expect("8 bytes"))
}

/// The common case, with no branch per digit: 1 to 15 digits followed by `,` or by `\n,` (V8
/// ends every record with a newline). Returns the value and the index after the separator, or
/// None for anything else (whitespace, a sign, a long number, the last value, an error), which
/// [`slow_value`] then reads. Needs 16 bytes of text from `i`.
#[inline(always)]
fn fast_value(text: &[u8], i: usize) -> Option<(u64, usize)> {
  if i + 16 > text.len() {
    return None;
  }
  let w = word_at(text, i);
  let (len, val) = swar_digits(w);
  let (v, end) = if len == 0 {
    return None;
  } else if len < 8 {
    (val, i + len)
  } else {
    let (len2, val2) = swar_digits(word_at(text, i + 8));
    if len2 == 8 {
      return None;
    }
    (val * POW10[len2] + val2, i + 8 + len2)
  };
  match text[end] {
    b',' => Some((v, end + 1)),
    b'\n' if text.get(end + 1) == Some(&b',') => Some((v, end + 2)),
    _ => None,
  }
}

/// One value of `v (, v)*` at `text[i..]`, whitespace allowed around it, and its separator, byte
/// by byte: returns (value, offset of the value, index after the separator, whether it was the
/// last value of `text`). `closes` tells whether the text is followed by the array's `]` (else by
/// a `,`), for the message when a value is missing at its end. Errors carry the absolute offset.
fn slow_value(
  text: &[u8],
  mut i: usize,
  base: u64,
  closes: bool,
  signed: bool,
) -> std::result::Result<(u64, usize, usize, bool), (u64, String)> {
  let n = text.len();
  while i < n && is_ws(text[i]) {
    i += 1;
  }
  let at = i;
  let neg = signed && i < n && text[i] == b'-';
  if neg {
    i += 1;
  }
  let start = i;
  let mut v: u64 = 0;
  while i < n {
    let d = text[i].wrapping_sub(b'0');
    if d > 9 {
      break;
    }
    v = v.wrapping_mul(10).wrapping_add(d as u64);
    i += 1;
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
    return Ok((v, at, i + 1, false));
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
  if i == n {
    return Ok((v, at, n, true));
  }
  Ok((v, at, i + 1, false))
}

/// Commas in `text`, eight bytes at a time: an exact zero-byte test on `word ^ ",,,,,,,,"` puts
/// a 1 in each byte lane that held a comma; lanes add up for 255 words, then fold.
fn count_commas(text: &[u8]) -> u64 {
  const LO7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
  const COMMAS: u64 = 0x2c2c_2c2c_2c2c_2c2c;
  let words = text.chunks_exact(8);
  let tail = words.remainder();
  let mut total = 0u64;
  let mut lanes = 0u64;
  let mut in_lanes = 0;
  for w in words {
    let x = u64::from_le_bytes(w.try_into().expect("8 bytes")) ^ COMMAS;
    // high bit of a lane set iff the lane is zero (no carries between lanes)
    let zero = !(((x & LO7) + LO7) | x | LO7);
    lanes += zero >> 7;
    in_lanes += 1;
    if in_lanes == 255 {
      total += fold_lanes(lanes);
      lanes = 0;
      in_lanes = 0;
    }
  }
  total + fold_lanes(lanes) + tail.iter().filter(|&&b| b == b',').count() as u64
}

/// Sum of the eight byte lanes of `x`.
#[inline]
fn fold_lanes(x: u64) -> u64 {
  let pairs = (x & 0x00ff_00ff_00ff_00ff) + ((x >> 8) & 0x00ff_00ff_00ff_00ff);
  pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48
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
  pub section: Array,
  pub field_names: Vec<String>,
  pub cols: Vec<Col>,
  pub checks: Vec<Check>,
  /// Field position of the next value.
  pos: usize,
  /// Number of values stored.
  pub values: u64,
  /// Accept negative values (stored as two's complement; `locations` may hold -1).
  pub signed: bool,
  /// Records the header announces (0: unknown). Only caps growth, never allocates by itself:
  /// a header may lie (2^40 nodes in a 1 KB file), so columns grow with the values actually
  /// read, and stop at this size when the header was right.
  expected: usize,
}

impl RecordSink {
  pub fn new(section: Array, field_names: Vec<String>, cols: Vec<Col>, checks: Vec<Check>) -> Self {
    debug_assert_eq!(cols.len(), field_names.len());
    RecordSink {
      section,
      field_names,
      cols,
      checks,
      pos: 0,
      values: 0,
      signed: false,
      expected: 0,
    }
  }

  /// A sink that keeps every value in one column (for sections whose layout is not known yet,
  /// or that are used raw).
  pub fn flat(section: Array) -> Self {
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
  /// announced size as the last step, so memory follows the input, not the header. Fallible:
  /// a column that cannot grow is an out-of-memory error, not an abort of the process.
  pub fn reserve_for(&mut self, values: u64) -> Result<()> {
    let stride = self.cols.len() as u64;
    let records = values.div_ceil(stride) as usize;
    let expected = self.expected;
    let section = self.section;
    for c in &mut self.cols {
      match c {
        Col::U8(v) => grow(v, records, expected, section)?,
        Col::U32(v, _) => grow(v, records, expected, section)?,
        Col::Skip => {}
      }
    }
    Ok(())
  }

  /// Stores `vals` in order (room for them made with [`reserve_for`](Self::reserve_for) first;
  /// what is missing is allocated here, infallibly). On a failed check, returns the index in
  /// `vals` and a message.
  pub fn extend(&mut self, vals: &[u64]) -> std::result::Result<(), (usize, String)> {
    let stride = self.cols.len();
    let _ = self.reserve_for(self.values + vals.len() as u64);
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

  fn field_label(&self, value_index: u64) -> Section {
    let f = (value_index % self.cols.len() as u64) as usize;
    if self.cols.len() == 1 {
      Section::Array(self.section)
    } else {
      Section::Column(self.section, self.field_names[f].clone())
    }
  }

  fn push_one(&mut self, v: u64, offset: u64) -> Result<()> {
    let idx = self.values;
    self.reserve_for(idx + 1)?;
    self
      .extend(&[v])
      .map_err(|(_, msg)| Error::parse(self.field_label(idx), Some(offset), msg))
  }
}

/// Grows `v`'s capacity to hold `need` items: doubling (amortised O(1) per item), but not past
/// `expected` when that is enough, so a header that tells the truth costs no slack.
fn grow<T>(v: &mut Vec<T>, need: usize, expected: usize, section: Array) -> Result<()> {
  if need <= v.capacity() {
    return Ok(());
  }
  let mut target = need.max(v.capacity().saturating_mul(2)).max(64);
  if expected >= need {
    target = target.min(expected);
  }
  if v.try_reserve_exact(target - v.len()).is_err() {
    // doubling may ask for more than is left: then just what is needed
    v.try_reserve_exact(need - v.len()).map_err(|_| {
      let bytes = (need * std::mem::size_of::<T>()) as u64;
      Error::memory(bytes, format_args!("a column of the {section} array"))
    })?;
  }
  Ok(())
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
          // at the first digit, after any sign, as `slow_value` says it
          return Err(Error::parse(
            section,
            Some(state.number_start + state.neg as u64),
            "number does not fit in 64 bits",
          ));
        }
        state.acc = state.acc * 10 + (b - b'0') as u64;
      } else if state.in_number && state.digits == 0 {
        // a `-` that no digit follows: the error `slow_value` gives for the same bytes, at the
        // same offset, so a cut after the sign changes nothing
        let msg = match b {
          b']' => "expected a number, found the end of the array".to_string(),
          b',' => "expected an unsigned integer, found ','".to_string(),
          _ => format!("expected an unsigned integer, found {}", describe(b)),
        };
        return Err(Error::parse(section, Some(off), msg));
      } else if is_ws(b) {
        if state.in_number {
          state.in_number = false;
          state.after_number = true;
        }
      } else if b == b',' || b == b']' {
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
    // Here we expect a value (after '[' or ','), or ']' right after '['. The region is looked
    // for in at most REGION_MAX bytes: a caller that passes the whole rest of a file (parse_bytes,
    // a big pushed buffer) would otherwise have every range after the array's end scanned for a
    // `]` it does not hold; a value cut at that bound is carried as at a chunk's end.
    let rest = &buf[pos..buf.len().min(pos + REGION_MAX)];
    let rbase = base + pos as u64;
    let split = split_region(rest);
    if let Some(close) = split.close {
      let region = &rest[..close];
      if !state.seen_any && region.iter().all(|&b| is_ws(b)) {
        return Ok((pos + close + 1, true));
      }
      parse_region(region, rbase, sink, true, &split)?;
      return Ok((pos + close + 1, true));
    }
    if let Some(comma) = split.end {
      parse_region(&rest[..comma], rbase, sink, false, &split)?;
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

/// Where one field's values go in a fill, and a test that every valid value passes without a
/// division: `v < below` and, when `magic` is set, `v` a multiple of the stride it was made for
/// (for 32-bit values, Lemire's divisibility test `v * magic < magic`, magic = ⌈2^64 /
/// stride⌉). The test may refuse a valid value (then the exact check decides), never the reverse.
#[derive(Clone, Copy)]
struct Lane {
  out: Target,
  below: u64,
  magic: u64,
}

impl Lane {
  fn new(out: Target, check: &Check) -> Lane {
    let u8_below = if matches!(out, Target::U8(_)) {
      256
    } else {
      u64::MAX
    };
    let (below, magic) = match *check {
      Check::None => (u64::MAX, 0),
      Check::Below { len, .. } => (len, 0),
      Check::NodeIndex { stride, limit } => {
        let limit = limit.unwrap_or(u64::MAX);
        match stride {
          0 => (0, 0), // no fast answer: every value goes to the exact check
          1 => (limit, 0),
          s if s <= u32::MAX as u64 => (limit, (u64::MAX / s).wrapping_add(1)),
          _ => (0, 0),
        }
      }
    };
    Lane {
      out,
      below: below.min(u8_below),
      magic,
    }
  }

  #[inline(always)]
  fn passes(self, v: u64) -> bool {
    v < self.below && (self.magic == 0 || (v <= u32::MAX as u64 && v.wrapping_mul(self.magic) < self.magic))
  }
}

/// The first failure in a piece: offset, the value's index when a check failed (for the field
/// name), and the message.
type PieceErr = (u64, Option<u64>, String);

/// Values wider than 32 bits of u32 columns: (field, record, value).
type Wide = Vec<(usize, u64, u64)>;

/// Values scanned before they are checked and stored (8 KiB: stays in L1).
const BLOCK: usize = 1024;

/// Checks and stores `vals`, values number `x0..` of the section, field by field (value x goes
/// to column x % stride, record x / stride). On a failed check returns the index in `vals` of the
/// first failing value in text order and its message; values wider than 32 bits of u32 columns
/// go to `wide` as (field, record, value).
fn store_block(
  vals: &[u64],
  x0: u64,
  lanes: &[Lane],
  sink: &RecordSink,
  wide: &mut Vec<(usize, u64, u64)>,
) -> std::result::Result<(), (usize, String)> {
  let stride = lanes.len();
  let s = stride as u64;
  let mut bad = false;
  let mut high = 0u64;
  for (f, lane) in lanes.iter().enumerate() {
    let j0 = ((f as u64 + s - x0 % s) % s) as usize;
    if j0 >= vals.len() {
      continue;
    }
    let r0 = ((x0 + j0 as u64) / s) as usize;
    let column = vals[j0..].iter().step_by(stride);
    match lane.out {
      Target::Skip => {
        if lane.below != u64::MAX || lane.magic != 0 {
          bad |= column.clone().any(|&v| !lane.passes(v));
        }
      }
      Target::U8(SendPtr(p)) => {
        for (k, &v) in column.enumerate() {
          bad |= !lane.passes(v);
          // SAFETY: the columns have room for every value the region's commas allow, a piece
          // stores at most the values it was counted for (`fill_piece_with` refuses a block
          // that would pass them), and value x is stored only by the piece that holds it, so
          // record r0 + k of this field is in bounds and no other thread writes it.
          unsafe { *p.add(r0 + k) = v as u8 };
        }
      }
      Target::U32(SendPtr(p)) => {
        let p = p as *mut u32;
        for (k, &v) in column.enumerate() {
          bad |= !lane.passes(v);
          high |= v;
          // SAFETY: as above; the pointer is the column's u32 buffer.
          unsafe { *p.add(r0 + k) = v as u32 };
        }
      }
    }
  }
  if bad {
    for (j, &v) in vals.iter().enumerate() {
      let f = ((x0 + j as u64) % s) as usize;
      if !lanes[f].passes(v) {
        sink.check_one(f, v).map_err(|m| (j, m))?;
      }
    }
  }
  if high > u32::MAX as u64 {
    for (j, &v) in vals.iter().enumerate() {
      let x = x0 + j as u64;
      let f = (x % s) as usize;
      if v > u32::MAX as u64 && matches!(lanes[f].out, Target::U32(_)) {
        wide.push((f, x / s, v));
      }
    }
  }
  Ok(())
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

/// One piece of a region, as [`parse_region`] hands it to a thread: `text` = `v (, v)*` at
/// absolute offset `base`, whose first value is value number `first` of the section, holding
/// `count` values (the slots made for it); `closes`: the array's `]` follows it.
#[derive(Clone, Copy)]
struct Piece<'a> {
  text: &'a [u8],
  base: u64,
  first: u64,
  count: u64,
  closes: bool,
}

/// Parses a piece into the columns: blocks of values are scanned into an L1-sized buffer (a
/// tight loop with no per-field work), then checked and stored field by field. Returns the
/// values wider than 32 bits of u32 columns as (field, record, value) and the number of values
/// read, or the first failure in the text. At most `count` values are stored: a text holding
/// more is refused before any write past them.
fn fill_piece(piece: Piece<'_>, lanes: &[Lane], sink: &RecordSink) -> std::result::Result<(Wide, u64), PieceErr> {
  #[cfg(target_arch = "x86_64")]
  if std::arch::is_x86_feature_detected!("avx2") {
    // SAFETY: the CPU has AVX2
    return unsafe { fill_piece_avx2(piece, lanes, sink) };
  }
  // SAFETY: without AVX2 there is no requirement
  unsafe { fill_piece_with::<false>(piece, lanes, sink) }
}

/// [`fill_piece`] compiled for AVX2 (values converted four at a time).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn fill_piece_avx2(piece: Piece<'_>, lanes: &[Lane], sink: &RecordSink) -> std::result::Result<(Wide, u64), PieceErr> {
  fill_piece_with::<true>(piece, lanes, sink)
}

/// [`fill_piece`], its spans read with or without AVX2.
///
/// # Safety
/// As [`span_values_with`]: with `AVX2` true, the CPU must have AVX2.
#[inline(always)]
unsafe fn fill_piece_with<const AVX2: bool>(
  piece: Piece<'_>,
  lanes: &[Lane],
  sink: &RecordSink,
) -> std::result::Result<(Wide, u64), PieceErr> {
  let Piece {
    text,
    base,
    first,
    count,
    closes,
  } = piece;
  let mut buf = [0u64; BLOCK];
  let mut wide = Vec::new();
  let mut x = first;
  let mut i = 0;
  let mut retry = 0;
  loop {
    let block_at = i;
    let mut n = 0;
    let mut syntax = None;
    let mut last = false;
    while n < BLOCK {
      if n + SPAN_VALUES <= BLOCK && i >= retry {
        let out: &mut [u64; SPAN_VALUES] = (&mut buf[n..n + SPAN_VALUES]).try_into().expect("32");
        // AVX2 only when the CPU has it: this function's own contract
        if let Some((k, next)) = span_values_with::<AVX2>(text, i, out) {
          n += k;
          i = next;
          continue;
        }
        // something else: a few values one at a time before the next try
        retry = i + SPAN / 2;
      }
      if let Some((v, next)) = fast_value(text, i) {
        buf[n] = v;
        n += 1;
        i = next;
        continue;
      }
      match slow_value(text, i, base, closes, sink.signed) {
        Ok((v, _, next, end)) => {
          buf[n] = v;
          n += 1;
          i = next;
          if end {
            last = true;
            break;
          }
        }
        Err(e) => {
          syntax = Some(e);
          break;
        }
      }
    }
    // The writes below stay within the piece's slots, whatever the text holds: the count the
    // slots were made from and the values read are two readings of the same bytes, and a
    // disagreement is refused here rather than trusted.
    if x - first + n as u64 > count {
      return Err((
        base + block_at as u64,
        None,
        format!("internal error: the piece holds more than the {count} values its commas allow"),
      ));
    }
    // The values before a syntax error come first in the text: they are checked first.
    store_block(&buf[..n], x, lanes, sink, &mut wide).map_err(|(k, m)| {
      let off = offset_of_value(&text[block_at..], base + block_at as u64, k);
      (off, Some(x + k as u64), m)
    })?;
    if let Some((off, m)) = syntax {
      return Err((off, None, m));
    }
    x += n as u64;
    if last {
      return Ok((wide, x - first));
    }
  }
}

/// Parses a region of complete values (`v (, v)*`) into the sink's columns, in parallel when it
/// is large: the region is split at commas, each piece's values are counted (its commas + 1),
/// which gives every piece the index of its first value, and then every piece parses, checks and
/// de-interleaves its values in one pass. `closes`: the region is followed by `]` (else by `,`).
/// The error reported is the first one in the text, whatever the chunking: a piece stops at its
/// first failure and the earliest piece that failed wins (the pieces before it are complete, so
/// its value indices are exact).
fn parse_region(region: &[u8], base: u64, sink: &mut RecordSink, closes: bool, split: &Split) -> Result<()> {
  let pieces = &split.pieces;
  let counts = &split.counts;
  let mut starts = Vec::with_capacity(pieces.len());
  let mut total = sink.values;
  for c in counts {
    starts.push(total);
    total += c;
  }
  let stride = sink.cols.len() as u64;
  sink.reserve_for(total)?;
  // Size every column for the new total (value x goes to column x % stride, record x / stride).
  // The new slots are written in place, in the columns' spare capacity (no zeroing pass: the
  // pages are first touched by the parallel fills), and counted in once every piece succeeded.
  let count_for = |f: u64| if total > f { (total - f).div_ceil(stride) } else { 0 } as usize;
  let mut lanes: Vec<Lane> = Vec::with_capacity(sink.cols.len());
  for (f, c) in sink.cols.iter_mut().enumerate() {
    let n = count_for(f as u64);
    let out = match c {
      Col::Skip => Target::Skip,
      Col::U8(v) => {
        assert!(v.capacity() >= n && v.len() <= n);
        Target::U8(SendPtr(v.as_mut_ptr()))
      }
      Col::U32(v, _) => {
        assert!(v.capacity() >= n && v.len() <= n);
        Target::U32(SendPtr(v.as_mut_ptr() as *mut u8))
      }
    };
    lanes.push(Lane::new(out, &sink.checks[f]));
  }
  let sink_ref: &RecordSink = sink;
  let lanes = &lanes;
  let fill = |k: usize| {
    let (s, e) = pieces[k];
    let piece = Piece {
      text: &region[s..e],
      base: base + s as u64,
      first: starts[k],
      count: counts[k],
      closes: closes && e == region.len(),
    };
    fill_piece(piece, lanes, sink_ref)
  };
  let results: Vec<_> = if pieces.len() == 1 {
    vec![fill(0)]
  } else {
    (0..pieces.len()).into_par_iter().map(fill).collect()
  };
  let mut wide_all = Vec::new();
  for (k, r) in results.into_iter().enumerate() {
    match r {
      Ok((w, values)) => {
        // every slot of the new records was written: each piece read as many values as it has
        // commas + 1, which is what its slots were counted from
        assert_eq!(values, counts[k], "values read in a piece");
        wide_all.extend(w)
      }
      Err((off, value, msg)) => {
        let field = match value {
          Some(x) => sink.field_label(x),
          None => Section::Array(sink.section),
        };
        return Err(Error::parse(field, Some(off), msg));
      }
    }
  }
  for (f, c) in sink.cols.iter_mut().enumerate() {
    let n = count_for(f as u64);
    match c {
      Col::Skip => {}
      // SAFETY: capacity checked above; slots len..n were all written (counts checked above)
      Col::U8(v) => unsafe { v.set_len(n) },
      Col::U32(v, _) => unsafe { v.set_len(n) },
    }
  }
  for (f, rec, v) in wide_all {
    if let Col::U32(_, w) = &mut sink.cols[f] {
      w.push((rec, v));
    }
  }
  sink.values = total;
  sink.pos = (total % stride) as usize;
  Ok(())
}

/// Where the values of a chunk's text end, and the pieces it is parsed in.
struct Split {
  /// The `]` that closes the array, when the text holds it.
  close: Option<usize>,
  /// The end of the region of complete values: `close`, else the text's last comma (none when
  /// it has neither).
  end: Option<usize>,
  /// Byte ranges of the region, split at commas (the commas excluded).
  pieces: Vec<(usize, usize)>,
  /// Values in each piece (its commas + 1).
  counts: Vec<u64>,
}

/// Finds the region of complete values at the start of `rest` (up to the `]` that closes the
/// array, else up to the last comma) and splits it into pieces at commas, each with its count
/// of values, in one pass over the bytes: the commas and the first `]` are found together, in
/// parallel for large texts (fixed byte ranges; each piece then starts after the first comma
/// at or after a range's start, its first value's index being the commas before it + 1).
fn split_region(rest: &[u8]) -> Split {
  if rest.len() < PARALLEL_MIN {
    let (commas, close) = count_to_bracket(rest);
    let (end, values) = match close {
      Some(c) => (Some(c), commas + 1),
      // the last comma ends the region: the values before it are one per comma
      None => (memchr::memrchr(b',', rest), commas),
    };
    let (pieces, counts) = match end {
      Some(e) => (vec![(0, e)], vec![values]),
      None => (Vec::new(), Vec::new()),
    };
    return Split {
      close,
      end,
      pieces,
      counts,
    };
  }
  let parts = rayon::current_num_threads().max(1) * 4;
  let step = rest.len() / parts;
  let bounds: Vec<usize> = (0..parts).map(|k| k * step).chain([rest.len()]).collect();
  let scans: Vec<(u64, Option<usize>)> = (0..parts)
    .into_par_iter()
    .map(|k| count_to_bracket(&rest[bounds[k]..bounds[k + 1]]))
    .collect();
  // commas before each range's start, up to the range holding the `]`
  let mut before = Vec::with_capacity(parts + 1);
  let mut commas = 0u64;
  let mut close = None;
  for (k, &(c, b)) in scans.iter().enumerate() {
    before.push(commas);
    commas += c;
    if let Some(b) = b {
      close = Some(bounds[k] + b);
      break;
    }
  }
  let (end, values) = match close {
    Some(c) => (Some(c), commas + 1),
    None => (memchr::memrchr(b',', rest), commas),
  };
  let Some(end) = end else {
    return Split {
      close,
      end,
      pieces: Vec::new(),
      counts: Vec::new(),
    };
  };
  // piece starts: (byte, index of its first value)
  let mut starts = vec![(0usize, 0u64)];
  for (k, &c) in before.iter().enumerate().skip(1) {
    let from = bounds[k].max(starts.last().map_or(0, |s| s.0));
    if from >= end {
      break;
    }
    let Some(at) = memchr::memchr(b',', &rest[from..end]) else {
      break;
    };
    if from > bounds[k] {
      continue; // the previous piece already reaches past this range's start
    }
    starts.push((from + at + 1, c + 1));
  }
  let mut pieces = Vec::with_capacity(starts.len());
  let mut counts = Vec::with_capacity(starts.len());
  for (j, &(s, first)) in starts.iter().enumerate() {
    let (e, next) = match starts.get(j + 1) {
      Some(&(s2, f2)) => (s2 - 1, f2),
      None => (end, values),
    };
    pieces.push((s, e));
    counts.push(next - first);
  }
  Split {
    close,
    end: Some(end),
    pieces,
    counts,
  }
}

/// The commas of `text` before its first `]`, and where that `]` is.
#[cfg(target_arch = "x86_64")]
fn count_to_bracket(text: &[u8]) -> (u64, Option<usize>) {
  use std::arch::x86_64::*;
  let mut i = 0;
  let mut commas = 0u64;
  // SAFETY: SSE2 is part of every x86_64 target; every 64-byte block read is in bounds.
  unsafe {
    let comma = _mm_set1_epi8(b',' as i8);
    let close = _mm_set1_epi8(b']' as i8);
    let p = text.as_ptr();
    'outer: while i + 64 <= text.len() {
      // each block adds at most 4 to a byte lane: 63 blocks before the lanes are summed
      let stop = (i + 63 * 64).min(text.len() - 63);
      let mut acc = _mm_setzero_si128();
      let mut found = false;
      while i < stop {
        let v0 = _mm_loadu_si128(p.add(i) as *const __m128i);
        let v1 = _mm_loadu_si128(p.add(i + 16) as *const __m128i);
        let v2 = _mm_loadu_si128(p.add(i + 32) as *const __m128i);
        let v3 = _mm_loadu_si128(p.add(i + 48) as *const __m128i);
        let b = _mm_or_si128(
          _mm_or_si128(_mm_cmpeq_epi8(v0, close), _mm_cmpeq_epi8(v1, close)),
          _mm_or_si128(_mm_cmpeq_epi8(v2, close), _mm_cmpeq_epi8(v3, close)),
        );
        if _mm_movemask_epi8(b) != 0 {
          found = true; // this block is read byte by byte below
          break;
        }
        acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v0, comma));
        acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v1, comma));
        acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v2, comma));
        acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v3, comma));
        i += 64;
      }
      let sums = _mm_sad_epu8(acc, _mm_setzero_si128());
      commas += (_mm_cvtsi128_si64(sums) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums))) as u64;
      if found {
        break 'outer;
      }
    }
  }
  for (k, &b) in text[i..].iter().enumerate() {
    if b == b']' {
      return (commas, Some(i + k));
    }
    commas += (b == b',') as u64;
  }
  (commas, None)
}

#[cfg(not(target_arch = "x86_64"))]
fn count_to_bracket(text: &[u8]) -> (u64, Option<usize>) {
  count_to_bracket_swar(text)
}

/// [`count_to_bracket`] with memchr and eight bytes at a time.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn count_to_bracket_swar(text: &[u8]) -> (u64, Option<usize>) {
  let close = memchr::memchr(b']', text);
  (count_commas(&text[..close.unwrap_or(text.len())]), close)
}

#[cfg(test)]
mod tests {
  use super::*;

  fn run(chunks: &[&str]) -> Result<Vec<u32>> {
    let mut st = NumArrayState::default();
    let mut sink = RecordSink::flat(Array::Nodes);
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

  /// Values of every length (1 to 19 digits, some wider than 32 bits), with the separators V8
  /// writes (`,` and `\n,`) and others (spaces, tabs), from a fixed-seed generator.
  fn sample_text(count: usize, seed: u64) -> (String, Vec<u64>) {
    let mut next = crate::testing::xorshift(seed);
    let mut text = String::new();
    let mut want = Vec::new();
    for k in 0..count {
      let digits = (next() % 19 + 1) as u32;
      let v = next() % 10u64.pow(digits);
      if k > 0 {
        text.push_str(match next() % 8 {
          0..=4 => ",",
          5 => "\n,",
          6 => " , ",
          _ => "\t,\n",
        });
      }
      text.push_str(&v.to_string());
      want.push(v);
    }
    (text, want)
  }

  #[test]
  fn fast_and_slow_paths_agree_with_std_parse() {
    for (count, seed) in [(1, 1), (2, 2), (17, 3), (1000, 4), (400_000, 5)] {
      let (text, want) = sample_text(count, seed);
      let full = format!("{text}]");
      let mut st = NumArrayState::default();
      let mut sink = RecordSink::flat(Array::Nodes);
      let (used, done) = feed(&mut st, &mut sink, full.as_bytes(), 0).unwrap();
      assert!(done && used == full.len());
      let (col, wide) = sink.cols[0].take_u32();
      let mut got: Vec<u64> = col.iter().map(|&v| v as u64).collect();
      for (k, w) in wide {
        assert_eq!(got[k as usize], w & 0xffff_ffff);
        got[k as usize] = w;
      }
      assert_eq!(got, want, "{count} values");
    }
  }

  #[test]
  fn records_are_de_interleaved_and_checked_in_any_chunking() {
    // three fields as in `edges`: a type below 4, a u32, a node index (stride 3, below 300)
    let sink = || {
      RecordSink::new(
        Array::Edges,
        vec!["type".into(), "name_or_index".into(), "to_node".into()],
        vec![
          Col::U8(Vec::new()),
          Col::U32(Vec::new(), Vec::new()),
          Col::U32(Vec::new(), Vec::new()),
        ],
        vec![
          Check::Below {
            len: 4,
            what: "edge type",
          },
          Check::None,
          Check::NodeIndex {
            stride: 3,
            limit: Some(300),
          },
        ],
      )
    };
    let mut text = String::new();
    let records = 300_000usize;
    for r in 0..records {
      text.push_str(&format!("{},{},{}\n,", r % 4, r * 7919 % 100_003, r % 100 * 3));
    }
    text.pop();
    text.push(']');
    let parse = |chunk: usize| {
      let mut st = NumArrayState::default();
      let mut s = sink();
      let mut base = 0u64;
      for c in text.as_bytes().chunks(chunk) {
        let (used, _) = feed(&mut st, &mut s, c, base).unwrap();
        assert_eq!(used, c.len());
        base += used as u64;
      }
      (
        s.cols[0].take_u8(),
        s.cols[1].take_u32().0,
        s.cols[2].take_u32().0,
      )
    };
    let whole = parse(text.len());
    assert_eq!(whole.0.len(), records);
    for r in [0, 1, 2, 12_345, records - 1] {
      assert_eq!(
        (whole.0[r] as usize, whole.1[r] as usize, whole.2[r] as usize),
        (r % 4, r * 7919 % 100_003, r % 100 * 3)
      );
    }
    for chunk in [3 << 20, 1 << 20, 65_536, 4093] {
      assert_eq!(parse(chunk), whole, "chunk {chunk}");
    }
    // the first failing value in the text is reported, with its field and offset
    let bad = |needle: &str, with: &str| {
      let t = text.replacen(needle, with, 1);
      let mut st = NumArrayState::default();
      let mut s = sink();
      let e = feed(&mut st, &mut s, t.as_bytes(), 0).unwrap_err();
      (
        e.field_name().unwrap_or_default(),
        e.offset,
        t.find(with).map(|o| o as u64),
      )
    };
    let (field, off, at) = bad("\n,3,", "\n,7,");
    assert_eq!((field.as_str(), off), ("edges.type", at.map(|o| o + 2)));
    let (field, off, at) = bad(",297\n", ",298\n");
    assert_eq!((field.as_str(), off), ("edges.to_node", at.map(|o| o + 1)));
    let (field, off, at) = bad(",297\n", ",300\n");
    assert_eq!((field.as_str(), off), ("edges.to_node", at.map(|o| o + 1)));
    let (field, off, at) = bad(",297\n", ",29x\n");
    assert_eq!((field.as_str(), off), ("edges", at.map(|o| o + 3)));
  }

  #[test]
  fn span_masks_match_a_byte_loop() {
    let mut next = crate::testing::xorshift(99u64);
    let alphabet = b"0123456789,\n /:]-\t\x80\xac\x8a\xb0\xb9\xff";
    let text: Vec<u8> = (0..8192)
      .map(|_| match next() % 4 {
        0 => (next() % 256) as u8,
        _ => alphabet[(next() % alphabet.len() as u64) as usize],
      })
      .collect();
    for i in 0..text.len() - SPAN {
      let mut want = (0u64, 0u64, 0u64);
      for k in 0..SPAN {
        let b = text[i + k];
        want.0 |= (b.is_ascii_digit() as u64) << k;
        want.1 |= ((b == b',') as u64) << k;
        want.2 |= ((b == b'\n') as u64) << k;
      }
      assert_eq!(span_masks(&text, i), want, "at {i}");
      assert_eq!(span_masks_swar(&text, i), want, "at {i}");
    }
  }

  #[test]
  fn spans_read_v8_layout_and_leave_the_rest() {
    // V8's layout (`,` and `\n,` only) with values of 1 to 19 digits, and now and then a
    // separator spans refuse
    let mut next = crate::testing::xorshift(12345u64);
    let mut text = String::new();
    let mut want = Vec::new();
    for k in 0..300_000 {
      let digits = match next() % 16 {
        0 => (next() % 19 + 1) as u32,
        1..=3 => (next() % 10 + 1) as u32,
        _ => (next() % 6 + 1) as u32,
      };
      let v = next() % 10u64.pow(digits);
      if k > 0 {
        text.push_str(match next() % 1000 {
          0 => " ,",
          1 => ",\n",
          2..=300 => "\n,",
          _ => ",",
        });
      }
      if digits <= 16 && next().is_multiple_of(5000) {
        text.push_str("000"); // leading zeros are read as zeros
      }
      text.push_str(&v.to_string());
      want.push(v);
    }
    text.push(']');
    for chunk in [text.len(), 1 << 20, 65_536, 1000] {
      let mut st = NumArrayState::default();
      let mut sink = RecordSink::flat(Array::Nodes);
      let mut base = 0u64;
      for c in text.as_bytes().chunks(chunk) {
        let (used, _) = feed(&mut st, &mut sink, c, base).unwrap();
        assert_eq!(used, c.len());
        base += used as u64;
      }
      let (col, wide) = sink.cols[0].take_u32();
      let mut got: Vec<u64> = col.iter().map(|&v| v as u64).collect();
      for (k, w) in wide {
        got[k as usize] = w;
      }
      assert_eq!(got, want, "chunk {chunk}");
    }
    // span by span, against the value loop
    let t = text.as_bytes();
    let mut i = 0;
    let mut seen = 0;
    let mut out = [0u64; SPAN_VALUES];
    while i + SPAN + 8 <= t.len() {
      let got = span_values(t, i, &mut out);
      #[cfg(target_arch = "x86_64")]
      if std::arch::is_x86_feature_detected!("avx2") {
        let mut out2 = [0u64; SPAN_VALUES];
        // SAFETY: the CPU has AVX2
        let got2 = unsafe { span_values_avx2(t, i, &mut out2) };
        assert_eq!(got, got2, "span at {i}, AVX2");
        if let Some((k, _)) = got {
          assert_eq!(&out[..k], &out2[..k], "span at {i}, AVX2");
        }
      }
      match got {
        Some((k, next)) => {
          assert!(k > 0 && next > i);
          assert_eq!(&out[..k], &want[seen..seen + k], "span at {i}");
          seen += k;
          i = next;
        }
        None => {
          let (_, _, next, _) = slow_value(t, i, 0, true, false).unwrap();
          seen += 1;
          i = next;
        }
      }
    }
  }

  #[test]
  fn commas_up_to_the_bracket_are_counted_exactly() {
    let mut next = crate::testing::xorshift(5u64);
    let alphabet = b",,,]0123456789\n \xac\xdd";
    for len in [0, 1, 63, 64, 65, 200, 4095, 4096, 4097, 9000, 70_000] {
      for brackets in [0, 1, 3] {
        let mut text: Vec<u8> = (0..len)
          .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
          .map(|b| if b == b']' { b'7' } else { b })
          .collect();
        for _ in 0..brackets {
          if len > 0 {
            let at = (next() % len as u64) as usize;
            text[at] = b']';
          }
        }
        let close = text.iter().position(|&b| b == b']');
        let commas = text[..close.unwrap_or(len)]
          .iter()
          .filter(|&&b| b == b',')
          .count() as u64;
        assert_eq!(count_to_bracket(&text), (commas, close), "{len} {brackets}");
        assert_eq!(count_to_bracket_swar(&text), (commas, close), "{len} {brackets}");
      }
    }
  }

  #[test]
  fn regions_split_into_pieces_with_exact_counts() {
    // values of 1 to 12 digits, V8's separators, over the parallel threshold; with and without a
    // closing bracket, and with an empty value (`,,`) at several places
    let (mut text, _) = sample_text(600_000, 77);
    text = text.replace(" , ", ",").replace("\t,\n", "\n,");
    let t = text.as_bytes();
    assert!(t.len() > 2 * PARALLEL_MIN);
    let check = |t: &[u8], close: Option<usize>| {
      let sp = split_region(t);
      assert_eq!(sp.close, close);
      let end = close.or_else(|| t.iter().rposition(|&b| b == b',')).unwrap();
      assert_eq!(sp.end, Some(end));
      assert!(sp.pieces.len() > 1);
      let mut at = 0;
      for (&(s, e), &c) in sp.pieces.iter().zip(&sp.counts) {
        assert_eq!(s, at);
        assert!(e <= end && s <= e);
        assert_eq!(c, t[s..e].iter().filter(|&&b| b == b',').count() as u64 + 1);
        at = e + 1;
      }
      assert_eq!(at, end + 1);
    };
    check(t, None);
    for cut in [t.len() - 5, t.len() / 2, t.len() / 3 + 7, PARALLEL_MIN + 3] {
      let mut u = t.to_vec();
      u[cut] = b']';
      check(&u, Some(cut));
      // an empty value right at a range boundary and elsewhere
      let mut v = t.to_vec();
      for k in 1..8 {
        let at = v.len() / 8 * k;
        v[at] = b',';
        v[at + 1] = b',';
      }
      check(&v, None);
    }
  }

  #[test]
  fn commas_are_counted_exactly() {
    let mut text = Vec::new();
    let mut want = 0;
    for k in 0..20_000u32 {
      let b = match k % 7 {
        0 | 3 => b',',
        1 => 0xac, // ',' with the high bit set
        2 => b'-',
        4 => 0x2d,
        5 => (k % 256) as u8,
        _ => b'9',
      };
      want += (b == b',') as u64;
      text.push(b);
      if k < 3000 || k % 97 == 0 {
        assert_eq!(count_commas(&text), want, "{k}");
      }
    }
    assert_eq!(
      count_commas(&text[1..]),
      text[1..].iter().filter(|&&b| b == b',').count() as u64
    );
  }

  /// A signed section (`locations`) cut anywhere, even between a `-` and what follows it,
  /// gives the values or the error (offset and message) of the uncut text.
  #[test]
  fn signed_values_and_errors_are_the_same_in_any_chunking() {
    /// The column and its wide values.
    type Read = (Vec<u32>, Vec<(u64, u64)>);
    fn run_signed(chunks: &[&[u8]]) -> Result<Read> {
      let mut st = NumArrayState::default();
      let mut sink = RecordSink::flat(Array::Locations);
      sink.signed = true;
      let mut base = 0u64;
      for c in chunks {
        let (used, done) = feed(&mut st, &mut sink, c, base)?;
        base += used as u64;
        if done {
          return Ok(sink.cols[0].take_u32());
        }
      }
      panic!("not closed")
    }
    let texts: &[&str] = &[
      "1,-2, -30 ,\n-4,5]",
      "-0]",
      "-9223372036854775808,1]",
      "1,- 2]",
      "1,-\n2]",
      "-    28,\n3]",
      "1,-,2]",
      "1,-]",
      "1,- ]",
      "1,-x]",
      "1,--2]",
      "-12345678901234567890]",
      "1,-99999999999999999999,2]",
      "1,99999999999999999999,2]",
    ];
    for t in texts {
      let t = t.as_bytes();
      let whole = run_signed(&[t]);
      for a in 0..=t.len() {
        for b in a..=t.len() {
          let got = run_signed(&[&t[..a], &t[a..b], &t[b..]]);
          let what = format!("{:?} cut at {a}, {b}", String::from_utf8_lossy(t));
          match (&whole, &got) {
            (Ok(x), Ok(y)) => assert_eq!(x, y, "{what}"),
            (Err(x), Err(y)) => {
              assert_eq!(x.offset, y.offset, "{what}: {x} / {y}");
              assert_eq!(x.message, y.message, "{what}");
            }
            _ => panic!("{what}: {whole:?} / {got:?}"),
          }
        }
      }
    }
    // and the uncut errors are where the bad byte is
    let err = |t: &str| run_signed(&[t.as_bytes()]).unwrap_err();
    assert_eq!(err("1,- 2]").offset, Some(3));
    assert_eq!(err("1,-]").offset, Some(3));
    assert_eq!(err("1,-99999999999999999999,2]").offset, Some(3));
    assert_eq!(run_signed(&[b"1,-2]"]).unwrap().0, vec![1, (-2i32) as u32]);
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
