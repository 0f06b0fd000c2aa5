//! Skipping JSON values heapsnap does not read, without recursion and without storing them.
//!
//! [`RawValue`] walks one value of any shape with an explicit bracket stack (a hostile
//! `trace_tree` nested a million deep must not overflow the stack) and can keep its text, which
//! is how the small `snapshot` header is captured for serde_json. [`FlatSkip`] skips a flat
//! array of numbers or strings at memchr speed, for the sections an ids-only read ignores.
//! Both are resumable at any byte, like the rest of the streaming parser.

use crate::error::{Error, Result, Section};

/// The captured header may not grow past this (a real one is a few kilobytes).
const MAX_HEADER: usize = 64 << 20;

/// Captures (or just skips) one JSON value of unknown shape, iteratively.
#[derive(Debug)]
pub(super) struct RawValue {
  pub(super) keep: Option<Vec<u8>>,
  stack: Vec<u8>,
  started: bool,
  scalar: bool,
  in_str: bool,
  esc: bool,
  field: Section,
}

impl RawValue {
  pub(super) fn new(keep: bool, field: Section) -> Self {
    RawValue {
      keep: keep.then(Vec::new),
      stack: Vec::new(),
      started: false,
      scalar: false,
      in_str: false,
      esc: false,
      field,
    }
  }

  /// The section being skipped or captured (for errors).
  pub(super) fn section(&self) -> &Section {
    &self.field
  }

  /// Returns (consumed, done).
  pub(super) fn feed(&mut self, buf: &[u8], base: u64) -> Result<(usize, bool)> {
    let mut i = 0;
    let mut done = false;
    while i < buf.len() {
      let b = buf[i];
      if !self.started {
        if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
          i += 1;
          continue;
        }
        self.started = true;
        match b {
          b'{' | b'[' => self.stack.push(b),
          b'"' => self.in_str = true,
          b'}' | b']' | b',' | b':' => {
            return Err(Error::parse(
              self.field.clone(),
              Some(base + i as u64),
              format!("expected a value, found '{}'", b as char),
            ))
          }
          _ => self.scalar = true,
        }
        i += 1;
        continue;
      }
      if self.in_str {
        if self.esc {
          self.esc = false;
        } else if b == b'\\' {
          self.esc = true;
        } else if b == b'"' {
          self.in_str = false;
          if self.stack.is_empty() {
            i += 1;
            done = true;
            break;
          }
        }
        i += 1;
        continue;
      }
      if self.scalar {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.') {
          i += 1;
          continue;
        }
        done = true;
        break;
      }
      match b {
        b'"' => self.in_str = true,
        b'{' | b'[' => self.stack.push(b),
        b'}' | b']' => {
          let open = self.stack.pop();
          if open != Some(if b == b'}' { b'{' } else { b'[' }) {
            return Err(Error::parse(
              self.field.clone(),
              Some(base + i as u64),
              format!("mismatched '{}'", b as char),
            ));
          }
          if self.stack.is_empty() {
            i += 1;
            done = true;
            break;
          }
        }
        _ => {}
      }
      i += 1;
    }
    if let Some(k) = &mut self.keep {
      k.extend_from_slice(&buf[..i]);
      if k.len() > MAX_HEADER {
        return Err(Error::parse(
          self.field.clone(),
          Some(base),
          "the snapshot header is implausibly large",
        ));
      }
    }
    Ok((i, done))
  }
}

#[derive(Debug, Default)]
pub(super) struct FlatSkip {
  opened: bool,
  in_str: bool,
  esc: bool,
}

impl FlatSkip {
  /// Returns (consumed, done). memchr-driven: an edges array is skipped at memory speed.
  pub(super) fn feed(&mut self, buf: &[u8], base: u64, field: &Section) -> Result<(usize, bool)> {
    let mut i = 0;
    while i < buf.len() {
      if !self.opened {
        let b = buf[i];
        i += 1;
        if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
          continue;
        }
        if b != b'[' {
          return Err(Error::parse(
            field.clone(),
            Some(base + i as u64 - 1),
            format!("expected '[' to open the {field} array"),
          ));
        }
        self.opened = true;
        continue;
      }
      if self.esc {
        self.esc = false;
        i += 1;
        continue;
      }
      if self.in_str {
        match memchr::memchr2(b'"', b'\\', &buf[i..]) {
          None => return Ok((buf.len(), false)),
          Some(k) => {
            i += k;
            if buf[i] == b'"' {
              self.in_str = false;
            } else {
              self.esc = true;
            }
            i += 1;
          }
        }
        continue;
      }
      match memchr::memchr2(b'"', b']', &buf[i..]) {
        None => return Ok((buf.len(), false)),
        Some(k) => {
          i += k;
          if buf[i] == b']' {
            return Ok((i + 1, true));
          }
          self.in_str = true;
          i += 1;
        }
      }
    }
    Ok((buf.len(), false))
  }
}
