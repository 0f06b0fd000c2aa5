//! Reading snapshot files: window by window, never the whole text at once.
//!
//! By default each 4 MiB window is read into one of two reused buffers and pushed into the
//! [`StreamParser`], so the text is never held whole (RSS stays proportional to the graph). A
//! file that another process truncates or extends meanwhile is noticed (fewer or more bytes than
//! its size when opened) and reported as an I/O error, "the file changed while it was read".
//! With [`OpenOptions::mmap`], windows are memory-mapped instead (no copy); the size is checked
//! before each window, but a truncation *within* a window's parse would fault (SIGBUS), which is
//! why mapping is opt-in. Between windows the [`Control`] is updated (bytes read) and checked
//! (cancelled?), so an abort is answered within one window.

use super::{Parsed, StreamParser};
use crate::control::{Control, Phase};
use crate::error::{Error, Result};
use crate::options::OpenOptions;
use std::path::Path;

/// A mapped window (`mmap`). Cancellation is checked per window, so it answers within tens
/// of ms.
const WINDOW: u64 = 16 << 20;

/// A read window: 4 MiB, so the window the reader thread has just copied is still in the
/// caches when the parser reads it (with 16 MiB windows the copy went out to memory and came
/// back: a 152 MB file parsed in 150-163 ms, now in 132-141 ms, and 1 GB in 836 -> 803-833 ms);
/// the two buffers are also 24 MB less at the peak. Still at least 4 × the size from which an
/// integer array is split across threads (1 MiB).
const READ_WINDOW: u64 = 4 << 20;

/// Reads only the node ids of a file (fast: nothing after the `nodes` array is parsed).
///
/// When the header comes before the `nodes` array (as V8 writes it), reading stops once that
/// array has closed: the count of nodes is checked against the header's `node_count`, and the
/// rest of the file (edges, strings, …) is neither read nor validated. Two cheap checks stand in
/// for it: the bytes left after the `nodes` array must be enough for the edges the header
/// announces (at least a digit and a separator per value), and the file's last non-blank byte must
/// be the `}` that closes the snapshot; a file that fails either is `ERR_HEAPSNAP_PARSE` ("the
/// file is truncated"). So a file whose edges or strings are malformed, which `open` refuses, may
/// still give its ids here. A file whose `nodes` come before its header is read whole, as before.
pub fn read_ids(path: &Path, options: &OpenOptions, control: &Control) -> Result<Vec<u64>> {
  control.set_phase(Phase::Parse);
  let mut p = StreamParser::ids_only();
  feed_file(path, &mut p, options, control)?;
  control.check()?;
  if let (Some(end), Some(meta)) = (p.ids_done(), p.meta.as_ref()) {
    check_rest(path, end, meta)?;
  }
  let ids = p.finish_ids()?;
  control.set_phase(Phase::Done);
  Ok(ids)
}

/// The cheap checks of a file whose reading stopped after its `nodes` array (at `end`): enough
/// bytes left for the announced edges, and a last non-blank byte `}`.
fn check_rest(path: &Path, end: u64, meta: &super::Meta) -> Result<()> {
  use std::io::{Read, Seek, SeekFrom};
  let cannot = |e: std::io::Error| Error::io(format!("cannot read {}: {e}", path.display()));
  if !std::fs::metadata(path).map_err(cannot)?.is_file() {
    return Ok(()); // a pipe was read to its end
  }
  let mut f = std::fs::File::open(path).map_err(cannot)?;
  let size = f.metadata().map_err(cannot)?.len();
  let truncated = |what: String| {
    Error::parse(
      crate::error::Section::TopLevel,
      Some(size),
      format!("unexpected end of input {what} (the file is truncated)"),
    )
  };
  let values = meta.edge_count.unwrap_or(0).saturating_mul(meta.edge_stride() as u64);
  let left = size.saturating_sub(end);
  if left < values.saturating_mul(2) {
    return Err(truncated(format!(
      "{left} bytes after the nodes array: too few for the {values} edge values the header announces"
    )));
  }
  let k = left.min(256);
  let mut tail = vec![0u8; k as usize];
  f.seek(SeekFrom::Start(size - k)).map_err(cannot)?;
  f.read_exact(&mut tail).map_err(cannot)?;
  match tail.iter().rev().find(|b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t')) {
    Some(b'}') => Ok(()),
    _ => Err(truncated("before the '}' that closes the snapshot".into())),
  }
}

/// Parses a whole in-memory snapshot.
pub fn parse_bytes(text: &[u8]) -> Result<Parsed> {
  let mut p = StreamParser::new();
  p.push(text)?;
  p.finish()
}

/// Parses a file (see the module documentation for how it is read).
pub fn parse_file(path: &Path, options: &OpenOptions, control: &Control) -> Result<Parsed> {
  let mut p = StreamParser::new();
  feed_file(path, &mut p, options, control)?;
  control.check()?;
  p.finish()
}

