'use strict';
/**
 * Files heapsnap writes, and the paths it is given.
 *
 * Snapshots and reports hold a process's data, so every file we write is readable by its owner
 * only (0600) and appears whole or not at all: it is written under a temporary name beside its
 * destination (created O_EXCL|O_NOFOLLOW, so no one else can open it while it grows and the umask
 * cannot widen it), fsync'd, then renamed onto the final name — rename(2) within one directory is
 * atomic. On any failure the temporary file is removed and the final name is never touched.
 *
 * What is at the destination decides how it is written (`destinationOf`):
 *   nothing, or a regular file      replaced atomically as above
 *   a character device (/dev/null),
 *   a FIFO, a socket                written through in place, never replaced (a FIFO waits for
 *                                   its reader; the sync writer refuses one nobody reads)
 *   /dev/stdout, /dev/fd/N …        written to that descriptor of this process
 *   a symlink                       what it names, by the rules above — but only a link owned by
 *                                   us or by root: a link another user planted (in /tmp, say) is
 *                                   refused, never followed into overwriting the file it names
 *   a directory, a block device,
 *   a dangling link                 refused with ERR_HEAPSNAP_CAPTURE
 *
 *   AtomicFile          a Writable stream onto such a destination (snapshots arriving in chunks)
 *   writeFileAtomic     the same, synchronously, for data already in memory
 *   writeWhole          the same through AtomicFile (async; sockets too): the CLI's reports
 *   privateTempFile     a name in a fresh 0700 directory beside the destination, for writers we
 *                       do not control (V8's own snapshot writer), then `placeFile` it
 *   toPath              a path from a string or a file: URL
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Writable, finished } = require('node:stream');
const { fileURLToPath } = require('node:url');
const { captureError, describeCause, invalidArgType } = require('./errors.js');

const FILE_MODE = 0o600;
const HIGH_WATER_MARK = 4 << 20;
const FIFO_POLL_MS = 50;

/** A path from a string or a file: URL. `optional`: undefined, null and '' give undefined. */
function toPath(value, name, { optional = false } = {}) {
  if (optional && (value === undefined || value === null || value === '')) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  if (value instanceof URL) return fileURLToPath(value);
  throw invalidArgType(name, 'a non-empty string or a file: URL', value);
}

function kindOf(st) {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isCharacterDevice()) return 'a character device';
  return 'not a regular file';
}

/** The descriptor a /dev/stdout, /dev/fd/N or /proc/self/fd/N path stands for, else null. */
function selfDescriptor(p) {
  const named = { '/dev/stdin': 0, '/dev/stdout': 1, '/dev/stderr': 2 };
  if (Object.hasOwn(named, p)) return named[p];
  const m = /^\/(?:dev\/fd|proc\/(?:self|(\d+))\/fd)\/(\d+)$/.exec(p);
  if (!m || (m[1] !== undefined && Number(m[1]) !== process.pid)) return null;
  return Number(m[2]);
}

/** Follows `link` one step at a time (bounded) to what it names; { path, fd } (fd for /dev/fd/N). */
function followLink(link) {
  let cur = link;
  for (let i = 0; i < 40; i++) {
    const fd = selfDescriptor(cur);
    if (fd !== null) return { path: cur, fd };
    let st;
    try {
      st = fs.lstatSync(cur);
    } catch {
      return { path: cur, fd: null, missing: true };
    }
    if (!st.isSymbolicLink()) return { path: cur, fd: null };
    cur = path.resolve(path.dirname(cur), fs.readlinkSync(cur));
  }
  return { path: cur, fd: null, missing: true };
}

const ourUid = () => (typeof process.geteuid === 'function' ? process.geteuid() : null);

/**
 * Where writing `finalPath` lands, and how: `{ kind, path, fd? }` with kind
 *   'file'    replace atomically (`path`: the file itself, or the regular file a link names)
 *   'device'  a character device, written in place
 *   'fifo'    a FIFO, written in place
 *   'socket'  a Unix socket, connected to and written in place
 *   'fd'      a descriptor of this process (/dev/stdout, /dev/fd/N), written as is
 * Anything else throws ERR_HEAPSNAP_CAPTURE before a byte is written (see the module comment).
 */
