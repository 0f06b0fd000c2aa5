//! The container of an analysis cache entry: a header, then typed sections, each with its length
//! and a checksum. Knows nothing of snapshots; [`super`] says which sections make one.
//!
//! ```text
//! magic "HSNPANLZ" | u32 FORMAT | u32 0x0A0B0C0D (byte order) | [u8; 32] key | u32 sections
//! section: u32 tag | u32 element size | u64 count | u64 checksum | data, padded to 8 bytes
//! ```
//!
//! Little-endian only (other targets never write or read entries). Reading never trusts a
//! length: a section must fit in what is left of the file before anything is allocated, its
//! tag and element size must be the expected ones, and its checksum must match, so a truncated,
//! damaged or hand-made file is refused as a whole ([`Miss`]) before any of it is used.

use std::io::{self, Read, Write};

pub const MAGIC: &[u8; 8] = b"HSNPANLZ";
const BYTE_ORDER: u32 = 0x0A0B_0C0D;
pub const HEADER_LEN: u64 = 8 + 4 + 4 + 32 + 4;
const SECTION_HEADER_LEN: u64 = 4 + 4 + 8 + 8;
const MAX_SECTIONS: u32 = 1024;

/// Why an entry was not used. Never an error for the caller: the file is analysed afresh.
#[derive(Debug)]
pub struct Miss(pub String);

impl Miss {
  pub fn new(why: impl Into<String>) -> Miss {
    Miss(why.into())
  }
}

impl From<io::Error> for Miss {
  fn from(e: io::Error) -> Miss {
    Miss(format!("read error: {e}"))
  }
}

pub type Res<T> = std::result::Result<T, Miss>;

/// Plain integers that have no padding and accept every bit pattern, so their memory can be
/// written and read as bytes.
///
/// # Safety
/// Implement only for types for which every byte pattern of `size_of::<Self>()` bytes is a valid
/// value and which contain no padding.
pub unsafe trait Pod: Copy + 'static {
  const ZERO: Self;
}
// SAFETY: primitive integers and floats: no padding, every bit pattern valid.
unsafe impl Pod for u8 {
  const ZERO: Self = 0;
}
// SAFETY: as above.
unsafe impl Pod for u32 {
  const ZERO: Self = 0;
}
// SAFETY: as above.
unsafe impl Pod for i32 {
  const ZERO: Self = 0;
}
// SAFETY: as above.
unsafe impl Pod for u64 {
  const ZERO: Self = 0;
}
// SAFETY: `Distance` is `#[repr(transparent)]` over an i32 and gives every i32 a meaning.
unsafe impl Pod for crate::types::Distance {
  const ZERO: Self = crate::types::Distance(0);
}

fn bytes_of<T: Pod>(v: &[T]) -> &[u8] {
  // SAFETY: T is Pod (no padding), so its memory is `len * size_of::<T>()` initialised bytes;
  // u8 has alignment 1; the slice borrows `v`.
  unsafe { std::slice::from_raw_parts(v.as_ptr() as *const u8, std::mem::size_of_val(v)) }
}

fn bytes_of_mut<T: Pod>(v: &mut [T]) -> &mut [u8] {
  // SAFETY: as in `bytes_of`; and any bytes written are a valid T (Pod), so the values stay valid.
  unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr() as *mut u8, std::mem::size_of_val(v)) }
}

