'use strict';
/**
 * The analysis cache: where analysed snapshots are kept so that opening one again skips parsing
 * and analysis. This file is the policy (which directory, which entry belongs to which file, how
 * much disk it may take); the entries themselves are written and read by the engine
 * (`crates/heapsnap-core`, one versioned binary format, validated on load).
 *
 *   directory   $HEAPSNAP_CACHE_DIR, else the platform's user cache directory + /heapsnap
 *               ($XDG_CACHE_HOME or ~/.cache on Linux, ~/Library/Caches on macOS,
 *               %LOCALAPPDATA% on Windows); created 0700, and refused (cache off) when it is
 *               a link, not ours, or open to others.
 *   entry key   the file's identity (device, inode, size, modification time in ns) and a
 *               SHA-256 of its first and last 256 KB: a file rewritten in place, replaced or
 *               touched gets a new key, and its old entry ages out.
 *   entries     <key>.analysis, 0600, written under a temporary name and renamed; a hit touches
 *               the entry, and after each write the least recently used entries are removed
 *               until the directory holds at most $HEAPSNAP_CACHE_MAX (default 8 GB).
 *   when        the CLI caches by default (`--no-cache` not to); the API when asked
 *               (`HeapSnapshot.open(file, { cache: true })`); never with HEAPSNAP_CACHE=0, nor
 *               for files under $HEAPSNAP_CACHE_MIN_SIZE (default 16 MB: they open fast anyway).
 */
// node:crypto is loaded where a key or a temporary name is made: the cache is off by default,
// and a program that only opens snapshots need not load it.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseBytes } = require('../format.js');

const SUFFIX = '.analysis';
const EDGE_BYTES = 256 * 1024;
const DEFAULT_MAX = 8 * 1024 ** 3;

function cacheError(message) {
  const e = new Error(message);
  e.code = 'ERR_HEAPSNAP_CACHE';
  return e;
}

let defaultOn = false;

/** Turns the cache on (or off) for opens that do not say: the CLI turns it on. */
function setDefault(on) {
  defaultOn = Boolean(on);
}

/** Whether caching is on for these options and this environment. */
function enabled(options = {}, env = process.env) {
  if ((options.cache ?? defaultOn) !== true) return false;
  const v = String(env.HEAPSNAP_CACHE ?? '').toLowerCase();
  return !(v === '0' || v === 'off' || v === 'false' || v === 'no');
}

/** Files smaller than this ($HEAPSNAP_CACHE_MIN_SIZE, default 16 MB) open fast anyway: not cached. */
function minSize(env = process.env) {
  if (env.HEAPSNAP_CACHE_MIN_SIZE === undefined || env.HEAPSNAP_CACHE_MIN_SIZE === '') return 16 * 1024 * 1024;
  const n = parseBytes(env.HEAPSNAP_CACHE_MIN_SIZE);
  return Number.isFinite(n) && n >= 0 ? n : 16 * 1024 * 1024;
}

/** The cache directory (not created). */
function cacheDir(env = process.env, platform = process.platform, home = os.homedir()) {
  if (env.HEAPSNAP_CACHE_DIR) return path.resolve(env.HEAPSNAP_CACHE_DIR);
  if (platform === 'win32') return path.join(env.LOCALAPPDATA || path.join(home, 'AppData', 'Local'), 'heapsnap', 'Cache');
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'heapsnap');
  const xdg = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(home, '.cache');
  return path.join(xdg, 'heapsnap');
}

/** The size cap in bytes ($HEAPSNAP_CACHE_MAX: "8GB", "500MB", a number). */
function maxBytes(env = process.env) {
  if (env.HEAPSNAP_CACHE_MAX === undefined || env.HEAPSNAP_CACHE_MAX === '') return DEFAULT_MAX;
  const n = parseBytes(env.HEAPSNAP_CACHE_MAX);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_MAX;
}

/**
 * Creates the directory 0700 if needed and checks it is private: a real directory (not a
 * link), owned by this user, with no access for group or others (tightened if it is ours).
 * Throws ERR_HEAPSNAP_CACHE otherwise.
 */
function ensureDir(dir) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw cacheError(`cache directory ${dir} is not a directory (a link or a file): not used`);
  if (process.platform === 'win32') return dir;
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) throw cacheError(`cache directory ${dir} belongs to another user: not used`);
  if (st.mode & 0o077) fs.chmodSync(dir, 0o700);
  return dir;
}

