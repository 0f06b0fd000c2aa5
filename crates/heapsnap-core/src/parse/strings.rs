//! JSON string decoding into one byte arena, losslessly.
//!
//! Names are kept as WTF-8: UTF-8 that may also hold lone surrogates (which V8 never writes,
//! but other writers' `\uD800` escapes do), so every name round-trips to the exact UTF-16 text
//! `JSON.parse` would give. Escaped surrogate pairs are joined into one code point. Raw bytes of
//! other writers are kept when they are valid UTF-8; invalid bytes become U+FFFD, as they do when
//! DevTools reads the file as UTF-8. Decoding is resumable at any byte, for the streaming parser.

use crate::error::{Error, Result, Section};

/// The decoded strings of a snapshot: one arena, one offset per string (64-bit: a string
/// section can exceed 4 GiB).
#[derive(Debug, Default, Clone)]
pub struct StringTable {
  pub bytes: Vec<u8>,
  /// `offsets[i]..offsets[i+1]` is string `i`; `offsets.len() == len() + 1`.
  pub offsets: Vec<u64>,
}

impl StringTable {
  pub fn new() -> Self {
    StringTable {
      bytes: Vec::new(),
      offsets: vec![0],
    }
  }
  pub fn len(&self) -> usize {
    self.offsets.len() - 1
  }
  pub fn is_empty(&self) -> bool {
    self.len() == 0
  }
  /// The WTF-8 bytes of string `i` (empty when out of range).
  pub fn get(&self, i: usize) -> &[u8] {
    if i + 1 >= self.offsets.len() {
      return &[];
    }
    &self.bytes[self.offsets[i] as usize..self.offsets[i + 1] as usize]
  }
  /// Appends a string and returns its index.
  pub fn push(&mut self, s: &[u8]) -> u32 {
    self.bytes.extend_from_slice(s);
    self.offsets.push(self.bytes.len() as u64);
    (self.offsets.len() - 2) as u32
  }
  pub(crate) fn end_string(&mut self) {
    self.offsets.push(self.bytes.len() as u64);
  }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Esc {
  #[default]
  None,
  /// Just read a backslash.
  Start,
  /// Reading `\u` hex digits: how many so far and their value.
  Hex(u8, u32),
}

/// Resumable decoder of one JSON string body (after the opening quote).
#[derive(Debug, Default)]
pub struct StrDecoder {
  esc: Esc,
  /// A high surrogate from a `\uD8xx` escape, waiting to see if a low one follows.
  pending_high: Option<u32>,
  /// The string holds raw bytes >= 0x80 and must be checked for valid UTF-8 at its end.
  raw_high: bool,
  /// Where this string starts in `out`.
  start: usize,
}

pub fn push_code_point(out: &mut Vec<u8>, cp: u32) {
  // Encodes any code point up to U+10FFFF, surrogates included (WTF-8).
  if cp < 0x80 {
    out.push(cp as u8);
  } else if cp < 0x800 {
    out.extend_from_slice(&[0xC0 | (cp >> 6) as u8, 0x80 | (cp & 0x3F) as u8]);
  } else if cp < 0x10000 {
    out.extend_from_slice(&[
      0xE0 | (cp >> 12) as u8,
      0x80 | ((cp >> 6) & 0x3F) as u8,
      0x80 | (cp & 0x3F) as u8,
    ]);
  } else {
    out.extend_from_slice(&[
      0xF0 | (cp >> 18) as u8,
      0x80 | ((cp >> 12) & 0x3F) as u8,
      0x80 | ((cp >> 6) & 0x3F) as u8,
      0x80 | (cp & 0x3F) as u8,
    ]);
  }
}

impl StrDecoder {
  pub fn begin(out: &[u8]) -> Self {
    StrDecoder {
      start: out.len(),
      ..Default::default()
    }
  }

  fn flush_high(&mut self, out: &mut Vec<u8>) {
    if let Some(h) = self.pending_high.take() {
      push_code_point(out, h);
    }
  }

  fn code_unit(&mut self, u: u32, out: &mut Vec<u8>) {
    if (0xDC00..0xE000).contains(&u) {
      if let Some(h) = self.pending_high.take() {
        push_code_point(out, 0x10000 + ((h - 0xD800) << 10) + (u - 0xDC00));
        return;
      }
      push_code_point(out, u);
    } else if (0xD800..0xDC00).contains(&u) {
      self.flush_high(out);
      self.pending_high = Some(u);
    } else {
      self.flush_high(out);
      push_code_point(out, u);
    }
  }