function destinationOf(finalPath, what = 'file') {
  const refuse = (why) => captureError(`refusing to write ${what} to ${finalPath}: it is ${why}`, { path: finalPath });
  const fd = selfDescriptor(finalPath);
  if (fd !== null) return { kind: 'fd', path: finalPath, fd };
  let st;
  try {
    st = fs.lstatSync(finalPath);
  } catch (err) {
    if (err.code === 'ENOENT') return { kind: 'file', path: finalPath };
    throw captureError(`cannot write ${what} ${finalPath}: ${describeCause(err)}`, { cause: err, path: finalPath });
  }
  let real = finalPath;
  if (st.isSymbolicLink()) {
    const uid = ourUid();
    if (uid !== null && st.uid !== uid && st.uid !== 0) {
      throw refuse(`a symbolic link owned by another user (uid ${st.uid}); heapsnap does not follow it`);
    }
    const target = followLink(finalPath);
    if (target.fd !== null) return { kind: 'fd', path: finalPath, fd: target.fd };
    if (target.missing) throw refuse('a link to nothing (a dangling symbolic link)');
    real = target.path;
    try {
      st = fs.statSync(real);
    } catch (err) {
      throw captureError(`cannot write ${what} ${finalPath}: ${describeCause(err)}`, { cause: err, path: finalPath });
    }
  }
  if (st.isFile()) return { kind: 'file', path: real };
  if (st.isCharacterDevice()) return { kind: 'device', path: real };
  if (st.isFIFO()) return { kind: 'fifo', path: real };
  if (st.isSocket()) return { kind: 'socket', path: real };
  throw refuse(real === finalPath ? kindOf(st) : `a link to ${kindOf(st)}`);
}

/**
 * Opens a device or FIFO for writing in place (never O_CREAT, never O_TRUNC). A FIFO is first
 * opened non-blocking, which fails with ENXIO while nobody reads it, so that a missing reader is
 * an error (sync) or a wait we control (async) instead of a thread blocked in open(2); once a
 * reader is there, a second, blocking descriptor is opened for the writes.
 */
function openInPlaceSync(dest, what) {
  const c = fs.constants;
  try {
    if (dest.kind !== 'fifo') return fs.openSync(dest.path, c.O_WRONLY | (c.O_NOCTTY || 0));
    const probe = fs.openSync(dest.path, c.O_WRONLY | c.O_NONBLOCK);
    try {
      return fs.openSync(dest.path, c.O_WRONLY);
    } finally {
      fs.closeSync(probe);
    }
  } catch (err) {
    if (err.code === 'ENXIO') throw captureError(`cannot write ${what} to the FIFO ${dest.path}: no process is reading it`, { cause: err, path: dest.path });
    throw captureError(`cannot write ${what} to ${dest.path}: ${describeCause(err)}`, { cause: err, path: dest.path });
  }
}