/// A 64-bit checksum of bytes: 1 MiB chunks hashed in parallel (four independent lanes of
/// multiply-rotate per chunk), combined in order. For finding damage, not for security.
pub fn checksum(data: &[u8]) -> u64 {
  use rayon::prelude::*;
  const CHUNK: usize = 1 << 20;
  const P1: u64 = 0x9E37_79B1_85EB_CA87;
  const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
  let chunk_hash = |c: &[u8]| -> u64 {
    let mut lanes = [P1, P2, P1 ^ P2, P1.rotate_left(17)];
    let words = c.chunks_exact(32);
    let tail = words.remainder();
    for w in words {
      for (i, lane) in lanes.iter_mut().enumerate() {
        let x = u64::from_le_bytes(w[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
        *lane = (*lane ^ x).wrapping_mul(P1).rotate_left(31);
      }
    }
    let mut h = (c.len() as u64).wrapping_mul(P2);
    for lane in lanes {
      h = (h ^ lane).wrapping_mul(P2).rotate_left(27);
    }
    for &b in tail {
      h = (h ^ b as u64).wrapping_mul(P1).rotate_left(11);
    }
    h ^ (h >> 29)
  };
  let hashes: Vec<u64> = data.par_chunks(CHUNK).map(chunk_hash).collect();
  hashes.into_iter().fold(data.len() as u64 ^ P2, |h, c| {
    (h ^ c).wrapping_mul(P1).rotate_left(23)
  })
}

/// Writes the header, then sections in order.
pub struct Writer<W: Write> {
  out: W,
  pub written: u64,
}

impl<W: Write> Writer<W> {
  pub fn new(mut out: W, format: u32, key: &[u8; 32], sections: u32) -> io::Result<Writer<W>> {
    out.write_all(MAGIC)?;
    out.write_all(&format.to_le_bytes())?;
    out.write_all(&BYTE_ORDER.to_le_bytes())?;
    out.write_all(key)?;
    out.write_all(&sections.to_le_bytes())?;
    Ok(Writer {
      out,
      written: HEADER_LEN,
    })
  }

  pub fn section<T: Pod>(&mut self, tag: u32, data: &[T]) -> io::Result<()> {
    let bytes = bytes_of(data);
    self.out.write_all(&tag.to_le_bytes())?;
    self
      .out
      .write_all(&(std::mem::size_of::<T>() as u32).to_le_bytes())?;
    self.out.write_all(&(data.len() as u64).to_le_bytes())?;
    self.out.write_all(&checksum(bytes).to_le_bytes())?;
    self.out.write_all(bytes)?;
    let pad = (8 - bytes.len() % 8) % 8;
    self.out.write_all(&[0u8; 8][..pad])?;
    self.written += SECTION_HEADER_LEN + bytes.len() as u64 + pad as u64;
    Ok(())
  }

  pub fn finish(mut self) -> io::Result<W> {
    self.out.flush()?;
    Ok(self.out)
  }
}

/// Reads the header, then sections in the order they were written.
pub struct Reader<R: Read> {
  input: R,
  /// Bytes of the file not read yet: no section may claim more.
  left: u64,
  sections_left: u32,
  /// Called with the bytes read so far (progress).
  pub on_read: Option<Box<dyn FnMut(u64) + Send>>,
  read: u64,
}

impl<R: Read> Reader<R> {
  /// Checks the header against the expected format and key; `len` is the file's length.
  pub fn new(mut input: R, len: u64, format: u32, key: &[u8; 32]) -> Res<Reader<R>> {
    if !cfg!(target_endian = "little") {
      return Err(Miss::new("cache entries are little-endian only"));
    }
    if len < HEADER_LEN {
      return Err(Miss::new("shorter than a header"));
    }
    let mut head = [0u8; HEADER_LEN as usize];
    input.read_exact(&mut head)?;
    if &head[0..8] != MAGIC {
      return Err(Miss::new("not a heapsnap analysis file"));
    }
    let u32_at = |i: usize| u32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
    if u32_at(8) != format {
      return Err(Miss::new(format!(
        "format {} (this engine reads {format})",
        u32_at(8)
      )));
    }
    if u32_at(12) != BYTE_ORDER {
      return Err(Miss::new("other byte order"));
    }
    if &head[16..48] != key {
      return Err(Miss::new("written for another file"));
    }
    let sections = u32_at(48);
    if sections > MAX_SECTIONS {
      return Err(Miss::new("too many sections"));
    }
    Ok(Reader {
      input,
      left: len - HEADER_LEN,
      sections_left: sections,
      on_read: None,
      read: HEADER_LEN,
    })
  }

  /// The next section, which must have this tag and element type.
  pub fn section<T: Pod>(&mut self, tag: u32) -> Res<Vec<T>> {
    if self.sections_left == 0 {
      return Err(Miss::new(format!("section {tag} missing")));
    }
    self.sections_left -= 1;
    if self.left < SECTION_HEADER_LEN {
      return Err(Miss::new("truncated"));
    }
    let mut head = [0u8; SECTION_HEADER_LEN as usize];
    self.input.read_exact(&mut head)?;
    self.left -= SECTION_HEADER_LEN;
    let got_tag = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    let size = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    let mut n8 = [0u8; 8];
    n8.copy_from_slice(&head[8..16]);
    let count = u64::from_le_bytes(n8);
    n8.copy_from_slice(&head[16..24]);
    let sum = u64::from_le_bytes(n8);
    if got_tag != tag || size as usize != std::mem::size_of::<T>() {
      return Err(Miss::new(format!("section {got_tag} where {tag} was expected")));
    }
    let bytes = count
      .checked_mul(size as u64)
      .ok_or_else(|| Miss::new("section length overflows"))?;
    let pad = (8 - bytes % 8) % 8;
    if bytes.saturating_add(pad) > self.left || bytes > usize::MAX as u64 {
      return Err(Miss::new(format!("section {tag} is longer than the file")));
    }
    let mut v: Vec<T> = vec![T::ZERO; count as usize];
    {
      let buf = bytes_of_mut(&mut v);
      // In slices of 64 MiB, for progress.
      for part in buf.chunks_mut(64 << 20) {
        self.input.read_exact(part)?;
        self.read += part.len() as u64;
        if let Some(f) = self.on_read.as_mut() {
          f(self.read);
        }
      }
      if checksum(buf) != sum {
        return Err(Miss::new(format!("section {tag} is damaged (checksum)")));
      }
    }
    let mut skip = [0u8; 8];
    self.input.read_exact(&mut skip[..pad as usize])?;
    self.left -= bytes + pad;
    Ok(v)
  }

  /// Every section was read and nothing follows.
  pub fn finish(self) -> Res<()> {
    if self.sections_left != 0 || self.left != 0 {
      return Err(Miss::new("unexpected data after the last section"));
    }
    Ok(())
  }
}

/// A byte blob for the small, irregular parts (names, maps, counters), read back with checks.
#[derive(Default)]
pub struct Blob {
  pub bytes: Vec<u8>,
}

impl Blob {
  pub fn u64(&mut self, v: u64) {
    self.bytes.extend_from_slice(&v.to_le_bytes());
  }
  pub fn bytes(&mut self, b: &[u8]) {
    self.u64(b.len() as u64);
    self.bytes.extend_from_slice(b);
  }
  pub fn str(&mut self, s: &str) {
    self.bytes(s.as_bytes());
  }
}

/// Reads a [`Blob`] back; every read is bounds-checked.
pub struct BlobReader<'a> {
  data: &'a [u8],
  at: usize,
}

impl<'a> BlobReader<'a> {
  pub fn new(data: &'a [u8]) -> Self {
    BlobReader { data, at: 0 }
  }
  pub fn u64(&mut self) -> Res<u64> {
    let end = self.at.checked_add(8).filter(|&e| e <= self.data.len());
    let end = end.ok_or_else(|| Miss::new("blob truncated"))?;
    let mut b = [0u8; 8];
    b.copy_from_slice(&self.data[self.at..end]);
    self.at = end;
    Ok(u64::from_le_bytes(b))
  }
  /// A count that cannot exceed the bytes left (each element takes at least `min_size`).
  pub fn count(&mut self, min_size: usize) -> Res<usize> {
    let n = self.u64()?;
    let left = (self.data.len() - self.at) as u64;
    if n.saturating_mul(min_size.max(1) as u64) > left {
      return Err(Miss::new("blob count too large"));
    }
    Ok(n as usize)
  }
  pub fn u8(&mut self) -> Res<u8> {
    u8::try_from(self.u64()?).map_err(|_| Miss::new("blob value out of range"))
  }
  pub fn u32(&mut self) -> Res<u32> {
    u32::try_from(self.u64()?).map_err(|_| Miss::new("blob value out of range"))
  }
  pub fn i32(&mut self) -> Res<i32> {
    i32::try_from(self.u64()? as i64).map_err(|_| Miss::new("blob value out of range"))
  }
  pub fn bytes(&mut self) -> Res<Vec<u8>> {
    let n = self.count(1)?;
    let v = self.data[self.at..self.at + n].to_vec();
    self.at += n;
    Ok(v)
  }
  pub fn string(&mut self) -> Res<String> {
    String::from_utf8(self.bytes()?).map_err(|_| Miss::new("blob string is not UTF-8"))
  }
  pub fn done(&self) -> Res<()> {
    if self.at == self.data.len() {
      Ok(())
    } else {
      Err(Miss::new("blob has trailing bytes"))
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn round_trip_and_refusals() {
    let key = [7u8; 32];
    let mut w = Writer::new(Vec::new(), 3, &key, 2).unwrap();
    w.section(1, &[1u32, 2, 3]).unwrap();
    w.section(2, &[9u8; 5]).unwrap();
    let file = w.finish().unwrap();
    let len = file.len() as u64;
    let mut r = Reader::new(&file[..], len, 3, &key).unwrap();
    assert_eq!(r.section::<u32>(1).unwrap(), vec![1, 2, 3]);
    assert_eq!(r.section::<u8>(2).unwrap(), vec![9; 5]);
    r.finish().unwrap();

    assert!(Reader::new(&file[..], len, 4, &key).is_err(), "other format");
    assert!(Reader::new(&file[..], len, 3, &[0u8; 32]).is_err(), "other key");
    let mut r = Reader::new(&file[..], len, 3, &key).unwrap();
    assert!(r.section::<u64>(1).is_err(), "other element type");
    let mut r = Reader::new(&file[..], len, 3, &key).unwrap();
    assert!(r.section::<u32>(2).is_err(), "other tag");
    // Any flipped byte after the header is refused (or changes nothing it guards).
    for i in HEADER_LEN as usize..file.len() {
      let mut bad = file.clone();
      bad[i] ^= 0x40;
      let ok = Reader::new(&bad[..], len, 3, &key).and_then(|mut r| {
        let a = r.section::<u32>(1)?;
        let b = r.section::<u8>(2)?;
        r.finish()?;
        Ok((a, b))
      });
      if let Ok((a, b)) = ok {
        assert_eq!(
          (a, b),
          (vec![1, 2, 3], vec![9; 5]),
          "byte {i}: only padding may change"
        );
      }
    }
    // Truncation anywhere, and a huge claimed length, are refused without allocating it.
    for cut in 0..file.len() {
      let ok = Reader::new(&file[..cut], cut as u64, 3, &key).and_then(|mut r| {
        r.section::<u32>(1)?;
        r.section::<u8>(2)?;
        r.finish()
      });
      assert!(ok.is_err(), "cut at {cut}");
    }
    let mut huge = file.clone();
    huge[HEADER_LEN as usize + 8..HEADER_LEN as usize + 16].copy_from_slice(&(u64::MAX / 8).to_le_bytes());
    let mut r = Reader::new(&huge[..], len, 3, &key).unwrap();
    assert!(r.section::<u32>(1).is_err());
  }

  #[test]
  fn blob_reads_are_checked() {
    let mut b = Blob::default();
    b.u64(5);
    b.str("hello");
    let mut r = BlobReader::new(&b.bytes);
    assert_eq!(r.u64().unwrap(), 5);
    assert_eq!(r.string().unwrap(), "hello");
    r.done().unwrap();
    let mut r = BlobReader::new(&b.bytes[..10]);
    r.u64().unwrap();
    assert!(r.string().is_err());
    let mut big = Blob::default();
    big.u64(u64::MAX);
    assert!(BlobReader::new(&big.bytes).bytes().is_err());
  }

  #[test]
  fn checksum_sees_changes() {
    let a = vec![0u8; 3 << 20];
    let mut b = a.clone();
    b[(2 << 20) + 5] = 1;
    assert_ne!(checksum(&a), checksum(&b));
    assert_ne!(checksum(&a[..100]), checksum(&a[..101]));
  }
}
