//! Recognises V8's WeakMap ephemeron edge names, exactly as DevTools' regular expression
//! `^\d+( / part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(\d+)\))$`
//! does (`.` excludes line terminators), without a regex engine: the suffix is anchored, so the
//! table id is the trailing number, and the middle only needs one `@<digits>) -> value (` split.

/// A matched ephemeron edge name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ephemeron {
  /// Byte offset where the "duplicated part" (everything after the leading digits) starts.
  pub dup_start: usize,
  /// The table's node id (DevTools compares it with the source node's id).
  pub table_id: u64,
}

fn has_line_terminator(s: &[u8]) -> bool {
  s.iter().any(|&b| b == b'\n' || b == b'\r')
    || s
      .windows(3)
      .any(|w| w[0] == 0xE2 && w[1] == 0x80 && (w[2] == 0xA8 || w[2] == 0xA9))
}

/// `s` ends with ` @<digits>`: returns the position of the space.
fn strip_at_digits(s: &[u8]) -> Option<usize> {
  let mut i = s.len();
  while i > 0 && s[i - 1].is_ascii_digit() {
    i -= 1;
  }
  if i == s.len() || i < 2 || &s[i - 2..i] != b" @" {
    return None;
  }
  Some(i - 2)
}

const KEY: &[u8] = b" / part of key (";

/// `name` is surely not an ephemeron name, from its first bytes alone (at most 17 + 16 read):
/// no leading digit, or a run of fewer than 17 digits not followed by the key's text. `false`
/// means [`parse`] must decide, reading the whole name.
pub fn fails_early(name: &[u8]) -> bool {
  let digits = name.iter().take(17).take_while(|b| b.is_ascii_digit()).count();
  digits == 0 || (digits < 17 && !name[digits..].starts_with(KEY))
}

pub fn parse(name: &[u8]) -> Option<Ephemeron> {
  const VALUE: &[u8] = b") -> value (";
  const TABLE: &[u8] = b" pair in WeakMap (table @";
  let digits = name.iter().take_while(|b| b.is_ascii_digit()).count();
  if digits == 0 || !name[digits..].starts_with(KEY) {
    return None;
  }
  let rest = &name[digits + KEY.len()..];
  // ... pair in WeakMap (table @<digits>)
  let rest = rest.strip_suffix(b")")?;
  let tdigits = rest.iter().rev().take_while(|b| b.is_ascii_digit()).count();
  if tdigits == 0 {
    return None;
  }
  let table_text = &rest[rest.len() - tdigits..];
  let mid = rest[..rest.len() - tdigits].strip_suffix(TABLE)?;
  // mid = X " @" d ") -> value (" Y " @" d ")"
  let mid = mid.strip_suffix(b")")?;
  let y_end = strip_at_digits(mid)?;
  let head = &mid[..y_end];
  if has_line_terminator(head) {
    return None;
  }
  // some occurrence of ` @<digits>) -> value (` inside head, with X and Y arbitrary
  let found = memchr::memmem::find_iter(head, VALUE).any(|p| strip_at_digits(&head[..p]).is_some());
  if !found {
    return None;
  }
  let table_id = std::str::from_utf8(table_text).ok()?.parse::<f64>().ok()? as u64;
  Some(Ephemeron {
    dup_start: digits,
    table_id,
  })
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn matches_v8_names() {
    let n = b"3 / part of key (Object @123) -> value (Foo @456) pair in WeakMap (table @789)";
    assert_eq!(
      parse(n),
      Some(Ephemeron {
        dup_start: 1,
        table_id: 789
      })
    );
    let tricky = b"12 / part of key (a) -> value (b @1) x @2) -> value (c @3) pair in WeakMap (table @4)";
    assert_eq!(parse(tricky).map(|e| e.table_id), Some(4));
    assert_eq!(parse(b"part of key"), None);
    // what fails early fails in parse too; what parse accepts never fails early
    for name in [&n[..], tricky, b"part of key", b"12 / part", b"12345678901234567 / part of key (", b"1x"] {
      assert!(!fails_early(name) || parse(name).is_none());
    }
    assert!(!fails_early(n) && !fails_early(tricky) && fails_early(b"1x") && fails_early(b"x"));
    assert!(!fails_early(b"123456789012345678x")); // 17 digits or more: parse decides
    assert_eq!(
      parse(b"3 / part of key (Object @1) -> value (Foo @2) pair in WeakMap (table @)"),
      None
    );
    assert_eq!(
      parse(b"3 / part of key (Ob\nject @1) -> value (Foo @2) pair in WeakMap (table @5)"),
      None
    );
    assert_eq!(
      parse(b"3 / part of key (Object 1) -> value (Foo @2) pair in WeakMap (table @5)"),
      None
    );
  }
}