/** Writes all of `buf` to `fd`, retrying short writes (and EAGAIN on a non-blocking descriptor). */
function writeAllSync(fd, buf) {
  for (let off = 0; off < buf.length; ) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

/** `.<name>.<pid>.<random>.tmp` beside `finalPath`: hidden, unique, same filesystem. */
function tempPathFor(finalPath) {
  // node:crypto (and node:net below) are loaded where used: opening a snapshot needs neither
  const random = require('node:crypto').randomBytes(6).toString('hex');
  return path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.${process.pid}.${random}.tmp`);
}

/** Creates a new file O_EXCL|O_NOFOLLOW with mode 0600 (whatever the umask). Returns the fd. */
function openPrivate(file) {
  const c = fs.constants;
  const fd = fs.openSync(file, c.O_WRONLY | c.O_CREAT | c.O_EXCL | (c.O_NOFOLLOW || 0), FILE_MODE);
  try {
    fs.fchmodSync(fd, FILE_MODE); // some filesystems ignore the create mode
  } catch (err) {
    if (process.platform !== 'win32') {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
      throw err;
    }
  }
  return fd;
}

function unlinkQuiet(file) {
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone, or never created
  }
}

/**
 * Makes the complete file `tempPath` the destination `finalPath`: a regular destination gets it
 * by rename (mode 0600; `tempPath` must be on the same filesystem); a device, FIFO or descriptor
 * gets its bytes copied in, in place, and `tempPath` is left for the caller to remove. Returns
 * the path written.
 */
function placeFile(tempPath, finalPath, what = 'file') {
  const dest = destinationOf(finalPath, what);
  if (dest.kind === 'file') {
    fs.chmodSync(tempPath, FILE_MODE);
    fs.renameSync(tempPath, dest.path);
    return dest.path;
  }
  const fd = openThroughSync(dest, what);
  try {
    const src = fs.openSync(tempPath, 'r');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (let n; (n = fs.readSync(src, buf, 0, buf.length, null)) > 0; ) writeAllSync(fd, buf.subarray(0, n));
    } finally {
      fs.closeSync(src);
    }
  } finally {
    if (dest.kind !== 'fd') fs.closeSync(fd);
  }
  return finalPath;
}

/** A descriptor for writing a non-regular destination synchronously (sockets cannot be). */
function openThroughSync(dest, what) {
  if (dest.kind === 'fd') return dest.fd;
  if (dest.kind === 'socket') {
    throw captureError(`cannot write ${what} to the socket ${dest.path} synchronously; use a streaming writer (heapsnap's CLI does)`, { path: dest.path });
  }
  return openInPlaceSync(dest, what);
}

/**
 * Removes a private directory and the files in it (it holds no subdirectories). Not
 * `fs.rmSync(…, { recursive: true })`: that loads Node's rimraf on first use, and a snapshot
 * taken by an app between two of ours would show those modules as new objects (a fake leak).
 */
function removePrivateDir(dir) {
  let names = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) unlinkQuiet(path.join(dir, name));
  try {
    fs.rmdirSync(dir);
  } catch {
    // not empty (someone else's file?) or already gone: leave it
  }
}

/**
 * A fresh private directory (0700) beside `finalPath` (in the system's temporary directory when
 * the destination is not a regular file: never in /dev) and a file name in it, for a writer that
 * insists on a path of its own (V8's snapshot writer). `remove()` deletes the directory; call it
 * in a finally. Throws ERR_HEAPSNAP_CAPTURE when the directory cannot be made.
 */
function privateTempFile(finalPath, what = 'file') {
  const inPlace = destinationOf(finalPath, what).kind !== 'file';
  const dir = inPlace ? os.tmpdir() : path.dirname(finalPath);
  let tmpDir;
  try {
    tmpDir = fs.mkdtempSync(path.join(dir, inPlace ? 'heapsnap-' : '.heapsnap-'));
    fs.chmodSync(tmpDir, 0o700);
  } catch (err) {
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
    throw captureError(`cannot write ${what} in ${dir}: ${describeCause(err)}`, { cause: err, path: finalPath });
  }
  return {
    path: path.join(tmpDir, inPlace ? 'snapshot' : path.basename(finalPath)),
    remove: () => removePrivateDir(tmpDir),
  };
}

/**
 * Writes `data` (string or bytes) to `finalPath` synchronously: a regular file whole or not at
 * all, mode 0600; a device, FIFO (with a reader) or descriptor in place. Returns the byte count.
 */
