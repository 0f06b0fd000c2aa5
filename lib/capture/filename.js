'use strict';
/**
 * Default snapshot file names, the same pattern Node uses for `v8.writeHeapSnapshot()`,
 * `--heapsnapshot-signal` and `--heapsnapshot-near-heap-limit`:
 *
 *     Heap.<yyyymmdd>.<hhmmss>.<pid>.<threadId>.<seq>.heapsnapshot
 *
 * (local time; seq is a per-process counter, three digits). Node keeps its counter in C++ where we
 * cannot reach it, so ours counts separately; the time, pid and thread id still make a clash
 * with Node's own names unlikely, and `nextFreeName` skips names that already exist.
 */
const fs = require('node:fs');
const path = require('node:path');
const { threadId: ownThreadId } = require('node:worker_threads');
const { toPath } = require('../fs.js');

let seq = 0;

function pad(n, width = 2) {
  return String(n).padStart(width, '0');
}

/**
 * `Heap.20240131.235959.1234.0.001.heapsnapshot` for this process and thread, or for the given
 * `pid` (a remote capture names the process it captured) and `threadId`.
 */
function defaultFilename({ threadId, pid = process.pid, now = new Date() } = {}) {
  if (threadId === undefined) threadId = ownThreadId;
  seq += 1;
  const date = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `Heap.${date}.${time}.${pid}.${threadId}.${pad(seq, 3)}.heapsnapshot`;
}

/** A default name in `dir` that does not exist yet (bounded: gives up after 1000 tries). */
function nextFreeName(dir, naming) {
  for (let i = 0; i < 1000; i++) {
    const candidate = path.join(dir, defaultFilename(naming));
    if (!fs.existsSync(candidate)) return candidate;
  }
  return path.join(dir, defaultFilename(naming));
}

/**
 * Where a capture goes: `file` (resolved against `dir`, else the cwd) or a default name in
 * `dir` (else the cwd), made with `pid` and `threadId`. Returns an absolute path.
 */
function resolveTarget({ file, dir, threadId, pid } = {}) {
  file = toPath(file, 'file', { optional: true });
  dir = toPath(dir, 'options.dir', { optional: true });
  const base = path.resolve(dir === undefined ? process.cwd() : dir);
  if (file !== undefined) return path.resolve(base, file);
  return nextFreeName(base, { threadId, pid });
}

module.exports = { resolveTarget };
