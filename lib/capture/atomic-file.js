'use strict';
/**
 * Files that appear whole or not at all, readable by their owner only.
 *
 * A snapshot is written to a temporary name in the destination directory (created O_EXCL with
 * mode 0600, so no other user can open it while it grows, and the umask cannot widen it), fsync'd,
 * then renamed onto the final name. rename(2) within one directory is atomic, so a reader either
 * sees the complete file or nothing; on any failure (disk full, EFBIG, abort, a dead peer) the
 * temporary file is removed and the final name is never created.
 *
 * `AtomicFile` is push-style (the inspector hands us strings); `writeStreamAtomically` pipes a
 * Readable (worker snapshots) into one, with backpressure.
 */
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { captureError, abortError, describeCause } = require('./errors');

const FILE_MODE = 0o600;

/** `.Heap…heapsnapshot.<pid>.<random>.tmp` beside `finalPath`: hidden, unique, same filesystem. */
function tempPathFor(finalPath) {
  const dir = path.dirname(finalPath);
  const base = path.basename(finalPath);
  return path.join(dir, `.${base}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`);
}

/** Opens a new file O_EXCL|O_NOFOLLOW with mode 0600 (whatever the umask). Returns the fd. */
function openPrivate(file) {
  const c = fs.constants;
  const flags = c.O_WRONLY | c.O_CREAT | c.O_EXCL | (c.O_NOFOLLOW || 0);
  const fd = fs.openSync(file, flags, FILE_MODE);
  try {
    fs.fchmodSync(fd, FILE_MODE); // belt and braces: some filesystems ignore the create mode
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

const HIGH_WATER_MARK = 4 << 20;

/**
 * A file being written under a temporary name.
 *
 *     const f = new AtomicFile('/dir/x.heapsnapshot');   // throws ERR_HEAPSNAP_CAPTURE if it cannot create
 *     if (!f.write(chunk)) await f.drained();
 *     await f.commit();   // fsync + rename; returns the final path
 *     f.abort();          // or: remove the temporary file (idempotent, never throws)
 *
 * Writes go through our own queue (one fs.writev in flight at a time) rather than an
 * fs.WriteStream: we own the descriptor, so it is closed exactly once and never while a write
 * is still in flight in the thread pool. (A stream's destroy() closes the fd asynchronously;
 * closing it ourselves as well is a double close that can hit a descriptor some other code has
 * just opened, e.g. V8's own snapshot file.)
 */
class AtomicFile {
  constructor(finalPath, { what = 'heap snapshot' } = {}) {
    this.path = finalPath;
    this.tempPath = tempPathFor(finalPath);
    this.bytesWritten = 0;
    this._what = what;
    this._error = null;
    this._done = false; // committed or aborted: no more writes
    this._queue = [];
    this._queued = 0;
    this._writing = false;
    this._waiters = []; // { resolve, reject, until: 'drain' | 'flush' }
    this._closeWhenIdle = false;
    try {
      this._fd = openPrivate(this.tempPath);
    } catch (err) {
      throw captureError(`cannot create ${what} in ${path.dirname(finalPath)}: ${describeCause(err)}`, {
        cause: err,
        path: finalPath,
      });
    }
  }

  /** The first write error, wrapped; null while all is well. */
  get error() {
    return this._error ? this._wrap(this._error) : null;
  }

  _wrap(err) {
    if (err && (err.code === 'ERR_HEAPSNAP_CAPTURE' || err.code === 'ABORT_ERR')) return err;
    return captureError(`cannot write ${this._what} ${this.path}: ${describeCause(err)}`, { cause: err, path: this.path });
  }

  /** Queues a chunk (string or bytes). false means: wait for `drained()` before writing more. */
  write(chunk) {
    if (this._error) throw this.error;
    if (this._done) return true;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.bytesWritten += buf.length;
    this._queue.push(buf);
    this._queued += buf.length;
    this._kick();
    return this._queued < HIGH_WATER_MARK;
  }

  _kick() {
    if (this._writing || this._fd === null) return;
    if (this._done && this._closeWhenIdle) {
      this._closeFd();
      return;
    }
    if (this._queue.length === 0 || this._error) {
      this._settleWaiters();
      return;
    }
    const bufs = this._queue;
    this._queue = [];
    this._writing = true;
    const fd = this._fd;
    const writeAll = (list) => {
      fs.writev(fd, list, (err, written) => {
        if (!err) {
          // Short writes: continue with what is left.
          let left = written;
          while (list.length && left >= list[0].length) left -= list.shift().length;
          if (list.length) {
            list[0] = list[0].subarray(left);
            writeAll(list);
            return;
          }
        }
        this._writing = false;
        if (err && !this._error) this._error = err;
        this._queued -= bufs.reduce((n, b) => n + b.length, 0);
        this._kick();
      });
    };
    writeAll(bufs.slice());
  }

  _settleWaiters() {
    const keep = [];
    for (const w of this._waiters) {
      if (this._error) w.reject(this._wrap(this._error));
      else if (w.until === 'drain' && this._queued < HIGH_WATER_MARK) w.resolve();
      else if (w.until === 'flush' && this._queued === 0 && !this._writing) w.resolve();
      else keep.push(w);
    }
    this._waiters = keep;
  }

  _wait(until) {
    return new Promise((resolve, reject) => {
      this._waiters.push({ resolve, reject, until });
      if (!this._writing) this._kick();
      else this._settleWaiters();
    });
  }

  /** Resolves when the queue is below the high-water mark; rejects if a write failed. */
  drained() {
    if (this._error) return Promise.reject(this.error);
    if (this._queued < HIGH_WATER_MARK) return Promise.resolve();
    return this._wait('drain');
  }

  _closeFd() {
    const fd = this._fd;
    this._fd = null;
    if (fd === null) return;
    try {
      fs.closeSync(fd);
    } catch {
      // nothing useful to do
    }
  }

  /** Writes what is queued, fsyncs, closes and renames onto the final name. On failure, cleans up and throws. */
  async commit() {
    if (this._done) throw captureError(`${this.path}: commit after abort or commit`, { path: this.path });
    try {
      await this._wait('flush');
      if (this._error) throw this._error;
      const fd = this._fd;
      await new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
      this._fd = null;
      await new Promise((resolve, reject) => fs.close(fd, (err) => (err ? reject(err) : resolve())));
      await fs.promises.rename(this.tempPath, this.path);
      this._done = true;
      return this.path;
    } catch (err) {
      this.abort();
      throw this._wrap(err);
    }
  }

  /**
   * Discards everything: removes the temporary file now, and closes the descriptor now or, if a
   * write is in flight, as soon as it returns. Idempotent, never throws.
   */
  abort() {
    if (this._done && this._fd === null) return;
    this._done = true;
    this._queue = [];
    unlinkQuiet(this.tempPath);
    if (this._writing) this._closeWhenIdle = true;
    else this._closeFd();
    for (const w of this._waiters) w.reject(this._wrap(this._error || new Error('aborted')));
    this._waiters = [];
  }
}

/**
 * Pipes `readable` into an open AtomicFile and commits it. Resolves with the final path.
 * `signal` aborts: the stream is destroyed and nothing is left on disk. On any failure the
 * temporary file is removed.
 */
async function pipeToAtomicFile(readable, file, { signal } = {}) {
  const finalPath = file.path;
  let onAbort;
  try {
    await new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err) => {
        if (settled) return;
        settled = true;
        readable.destroy();
        reject(err);
      };
      if (signal) {
        if (signal.aborted) return fail(abortError(signal, `Writing ${finalPath}`));
        onAbort = () => fail(abortError(signal, `Writing ${finalPath}`));
        signal.addEventListener('abort', onAbort, { once: true });
      }
      readable.on('data', (chunk) => {
        if (settled) return;
        let ok;
        try {
          ok = file.write(chunk);
        } catch (err) {
          return fail(err);
        }
        if (!ok) {
          readable.pause();
          file.drained().then(() => settled || readable.resume(), fail);
        }
      });
      readable.once('error', (err) =>
        fail(captureError(`reading the heap snapshot stream for ${finalPath} failed: ${describeCause(err)}`, { cause: err, path: finalPath })),
      );
      readable.once('end', () => {
        if (settled) return;
        settled = true;
        resolve();
      });
      readable.once('close', () => {
        if (!readable.readableEnded) fail(captureError(`the heap snapshot stream for ${finalPath} closed before its end`, { path: finalPath }));
      });
    });
    return await file.commit();
  } catch (err) {
    file.abort();
    throw err;
  } finally {
    if (signal && onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** `pipeToAtomicFile` into a new AtomicFile at `finalPath`. */
async function writeStreamAtomically(readable, finalPath, { signal, what } = {}) {
  let file;
  try {
    file = new AtomicFile(finalPath, { what });
  } catch (err) {
    readable.destroy();
    throw err;
  }
  return pipeToAtomicFile(readable, file, { signal });
}

module.exports = { AtomicFile, pipeToAtomicFile, writeStreamAtomically, openPrivate, tempPathFor, unlinkQuiet, FILE_MODE };
