'use strict';
/**
 * Files heapsnap writes, and the paths it is given.
 *
 * Snapshots and reports hold a process's data, so every file we write is readable by its owner
 * only (0600) and appears whole or not at all: it is written under a temporary name beside its
 * destination (created O_EXCL|O_NOFOLLOW, so no one else can open it while it grows and the umask
 * cannot widen it), fsync'd, then renamed onto the final name — rename(2) within one directory is
 * atomic. On any failure the temporary file is removed and the final name is never touched. We
 * only ever replace a regular file (through a symlink, the file it names): never a directory, a
 * device, a FIFO or a socket.
 *
 *   AtomicFile          a Writable stream onto such a file (snapshots arriving in chunks)
 *   writeFileAtomic     the same for data already in memory (reports)
 *   privateTempFile     a name in a fresh 0700 directory beside the destination, for writers we
 *                       do not control (V8's own snapshot writer), then `placeFile` it
 *   toPath              a path from a string or a file: URL
 */
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { Writable, finished } = require('node:stream');
const { fileURLToPath } = require('node:url');
const { captureError, describeCause, invalidArgType } = require('./errors.js');

const FILE_MODE = 0o600;
const HIGH_WATER_MARK = 4 << 20;

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
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * Where writing `finalPath` lands: the path itself when it does not exist or is a regular file,
 * the file a symlink names when that is a regular file; anything else throws ERR_HEAPSNAP_CAPTURE.
 */
function destinationOf(finalPath, what = 'file') {
  let st;
  try {
    st = fs.lstatSync(finalPath);
  } catch (err) {
    if (err.code === 'ENOENT') return finalPath;
    throw captureError(`cannot write ${what} ${finalPath}: ${describeCause(err)}`, { cause: err, path: finalPath });
  }
  if (st.isFile()) return finalPath;
  if (st.isSymbolicLink()) {
    try {
      const real = fs.realpathSync(finalPath);
      if (fs.statSync(real).isFile()) return real;
    } catch {
      // a dangling link: refused below
    }
  }
  throw captureError(`refusing to replace ${finalPath} with ${what}: it is ${st.isSymbolicLink() ? 'a link to something that is not a regular file' : kindOf(st)}`, {
    path: finalPath,
  });
}

/** `.<name>.<pid>.<random>.tmp` beside `finalPath`: hidden, unique, same filesystem. */
function tempPathFor(finalPath) {
  return path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`);
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

/** Makes the complete file `tempPath` (same directory) the file `finalPath`: mode 0600, then rename. */
function placeFile(tempPath, finalPath, what = 'file') {
  const dest = destinationOf(finalPath, what);
  fs.chmodSync(tempPath, FILE_MODE);
  fs.renameSync(tempPath, dest);
  return dest;
}

/**
 * A fresh private directory (0700) beside `finalPath` and a file name in it, for a writer that
 * insists on a path of its own (V8's snapshot writer). `remove()` deletes the directory; call it
 * in a finally. Throws ERR_HEAPSNAP_CAPTURE when the directory cannot be made.
 */
function privateTempFile(finalPath, what = 'file') {
  const dir = path.dirname(finalPath);
  let tmpDir;
  try {
    tmpDir = fs.mkdtempSync(path.join(dir, '.heapsnap-'));
    fs.chmodSync(tmpDir, 0o700);
  } catch (err) {
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
    throw captureError(`cannot write ${what} in ${dir}: ${describeCause(err)}`, { cause: err, path: finalPath });
  }
  return {
    path: path.join(tmpDir, path.basename(finalPath)),
    remove: () => fs.rmSync(tmpDir, { recursive: true, force: true }),
  };
}

/** Writes `data` (string or bytes) to `finalPath` whole or not at all, mode 0600. Returns the byte count. */
function writeFileAtomic(finalPath, data, { what = 'file' } = {}) {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const dest = destinationOf(finalPath, what);
  const tmp = tempPathFor(dest);
  let fd = null;
  try {
    fd = openPrivate(tmp);
    for (let off = 0; off < buf.length; ) off += fs.writeSync(fd, buf, off, buf.length - off);
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

/**
 * A Writable onto a file that appears only when the stream finishes: `end()` (or `commit()`)
 * fsyncs, closes and renames it into place; `destroy()` (or `abort()`, or any error) removes the
 * temporary file and leaves the final name untouched.
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
    this.path = destinationOf(finalPath, what);
    this.tempPath = tempPathFor(this.path);
    this.bytesWritten = 0;
    this._what = what;
    this._busy = false;
    this._closeWhenIdle = false;
    this._committed = false;
    this._failure = null; // our own write/fsync/rename error, as opposed to one we were destroyed with
    try {
      this._fd = openPrivate(this.tempPath);
    } catch (err) {
      this._fd = null;
      super.destroy();
      throw captureError(`cannot create ${what} in ${path.dirname(this.path)}: ${describeCause(err)}`, { cause: err, path: finalPath });
    }
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
    this._busy = true;
    const done = (err) => {
      this._busy = false;
      if (this._closeWhenIdle) this._closeFd();
      if (err) this._fail(err, cb);
      else cb(null);
    };
    const writeAll = () => {
      fs.writev(this._fd, list, (err, written) => {
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
    const fd = this._fd;
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
    if (!this._committed) unlinkQuiet(this.tempPath);
    if (this._busy) this._closeWhenIdle = true;
    else this._closeFd();
    cb(err);
  }

  _closeFd() {
    const fd = this._fd;
    this._fd = null;
    if (fd === null || fd === undefined) return;
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

module.exports = { AtomicFile, writeFileAtomic, privateTempFile, placeFile, destinationOf, toPath };