function writeFileAtomic(finalPath, data, { what = 'file' } = {}) {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const dest = destinationOf(finalPath, what);
  if (dest.kind !== 'file') {
    const fd = openThroughSync(dest, what);
    try {
      writeAllSync(fd, buf);
    } catch (err) {
      throw captureError(`cannot write ${what} ${finalPath}: ${describeCause(err)}`, { cause: err, path: finalPath });
    } finally {
      if (dest.kind !== 'fd') fs.closeSync(fd);
    }
    return buf.length;
  }
  const tmp = tempPathFor(dest.path);
  let fd = null;
  try {
    fd = openPrivate(tmp);
    writeAllSync(fd, buf);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    placeFile(tmp, finalPath, what);
    return buf.length;
  } catch (err) {
    if (fd !== null) fs.closeSync(fd);
    unlinkQuiet(tmp);
    if (err.code === 'ERR_HEAPSNAP_CAPTURE') throw err;
    throw captureError(`cannot write ${what} ${finalPath}: ${describeCause(err)}`, { cause: err, path: finalPath });
  }
}

/** The same as writeFileAtomic through an AtomicFile (async: sockets and FIFOs that wait for a reader). */
async function writeWhole(finalPath, data, { what = 'file' } = {}) {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const file = new AtomicFile(finalPath, { what });
  file.write(buf);
  await file.commit();
  return buf.length;
}

/**
 * A Writable onto a destination (see the module comment). A regular file appears only when the
 * stream finishes: `end()` (or `commit()`) fsyncs, closes and renames it into place; `destroy()`
 * (or `abort()`, or any error) removes the temporary file and leaves the final name untouched.
 * A device, FIFO, socket or descriptor is written in place as the chunks come (a FIFO nobody
 * reads yet is waited for, until the stream is destroyed).
 *
 *     const f = new AtomicFile('/dir/x.heapsnapshot');   // throws ERR_HEAPSNAP_CAPTURE if it cannot create
 *     await pump(readable, f);                          // or f.write(chunk) … await f.commit()
 *
 * The descriptor is ours (no fs.WriteStream): it is closed exactly once, and never while a write
 * is in flight in the thread pool — destroy() during a write defers the close to its callback, so
 * a close can never hit a descriptor some other code has just been given.
 */
class AtomicFile extends Writable {
  constructor(finalPath, { what = 'file' } = {}) {
    super({ highWaterMark: HIGH_WATER_MARK });
    this.finalPath = finalPath;
    this.bytesWritten = 0;
    this._what = what;
    this._busy = false;
    this._closeWhenIdle = false;
    this._committed = false;
    this._failure = null; // our own write/fsync/rename error, as opposed to one we were destroyed with
    this._fd = null;
    this._socket = null;
    this._waitForReader = false;
    let dest;
    try {
      dest = destinationOf(finalPath, what);
    } catch (err) {
      super.destroy();
      throw err;
    }
    this.kind = dest.kind;
    this.path = dest.kind === 'file' ? dest.path : finalPath;
    this.tempPath = dest.kind === 'file' ? tempPathFor(dest.path) : null;
    this._dest = dest;
    try {
      if (dest.kind === 'file') this._fd = openPrivate(this.tempPath);
      else if (dest.kind === 'fd') this._fd = dest.fd;
      else if (dest.kind === 'device') this._fd = openInPlaceSync(dest, what);
      else if (dest.kind === 'fifo') {
        try {
          this._fd = openInPlaceSync(dest, what);
        } catch (err) {
          if (!(err.cause && err.cause.code === 'ENXIO')) throw err;
          this._waitForReader = true; // _construct waits for one
        }
      }
    } catch (err) {
      this._fd = null;
      super.destroy();
      if (err.code === 'ERR_HEAPSNAP_CAPTURE') throw err;
      throw captureError(`cannot create ${what} in ${path.dirname(this.path)}: ${describeCause(err)}`, { cause: err, path: finalPath });
    }
  }

  _construct(cb) {
    if (this.kind === 'socket') {
      const sock = require('node:net').connect({ path: this._dest.path });
      this._socket = sock;
      const onError = (err) => cb(this._wrap(err));
      sock.once('error', onError);
      sock.once('connect', () => {
        sock.removeListener('error', onError);
        sock.on('error', (err) => this.destroy(this._wrap(err)));
        cb();
      });
      return;
    }
    if (!this._waitForReader) return cb();
    const poll = () => {
      if (this.destroyed) return cb();
      try {
        this._fd = openInPlaceSync(this._dest, this._what);
        cb();
      } catch (err) {
        if (err.cause && err.cause.code === 'ENXIO') setTimeout(poll, FIFO_POLL_MS).unref();
        else cb(err);
      }
    };
    poll();
  }

