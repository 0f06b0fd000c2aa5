//! Streaming parse must equal the whole-input parse, whatever the chunk boundaries.
//!
//! Input layout: byte 0 = k (1..=8 chunk-size bytes follow, k = byte0 % 8 + 1), then k bytes
//! giving chunk sizes (each 1..=256, used cyclically), then the snapshot text. The text is
//! pushed through `StreamParser::push` in those chunks, then `finish()` and analysed; the
//! outcome must match `Snapshot::from_bytes(text)`: both `Ok` with the same numbers, or both
//! `Err` with the same kind, field and offset.
#![no_main]
use heapsnap_core::parse::StreamParser;
use heapsnap_core::{Result, Snapshot};
use libfuzzer_sys::fuzz_target;

fn streamed(text: &[u8], sizes: &[usize]) -> Result<Snapshot> {
  let mut p = StreamParser::new();
  let mut pos = 0;
  let mut i = 0;
  while pos < text.len() {
    let n = sizes[i % sizes.len()].min(text.len() - pos);
    p.push(&text[pos..pos + n])?;
    pos += n;
    i += 1;
  }
  Snapshot::from_parsed(p.finish()?)
}

fuzz_target!(|data: &[u8]| {
  let Some((&k, rest)) = data.split_first() else {
    return;
  };
  let k = (k % 8) as usize + 1;
  if rest.len() < k {
    return;
  }
  let (sizes, text) = rest.split_at(k);
  let sizes: Vec<usize> = sizes.iter().map(|&b| b as usize + 1).collect();
  let whole = Snapshot::from_bytes(text);
  let stream = streamed(text, &sizes);
  match (&whole, &stream) {
    (Err(a), Err(b)) => {
      assert_eq!(a.kind, b.kind, "error kind differs: whole {a} / stream {b}");
      assert_eq!(a.field, b.field, "error field differs: whole {a} / stream {b}");
      assert_eq!(a.offset, b.offset, "error offset differs: whole {a} / stream {b}");
    }
    (Ok(a), Ok(b)) => {
      assert_eq!(a.node_count(), b.node_count());
      assert_eq!(a.edge_count(), b.edge_count());
      assert_eq!(a.total_size, b.total_size);
      assert_eq!(a.distance, b.distance);
      assert_eq!(a.self_size, b.self_size);
      assert_eq!(a.retained, b.retained);
      assert_eq!(a.dominator, b.dominator);
      let rows = |s: &Snapshot| {
        s.summary()
          .into_iter()
          .map(|r| (r.public_key, r.count, r.shallow_size, r.retained_size, r.distance))
          .collect::<Vec<_>>()
      };
      assert_eq!(rows(a), rows(b));
      for v in 0..a.node_count().min(64) as u32 {
        assert_eq!(a.g.id(v), b.g.id(v));
        assert_eq!(a.display_name_bytes(v), b.display_name_bytes(v));
      }
    }
    (Ok(_), Err(e)) => panic!("whole input loads but the stream fails: {e}"),
    (Err(e), Ok(_)) => panic!("the stream loads but the whole input fails: {e}"),
  }
});