  /// Decodes from `input` into `out`. Returns the bytes consumed and whether the closing quote
  /// was reached (it is consumed). `base` is the absolute offset of `input[0]`.
  pub fn feed(
    &mut self,
    input: &[u8],
    base: u64,
    out: &mut Vec<u8>,
    field: &Section,
  ) -> Result<(usize, bool)> {
    let mut i = 0;
    while i < input.len() {
      match self.esc {
        Esc::None => {
          let rest = &input[i..];
          match memchr::memchr2(b'"', b'\\', rest) {
            None => {
              self.copy_raw(rest, out);
              return Ok((input.len(), false));
            }
            Some(k) => {
              self.copy_raw(&rest[..k], out);
              i += k;
              if input[i] == b'"' {
                self.flush_high(out);
                self.finish_raw(out);
                return Ok((i + 1, true));
              }
              self.esc = Esc::Start;
              i += 1;
            }
          }
        }
        Esc::Start => {
          let b = input[i];
          let c = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 8,
            b'f' => 12,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
              self.esc = Esc::Hex(0, 0);
              i += 1;
              continue;
            }
            _ => {
              return Err(Error::parse(
                field.clone(),
                Some(base + i as u64),
                format!("invalid escape '\\{}' in a string", (b as char).escape_default()),
              ))
            }
          };
          self.flush_high(out);
          out.push(c);
          self.esc = Esc::None;
          i += 1;
        }
        Esc::Hex(n, acc) => {
          let b = input[i];
          let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => {
              return Err(Error::parse(
                field.clone(),
                Some(base + i as u64),
                format!(
                  "invalid \\u escape: '{}' is not a hex digit",
                  (b as char).escape_default()
                ),
              ))
            }
          } as u32;
          let acc = acc * 16 + d;
          i += 1;
          if n == 3 {
            self.esc = Esc::None;
            self.code_unit(acc, out);
          } else {
            self.esc = Esc::Hex(n + 1, acc);
          }
        }
      }
    }
    Ok((input.len(), false))
  }

  fn copy_raw(&mut self, raw: &[u8], out: &mut Vec<u8>) {
    if raw.is_empty() {
      return;
    }
    self.flush_high(out);
    if !self.raw_high && raw.iter().any(|&b| b >= 0x80) {
      self.raw_high = true;
    }
    out.extend_from_slice(raw);
  }

  /// Replaces invalid UTF-8 in the finished string by U+FFFD, keeping WTF-8 surrogates that
  /// escapes produced.
  fn finish_raw(&mut self, out: &mut Vec<u8>) {
    if !self.raw_high {
      return;
    }
    let s = &out[self.start..];
    if std::str::from_utf8(s).is_ok() {
      return;
    }
    let fixed = sanitize_wtf8(s);
    out.truncate(self.start);
    out.extend_from_slice(&fixed);
  }
}

/// Valid UTF-8 plus encoded surrogates pass; every other invalid sequence becomes U+FFFD.
pub fn sanitize_wtf8(s: &[u8]) -> Vec<u8> {
  let mut out = Vec::with_capacity(s.len());
  let mut i = 0;
  while i < s.len() {
    let b = s[i];
    let (len, min) = match b {
      0x00..=0x7F => (1, 0),
      0xC2..=0xDF => (2, 0x80),
      0xE0..=0xEF => (3, 0x800),
      0xF0..=0xF4 => (4, 0x10000),
      _ => (0, 0),
    };
    let ok =
      len > 0 && i + len <= s.len() && s[i + 1..i + len].iter().all(|&c| (0x80..0xC0).contains(&c)) && {
        let mut cp = if len == 1 {
          b as u32
        } else {
          (b as u32) & (0x7F >> len)
        };
        for &c in &s[i + 1..i + len] {
          cp = (cp << 6) | (c as u32 & 0x3F);
        }
        cp >= min && cp <= 0x10FFFF
      };
    if ok {
      out.extend_from_slice(&s[i..i + len]);
      i += len;
    } else {
      out.extend_from_slice("\u{FFFD}".as_bytes());
      i += 1;
    }
  }
  out
}