/// Pushes a whole file into `p`, reporting bytes read to `control` after each window.
pub fn feed_file(path: &Path, p: &mut StreamParser, options: &OpenOptions, control: &Control) -> Result<()> {
  let f = std::fs::File::open(path).map_err(|e| Error::io(format!("cannot open {}: {e}", path.display())))?;
  let meta = f
    .metadata()
    .map_err(|e| Error::io(format!("cannot read {}: {e}", path.display())))?;
  let total = meta.len();
  control.set_bytes(0, total);
  let regular = meta.is_file();
  if options.mmap && regular && total > 0 {
    let mut off = 0u64;
    while off < total {
      control.check()?;
      let len = WINDOW.min(total - off);
      // The window must still be in the file: mapping past its end would fault on access.
      let now = f
        .metadata()
        .map_err(|e| Error::io(format!("cannot read {}: {e}", path.display())))?
        .len();
      if now != total {
        return Err(changed(path, total, off));
      }
      // SAFETY: the mapping is read-only and dropped before the next window, and the file held
      // the whole window just now; a truncation by another process while this window is parsed
      // would still fault (SIGBUS): the risk `mmap` opts into (see the module documentation).
      let map = unsafe { memmap2::MmapOptions::new().offset(off).len(len as usize).map(&f) };
      match map {
        Ok(m) => {
          #[cfg(unix)]
          let _ = m.advise(memmap2::Advice::Sequential);
          p.push(&m)?;
          if p.ids_done().is_some() {
            return Ok(());
          }
        }
        Err(_) if off == 0 => return read_into(f, p, path, Some(total), control),
        Err(e) => return Err(Error::io(format!("cannot map {}: {e}", path.display()))),
      }
      off += len;
      control.set_bytes(off, total);
    }
    return Ok(());
  }
  read_into(f, p, path, regular.then_some(total), control)
}

/// The error for a file whose size changed while it was read (`at`: bytes read by then).
fn changed(path: &Path, size: u64, at: u64) -> Error {
  Error::io(format!(
    "the file changed while it was read: {} was {size} bytes when opened, and changed after {at} bytes were read",
    path.display()
  ))
}

/// Reads `f` window by window and pushes each window into `p`. A reader thread fills the next
/// window while `p` parses the current one (two buffers change hands through channels), so the
/// copy out of the page cache overlaps the parse's serial parts. `size`: the size of a regular
/// file when it was opened; reading must end exactly there.
fn read_into<R: std::io::Read + Send>(
  f: R,
  p: &mut StreamParser,
  path: &Path,
  size: Option<u64>,
  control: &Control,
) -> Result<()> {
  let (give, empty) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
  let (fill, full) = std::sync::mpsc::sync_channel::<std::io::Result<(Vec<u8>, usize)>>(2);
  for _ in 0..2 {
    let mut buf = Vec::new();
    buf
      .try_reserve_exact(READ_WINDOW as usize)
      .map_err(|_| Error::memory(2 * READ_WINDOW, "the read buffers"))?;
    buf.resize(READ_WINDOW as usize, 0);
    give.send(buf).expect("the channel holds both buffers");
  }
  std::thread::scope(|scope| {
    scope.spawn(move || read_ahead(f, empty, fill));
    // `give` and `full` are dropped when this returns, however it returns: the reader then stops
    parse_windows(p, path, size, control, give, full)
  })
}

/// The reader thread: fills each buffer it is given (a read may return less than asked, so
/// windows stay whole) and hands it back with its length; stops after a short window (the end
/// of the input), an error, or once the parser has hung up.
fn read_ahead<R: std::io::Read>(
  mut f: R,
  empty: std::sync::mpsc::Receiver<Vec<u8>>,
  full: std::sync::mpsc::SyncSender<std::io::Result<(Vec<u8>, usize)>>,
) {
  while let Ok(mut buf) = empty.recv() {
    let mut n = 0;
    let r = loop {
      if n == buf.len() {
        break Ok(());
      }
      match f.read(&mut buf[n..]) {
        Ok(0) => break Ok(()),
        Ok(k) => n += k,
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
        Err(e) => break Err(e),
      }
    };
    let end = r.is_err() || n < buf.len();
    if full.send(r.map(|()| (buf, n))).is_err() || end {
      return;
    }
  }
}

