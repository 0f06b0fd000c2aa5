'use strict';
/**
 * Opened snapshots, kept for follow-up questions: the explorer's files and the MCP server's.
 *
 *     const store = new SnapshotStore({ maxOpen: 4 });
 *     const model = await store.get('app.heapsnapshot', { onProgress });
 *
 * A file is known by its real path; it is reopened when its size or modification time
 * changes. Two callers asking for one file at once share one open. Beyond `maxOpen` files the
 * least recently used one is disposed (a snapshot holds about 1.5 × its file size in memory).
 */
const fs = require('node:fs');
const { SnapshotModel } = require('./model.js');

function identity(file) {
  const real = fs.realpathSync(file);
  const st = fs.statSync(real);
  if (!st.isFile()) {
    const e = new Error(`${file} is not a regular file`);
    e.code = 'ERR_HEAPSNAP_IO';
    throw e;
  }
  return { real, stamp: `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}` };
}

class SnapshotStore {
  #entries = new Map(); // real path → { stamp, promise, model }
  #maxOpen;

  constructor({ maxOpen = 4 } = {}) {
    this.#maxOpen = Math.max(1, maxOpen);
  }

  /** The model of `file`, opened now or earlier. Errors are not kept: the next call retries. */
  async get(file, { onProgress, signal } = {}) {
    let id;
    try {
      id = identity(file);
    } catch (e) {
      if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'ENOTDIR') {
        const err = new Error(`cannot read snapshot '${file}': ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
        err.code = 'ERR_HEAPSNAP_IO';
        throw err;
      }
      throw e;
    }
    let entry = this.#entries.get(id.real);
    if (entry && entry.stamp !== id.stamp) {
      this.#drop(id.real);
      entry = undefined;
    }
    if (!entry) {
      entry = { stamp: id.stamp, model: null, promise: null };
      entry.promise = SnapshotModel.open(id.real, { onProgress, signal }).then(
        (m) => {
          m.file = file;
          entry.model = m;
          return m;
        },
        (e) => {
          if (this.#entries.get(id.real) === entry) this.#entries.delete(id.real);
          throw e;
        },
      );
      this.#entries.set(id.real, entry);
      this.#evict(id.real);
    } else {
      // most recently used last
      this.#entries.delete(id.real);
      this.#entries.set(id.real, entry);
    }
    return entry.promise;
  }

  /** The real paths of the files open now. */
  list() {
    return [...this.#entries].filter(([, e]) => e.model).map(([real, e]) => ({ path: real, nodeCount: e.model.snapshot.nodeCount, file: e.model.file }));
  }

  #evict(keep) {
    for (const real of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxOpen) break;
      if (real !== keep && this.#entries.get(real).model) this.#drop(real);
    }
  }

  #drop(real) {
    const e = this.#entries.get(real);
    this.#entries.delete(real);
    if (e?.model) e.model.dispose();
  }

  /** Disposes one file's snapshot (true if it was open), or all of them. */
  close(file) {
    if (file === undefined) {
      for (const real of [...this.#entries.keys()]) this.#drop(real);
      return true;
    }
    let real;
    try {
      real = fs.realpathSync(file);
    } catch {
      return false;
    }
    if (!this.#entries.has(real)) return false;
    this.#drop(real);
    return true;
  }
}

module.exports = { SnapshotStore };
