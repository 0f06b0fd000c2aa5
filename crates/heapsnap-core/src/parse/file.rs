//! Reading snapshot files: window by window, never the whole text at once.
//!
//! Each 16 MiB window is memory-mapped, pushed into the [`StreamParser`] and unmapped, so the
//! text is never copied nor held whole (RSS stays proportional to the graph). Where mapping is
//! not possible (pipes, special files) or not wanted ([`OpenOptions::mmap`] off), the file is
//! read into one reused buffer of the same size. Between windows the [`Control`] is updated
//! (bytes read) and checked (cancelled?), so an abort is answered within one window.

use super::{Parsed, StreamParser};
use crate::control::{Control, Phase};
use crate::error::{Error, Result};
use crate::options::OpenOptions;
use std::path::Path;

/// 16 MiB: small enough that cancellation, checked per window, answers within tens of ms.
const WINDOW: u64 = 16 << 20;

/// Reads only the node ids of a file (fast: edges and strings are skipped unparsed).
pub fn read_ids(path: &Path, options: &OpenOptions, control: &Control) -> Result<Vec<u64>> {
  control.set_phase(Phase::Parse);
  let mut p = StreamParser::ids_only();
  feed_file(path, &mut p, options, control)?;
  control.check()?;
  let ids = p.finish_ids()?;
  control.set_phase(Phase::Done);
  Ok(ids)
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
  if options.mmap && meta.is_file() && total > 0 {
    let mut off = 0u64;
    while off < total {
      control.check()?;
      let len = WINDOW.min(total - off);
      // SAFETY: the mapping is read-only and dropped before the next window; a file truncated
      // meanwhile by another process could fault (SIGBUS) — the same risk every mmap reader takes.
      let map = unsafe { memmap2::MmapOptions::new().offset(off).len(len as usize).map(&f) };
      match map {
        Ok(m) => {
          #[cfg(unix)]
          let _ = m.advise(memmap2::Advice::Sequential);
          p.push(&m)?;
        }
        Err(_) if off == 0 => return read_into(f, p, total, control),
        Err(e) => return Err(Error::io(format!("cannot map {}: {e}", path.display()))),
      }
      off += len;
      control.set_bytes(off, total);
    }
    return Ok(());
  }
  read_into(f, p, total, control)
}

fn read_into(mut f: std::fs::File, p: &mut StreamParser, total: u64, control: &Control) -> Result<()> {
  use std::io::Read;
  let mut buf = vec![0u8; WINDOW as usize];
  loop {
    control.check()?;
    let n = match f.read(&mut buf) {
      Ok(0) => break,
      Ok(n) => n,
      Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
      Err(e) => return Err(Error::io(format!("cannot read the snapshot: {e}"))),
    };
    p.push(&buf[..n])?;
    control.set_bytes(p.bytes(), total);
  }
  Ok(())
}
