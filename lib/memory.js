'use strict';
/**
 * How much memory this process may still take, for the default `maxMemory`.
 *
 * `os.freemem()` alone is the wrong answer where a limit is lower than the machine's free
 * memory: a container's cgroup (the kernel kills the process at `memory.max`) or an address
 * space limit (`ulimit -v`: an allocation fails and the Rust allocator aborts the process). So
 * the budget is the smallest of
 *   - the memory the OS reports available (`os.freemem()`),
 *   - for each cgroup of this process and its ancestors (v2 `memory.max` − `memory.current`,
 *     v1 `memory.limit_in_bytes` − `memory.usage_in_bytes`), what is left under its limit,
 *   - RLIMIT_AS − the address space in use (VmSize), and RLIMIT_DATA − the data in use (VmData),
 *     from /proc/self/limits and /proc/self/status,
 * of which 80% may be used. Everything is read from /proc and /sys (Linux); elsewhere only the
 * first applies. `memoryBudget()` → `{ bytes, source }`, `source` naming the limit that won.
 */
const fs = require('node:fs');
const os = require('node:os');

const SHARE = 0.8;

function read(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function number(text) {
  if (text === null) return null;
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null; // "max", "" …
  const n = Number(t);
  return n >= 2 ** 60 ? null : n; // v1 writes "no limit" as a huge number
}

/** The cgroup paths of this process: { v2: '/a/b' | null, v1: '/a/b' | null } (memory controller). */
function cgroupPaths() {
  const out = { v1: null, v2: null };
  const text = read('/proc/self/cgroup');
  if (!text) return out;
  for (const line of text.split('\n')) {
    const [id, controllers, p] = line.split(':');
    if (p === undefined) continue;
    if (id === '0' && controllers === '') out.v2 = p;
    else if (controllers.split(',').includes('memory')) out.v1 = p;
  }
  return out;
}

/** `dir` and its ancestors up to (and including) the mount point `root`. */
function upwards(root, p) {
  const dirs = [];
  const parts = p.split('/').filter(Boolean);
  for (let i = parts.length; i >= 0; i--) dirs.push([root, ...parts.slice(0, i)].join('/'));
  return dirs;
}

/** The least memory left under any cgroup limit of this process, or null when there is none. */
function cgroupRoom() {
  const { v1, v2 } = cgroupPaths();
  let best = null;
  const consider = (limitFile, usageFile) => {
    const limit = number(read(limitFile));
    if (limit === null) return;
    const usage = number(read(usageFile)) ?? 0;
    const room = Math.max(0, limit - usage);
    if (best === null || room < best) best = room;
  };
  if (v2 !== null) {
    for (const root of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
      for (const d of upwards(root, v2)) consider(`${d}/memory.max`, `${d}/memory.current`);
    }
  }
  if (v1 !== null) {
    for (const d of upwards('/sys/fs/cgroup/memory', v1)) consider(`${d}/memory.limit_in_bytes`, `${d}/memory.usage_in_bytes`);
  }
  return best;
}

/** { as, data }: room left under RLIMIT_AS and RLIMIT_DATA (soft limits), null where unlimited. */
function rlimitRoom() {
  const limits = read('/proc/self/limits');
  const status = read('/proc/self/status');
  if (!limits || !status) return { as: null, data: null };
  const soft = (name) => {
    const m = new RegExp(`^${name}\\s+(\\S+)`, 'm').exec(limits);
    return m ? number(m[1]) : null;
  };
  const kb = (field) => {
    const m = new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  };
  const as = soft('Max address space');
  const data = soft('Max data size');
  return {
    as: as === null ? null : Math.max(0, as - kb('VmSize')),
    data: data === null ? null : Math.max(0, data - kb('VmData')),
  };
}

/** `{ bytes, source }`: 80% of the least room any limit leaves this process. */
function memoryBudget() {
  const candidates = [[os.freemem(), 'of the available memory']];
  if (process.platform === 'linux') {
    const cg = cgroupRoom();
    if (cg !== null) candidates.push([cg, "left under this process's cgroup memory limit"]);
    const { as, data } = rlimitRoom();
    if (as !== null) candidates.push([as, 'of the address space left under RLIMIT_AS (ulimit -v)']);
    if (data !== null) candidates.push([data, 'of the data size left under RLIMIT_DATA (ulimit -d)']);
  }
  let [room, source] = candidates[0];
  for (const [r, s] of candidates) if (r < room) [room, source] = [r, s];
  return { bytes: Math.floor(room * SHARE), source: `80% ${source}` };
}

module.exports = { memoryBudget };