/// Iterates the UTF-16 code units of a WTF-8 string.
pub fn utf16_units(s: &[u8]) -> impl Iterator<Item = u16> + '_ {
  Wtf8Units { s, i: 0, low: None }
}

struct Wtf8Units<'a> {
  s: &'a [u8],
  i: usize,
  low: Option<u16>,
}

impl Iterator for Wtf8Units<'_> {
  type Item = u16;
  fn next(&mut self) -> Option<u16> {
    if let Some(l) = self.low.take() {
      return Some(l);
    }
    let s = self.s;
    let i = self.i;
    if i >= s.len() {
      return None;
    }
    let b = s[i] as u32;
    let (cp, len) = if b < 0x80 {
      (b, 1)
    } else if b < 0xE0 && i + 1 < s.len() {
      (((b & 0x1F) << 6) | (s[i + 1] as u32 & 0x3F), 2)
    } else if b < 0xF0 && i + 2 < s.len() {
      (
        ((b & 0x0F) << 12) | ((s[i + 1] as u32 & 0x3F) << 6) | (s[i + 2] as u32 & 0x3F),
        3,
      )
    } else if i + 3 < s.len() {
      (
        ((b & 0x07) << 18)
          | ((s[i + 1] as u32 & 0x3F) << 12)
          | ((s[i + 2] as u32 & 0x3F) << 6)
          | (s[i + 3] as u32 & 0x3F),
        4,
      )
    } else {
      (0xFFFD, s.len() - i)
    };
    self.i += len;
    if cp >= 0x10000 {
      let c = cp - 0x10000;
      self.low = Some((0xDC00 + (c & 0x3FF)) as u16);
      return Some((0xD800 + (c >> 10)) as u16);
    }
    Some(cp as u16)
  }
}

/// Length in UTF-16 code units (what JS `.length` gives).
pub fn utf16_len(s: &[u8]) -> usize {
  // Every byte that does not continue a sequence starts one unit; 4-byte sequences are two.
  s.iter()
    .map(|&b| {
      if (b & 0xC0) == 0x80 {
        0
      } else if b >= 0xF0 {
        2
      } else {
        1
      }
    })
    .sum()
}

/// Lossy conversion for Rust-side consumers (surrogates become U+FFFD).
pub fn to_string_lossy(s: &[u8]) -> String {
  match std::str::from_utf8(s) {
    Ok(v) => v.to_string(),
    Err(_) => {
      let units: Vec<u16> = utf16_units(s).collect();
      String::from_utf16_lossy(&units)
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn dec(chunks: &[&[u8]]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut d = StrDecoder::begin(&out);
    for c in chunks {
      let (_, done) = d.feed(c, 0, &mut out, &Section::Array(crate::error::Array::Strings))?;
      if done {
        return Ok(out);
      }
    }
    panic!("unterminated")
  }

  #[test]
  fn escapes_and_surrogates() {
    assert_eq!(
      dec(&[br#"a\n\t\"\\\/\u0041\u00e9""#]).unwrap(),
      "a\n\t\"\\/Aé".as_bytes()
    );
    assert_eq!(dec(&[br#"\uD83D\uDE00""#]).unwrap(), "😀".as_bytes());
    // a lone high surrogate stays a surrogate (WTF-8), and round-trips to one UTF-16 unit
    let lone = dec(&[br#"x\uD800y""#]).unwrap();
    assert_eq!(
      utf16_units(&lone).collect::<Vec<_>>(),
      vec![b'x' as u16, 0xD800, b'y' as u16]
    );
    // split anywhere
    let text: &[u8] = br#"p\uD83D\uDE00q\u00E9""#;
    for cut in 0..text.len() {
      assert_eq!(
        dec(&[&text[..cut], &text[cut..]]).unwrap(),
        "p😀qé".as_bytes(),
        "cut {cut}"
      );
    }
  }

  #[test]
  fn raw_utf8_and_invalid_bytes() {
    assert_eq!(dec(&["é😀\"".as_bytes()]).unwrap(), "é😀".as_bytes());
    assert_eq!(dec(&[b"a\xffb\""]).unwrap(), "a\u{FFFD}b".as_bytes());
    assert!(dec(&[br#"\x""#]).is_err());
    assert!(dec(&[br#"\u12G4""#]).is_err());
  }

  #[test]
  fn utf16_length() {
    assert_eq!(utf16_len("a😀é".as_bytes()), 4);
  }
}