/** Hashes the first and last EDGE_BYTES of an open file. */
function edgeHash(fd, size) {
  const h = require('node:crypto').createHash('sha256');
  const buf = Buffer.allocUnsafe(Math.min(EDGE_BYTES, size));
  const readAt = (pos) => {
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(fd, buf, got, buf.length - got, pos + got);
      if (n === 0) break;
      got += n;
    }
    h.update(buf.subarray(0, got));
  };
  readAt(0);
  if (size > EDGE_BYTES) readAt(size - buf.length);
  return h.digest('hex');
}

/**
 * The identity of a snapshot file and its entry key (hex SHA-256). `format` is the engine's
 * cache format version: a new engine never reads an old engine's entries.
 */
function keyOf(file, format = 0) {
  const fd = fs.openSync(file, 'r');
  try {
    const st = fs.fstatSync(fd, { bigint: true });
    if (!st.isFile()) throw cacheError(`${file} is not a regular file`);
    const identity = [format, st.dev, st.ino, st.size, st.mtimeNs, edgeHash(fd, Number(st.size))].join('|');
    return { key: require('node:crypto').createHash('sha256').update(identity).digest('hex'), size: Number(st.size) };
  } finally {
    fs.closeSync(fd);
  }
}

function entryPath(dir, key) {
  return path.join(dir, key + SUFFIX);
}

/** A fresh temporary name for an entry being written (same directory, hidden). */
function tempPath(dir, key) {
  return path.join(dir, `.${key.slice(0, 16)}.${process.pid}.${require('node:crypto').randomBytes(6).toString('hex')}.tmp`);
}

/** Marks an entry as just used (eviction is by modification time). */
function touch(file) {
  try {
    const now = new Date();
    fs.utimesSync(file, now, now);
  } catch {
    // gone meanwhile: nothing to keep fresh
  }
}

/** The entries, oldest first: [{ path, size, mtimeMs }]. Temporary files older than an hour count too. */
function entries(dir) {
  let names;
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out = [];
  for (const n of names) {
    const isEntry = n.endsWith(SUFFIX);
    const isTemp = n.startsWith('.') && n.endsWith('.tmp');
    if (!isEntry && !isTemp) continue;
    try {
      const st = fs.lstatSync(path.join(dir, n));
      if (!st.isFile()) continue;
      if (isTemp && Date.now() - st.mtimeMs < 3600_000) continue; // maybe being written now
      out.push({ path: path.join(dir, n), size: st.size, mtimeMs: st.mtimeMs, temp: isTemp });
    } catch {
      // removed meanwhile
    }
  }
  return out.sort((a, b) => a.mtimeMs - b.mtimeMs);
}

/** Removes the least recently used entries until the directory holds at most `max` bytes. */
function evict(dir, max = maxBytes(), keep) {
  const list = entries(dir);
  let total = list.reduce((s, e) => s + e.size, 0);
  const removed = [];
  for (const e of list) {
    if (total <= max && !e.temp) break;
    if (e.path === keep) continue;
    try {
      fs.unlinkSync(e.path);
      total -= e.size;
      removed.push(e.path);
    } catch {
      // someone else removed it
    }
  }
  return { removed, bytes: total };
}

/** Removes every entry. */
function clear(dir = cacheDir()) {
  let count = 0;
  let bytes = 0;
  for (const e of entries(dir).concat(tempsOf(dir))) {
    try {
      fs.unlinkSync(e.path);
      count++;
      bytes += e.size;
    } catch {
      // already gone
    }
  }
  return { dir, removed: count, bytes };
}

function tempsOf(dir) {
  let names;
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith('.') && n.endsWith('.tmp'))
    .map((n) => {
      try {
        const st = fs.lstatSync(path.join(dir, n));
        return st.isFile() && Date.now() - st.mtimeMs < 3600_000 ? { path: path.join(dir, n), size: st.size } : null;
      } catch {
        return null;
      }
    })
    .filter(Boolean);
}

/** What the cache holds. */
function info(dir = cacheDir()) {
  const list = entries(dir).filter((e) => !e.temp);
  return { dir, entries: list.length, bytes: list.reduce((s, e) => s + e.size, 0), max: maxBytes() };
}

module.exports = { enabled, setDefault, minSize, cacheDir, maxBytes, ensureDir, keyOf, entryPath, tempPath, touch, entries, evict, clear, info, SUFFIX };