  _wrap(err) {
    if (err && (err.code === 'ERR_HEAPSNAP_CAPTURE' || err.code === 'ABORT_ERR')) return err;
    return captureError(`cannot write ${this._what} ${this.finalPath}: ${describeCause(err)}`, { cause: err, path: this.finalPath });
  }

  /** Our own error (ERR_HEAPSNAP_CAPTURE), once writing, syncing or renaming failed. */
  failure() {
    return this._failure;
  }

  _fail(err, cb) {
    this._failure = this._failure || this._wrap(err);
    cb(this._failure);
  }

  _writev(chunks, cb) {
    const list = chunks.map((c) => c.chunk);
    if (this._socket) {
      const buf = list.length === 1 ? list[0] : Buffer.concat(list);
      this._socket.write(buf, (err) => {
        if (err) return this._fail(err, cb);
        this.bytesWritten += buf.length;
        cb(null);
      });
      return;
    }
    this._busy = true;
    const done = (err) => {
      this._busy = false;
      if (this._closeWhenIdle) this._closeFd();
      if (err) this._fail(err, cb);
      else cb(null);
    };
    const writeAll = () => {
      fs.writev(this._fd, list, (err, written) => {
        if (err && err.code === 'EAGAIN') return setTimeout(writeAll, 5); // a non-blocking descriptor (stdout)
        if (err) return done(err);
        this.bytesWritten += written;
        // Short writes: continue with what is left.
        while (list.length && written >= list[0].length) written -= list.shift().length;
        if (!list.length) return done(null);
        list[0] = list[0].subarray(written);
        if (this._closeWhenIdle) return done(null); // destroyed meanwhile: stop
        writeAll();
      });
    };
    writeAll();
  }

  _write(chunk, encoding, cb) {
    this._writev([{ chunk }], cb);
  }

  _final(cb) {
    if (this._socket) {
      this._socket.end(() => {
        this._committed = true;
        cb();
      });
      return;
    }
    const fd = this._fd;
    if (this.kind !== 'file') {
      // In place: nothing to sync or rename; our own descriptor is closed, a borrowed one is not.
      this._committed = true;
      if (this.kind === 'fd') return cb();
      this._fd = null;
      return fs.close(fd, (err) => (err ? this._fail(err, cb) : cb()));
    }
    fs.fsync(fd, (err) => {
      if (err) return this._fail(err, cb);
      this._fd = null;
      fs.close(fd, (err2) => {
        if (err2) return this._fail(err2, cb);
        try {
          this.path = placeFile(this.tempPath, this.finalPath, this._what);
          this._committed = true;
          cb();
        } catch (err3) {
          this._fail(err3, cb);
        }
      });
    });
  }

  _destroy(err, cb) {
    if (this._socket) this._socket.destroy();
    if (!this._committed && this.tempPath) unlinkQuiet(this.tempPath);
    if (this._busy) this._closeWhenIdle = true;
    else this._closeFd();
    cb(err);
  }

  _closeFd() {
    const fd = this._fd;
    this._fd = null;
    if (fd === null || fd === undefined || this.kind === 'fd') return;
    try {
      fs.closeSync(fd);
    } catch {
      // nothing useful to do
    }
  }

  /** Ends the stream and resolves with the final path once the file is in place. */
  commit() {
    return new Promise((resolve, reject) => {
      finished(this, (err) => (err ? reject(this._wrap(err)) : resolve(this.path)));
      this.end();
    });
  }

  /** Discards everything; idempotent, never throws. */
  abort() {
    this.destroy();
  }
}

module.exports = { AtomicFile, writeFileAtomic, writeWhole, privateTempFile, placeFile, destinationOf, toPath };