/// The parser's side of [`read_into`]: pushes the windows in order, checks the size and the
/// [`Control`] between them, and gives each buffer back to the reader.
fn parse_windows(
  p: &mut StreamParser,
  path: &Path,
  size: Option<u64>,
  control: &Control,
  give: std::sync::mpsc::SyncSender<Vec<u8>>,
  full: std::sync::mpsc::Receiver<std::io::Result<(Vec<u8>, usize)>>,
) -> Result<()> {
  let total = size.unwrap_or(0);
  let mut read = 0u64;
  loop {
    control.check()?;
    let Ok(window) = full.recv() else {
      break; // the reader ended after a short (final) window
    };
    let (buf, n) = window.map_err(|e| Error::io(format!("cannot read the snapshot: {e}")))?;
    if n == 0 {
      break;
    }
    if size.is_some_and(|s| read + n as u64 > s) {
      return Err(changed(path, total, read));
    }
    read += n as u64;
    p.push(&buf[..n])?;
    control.set_bytes(p.bytes(), total);
    if size.is_some() && p.ids_done().is_some() {
      // an ids-only read has every id: the rest of a regular file is not read (a pipe is
      // drained, unparsed)
      return Ok(());
    }
    if n < buf.len() {
      break;
    }
    // the reader may have stopped meanwhile (an error it sends next); then the buffer is dropped
    let _ = give.send(buf);
  }
  if size.is_some_and(|s| read != s) {
    return Err(changed(path, total, read));
  }
  Ok(())
}

#[cfg(test)]
mod tests {
  use super::*;

  /// A reader that serves `text` but stops after `cut` bytes, like a file truncated meanwhile.
  struct Cut<'a>(&'a [u8], usize);
  impl std::io::Read for Cut<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
      let rest = &self.0[..self.1.min(self.0.len())];
      let k = rest.len().min(buf.len()).min(4096);
      buf[..k].copy_from_slice(&rest[..k]);
      self.0 = &self.0[k..];
      self.1 -= k;
      Ok(k)
    }
  }

  #[test]
  fn a_file_that_shrinks_or_grows_while_read_is_an_io_error() {
    let text = br#"{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["synthetic"],"string","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["element"],"string_or_number","node"]},"node_count":1,"edge_count":0},"nodes":[0,0,1,0,0],"edges":[],"strings":[""]}"#;
    let path = Path::new("snap.heapsnapshot");
    let n = text.len() as u64;
    // whole, as opened: fine
    let mut p = StreamParser::new();
    read_into(Cut(text, text.len()), &mut p, path, Some(n), &Control::new()).unwrap();
    assert!(p.finish().is_ok());
    // shorter than when opened
    let mut p = StreamParser::new();
    let e = read_into(Cut(text, 100), &mut p, path, Some(n), &Control::new()).unwrap_err();
    assert_eq!(e.kind, crate::error::ErrorKind::Io);
    assert!(
      e.message.contains("the file changed while it was read"),
      "{}",
      e.message
    );
    // longer than when opened
    let mut p = StreamParser::new();
    let e = read_into(Cut(text, text.len()), &mut p, path, Some(n - 10), &Control::new()).unwrap_err();
    assert!(
      e.message.contains("the file changed while it was read"),
      "{}",
      e.message
    );
    // a pipe has no size to hold it to
    let mut p = StreamParser::new();
    read_into(Cut(text, text.len()), &mut p, path, None, &Control::new()).unwrap();
  }

  #[test]
  fn an_ids_read_stops_after_the_nodes_and_checks_the_rest_cheaply() {
    let head = r#"{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["synthetic"],"string","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["element"],"string_or_number","node"]},"node_count":2,"edge_count":1},"nodes":[0,0,7,0,1,0,0,9,0,0],"#;
    let good = format!("{head}\"edges\":[0,0,5],\"strings\":[\"\"]}}\n");
    let dir = std::env::temp_dir().join(format!("heapsnap-ids-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let read = |name: &str, text: &str| {
      let f = dir.join(name);
      std::fs::write(&f, text).unwrap();
      read_ids(&f, &OpenOptions::default(), &Control::new())
    };
    assert_eq!(read("good", &good).unwrap(), vec![7, 9]);
    // malformed after the nodes: not looked at (open refuses this file)
    let bad_edges = format!("{head}\"edges\":[0,x,5],\"strings\":[\"\"]}}");
    assert_eq!(read("bad-edges", &bad_edges).unwrap(), vec![7, 9]);
    // truncated: too few bytes for the edges, or no closing brace
    for (name, text) in [("short", format!("{head}\"edges\":[0,")), ("open", good[..good.len() - 3].to_string())] {
      let e = read(name, &text).unwrap_err();
      assert_eq!(e.kind, crate::error::ErrorKind::Parse, "{name}");
      assert!(e.message.contains("the file is truncated"), "{name}: {}", e.message);
    }
    // a node count that differs from the header's
    let e = read("count", &good.replace("\"node_count\":2", "\"node_count\":3")).unwrap_err();
    assert!(e.message.contains("node_count 3"), "{}", e.message);
    // nodes before the header: read whole, as before
    let late = r#"{"nodes":[0,0,7,0,0],"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["synthetic"],"string","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["element"],"string_or_number","node"]},"node_count":1,"edge_count":0},"edges":[],"strings":[""]}"#;
    assert_eq!(read("late", late).unwrap(), vec![7]);
    assert!(read("late-cut", &late[..late.len() - 1]).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
  }
}
