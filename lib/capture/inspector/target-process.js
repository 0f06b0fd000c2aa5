'use strict';
/**
 * Facts about another process, before we dare to send it SIGUSR1.
 *
 * SIGUSR1's default action is to terminate: sent to `sleep 30` or to a database server it kills or
 * confuses it. Node catches SIGUSR1 to open its inspector. So before signalling a pid we check,
 * on Linux, that
 *   1. it exists and we may signal it (kill(pid, 0): ESRCH / EPERM become clear errors),
 *   2. its executable (/proc/<pid>/exe, else argv[0] from /proc/<pid>/cmdline) is named like Node
 *      (`node`, `nodejs`, `node20`, `node.exe`) or is the very binary running us,
 *   3. it has a handler installed for SIGUSR1 (bit 10 of SigCgt in /proc/<pid>/status) — a Node
 *      started with --disable-sigusr1, or built without the inspector, has none.
 * On macOS/BSD, where there is no /proc, `ps -o comm=` gives the command name for check 2 and
 * check 3 is skipped. Elsewhere (Windows) we do not guess: the caller must pass a port.
 *
 * `listeningSockets(pid)` lists the TCP ports the process listens on (Linux: its socket inodes
 * in /proc/<pid>/fd matched against /proc/<pid>/net/tcp{,6}); the inspector port is the one that
 * appears after SIGUSR1, which also handles `--inspect-port=0` and custom ports.
 */
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { captureError, unsupportedError } = require('../../errors.js');

const NODE_NAME = /^(node|nodejs)(\d+(\.\d+)*)?(\.exe)?$/i;
const SIGUSR1_BIT = 10n - 1n;

/** Throws ERR_HEAPSNAP_CAPTURE unless `pid` is alive and ours to signal. */
function assertAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code === 'ESRCH') throw captureError(`no process with pid ${pid}`, { cause: err, pid });
    if (err.code === 'EPERM') throw captureError(`not permitted to signal pid ${pid} (it belongs to another user)`, { cause: err, pid });
    throw captureError(`cannot signal pid ${pid}: ${err.message}`, { cause: err, pid });
  }
}

function readProc(pid, file) {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}

/** The executable path (or command name) of `pid`, best effort; null if unknown. */
function executableOf(pid) {
  if (process.platform === 'linux') {
    try {
      return fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
    } catch {
      const cmdline = readProc(pid, 'cmdline');
      if (cmdline) return cmdline.split('\0')[0] || null;
      return null;
    }
  }
  if (process.platform === 'darwin' || process.platform.endsWith('bsd')) {
    try {
      return execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8', timeout: 2000 }).trim() || null;
    } catch {
      return null;
    }
  }
  return null;
}

function isOurBinary(exe) {
  try {
    return fs.realpathSync(exe) === fs.realpathSync(process.execPath);
  } catch {
    return false;
  }
}

/** true/false if /proc says whether `pid` catches SIGUSR1; null if it cannot be told. */
function catchesSigusr1(pid) {
  const status = readProc(pid, 'status');
  if (!status) return null;
  const m = /^SigCgt:\s*([0-9a-f]+)/im.exec(status);
  if (!m) return null;
  return ((BigInt(`0x${m[1]}`) >> SIGUSR1_BIT) & 1n) === 1n;
}

/**
 * Throws unless it is safe to send SIGUSR1 to `pid` to open its inspector: it must be alive,
 * signallable, a Node.js executable, and (on Linux) catch SIGUSR1. Returns { exe }.
 */
function assertNodeProcess(pid) {
  assertAlive(pid);
  if (process.platform === 'win32') {
    throw unsupportedError(`cannot verify that pid ${pid} is a Node.js process on Windows; open its inspector yourself and pass the port`, { pid });
  }
  const exe = executableOf(pid);
  if (exe === null) {
    throw captureError(`cannot tell whether pid ${pid} is a Node.js process (its executable is unreadable); refusing to send SIGUSR1, which would kill any other program. Open its inspector (node --inspect) and pass the port instead`, { pid });
  }
  if (!NODE_NAME.test(path.basename(exe)) && !isOurBinary(exe)) {
    throw captureError(`pid ${pid} is not a Node.js process (${exe}); refusing to send SIGUSR1, which would kill it`, { pid });
  }
  if (catchesSigusr1(pid) === false) {
    throw captureError(`pid ${pid} (${exe}) does not handle SIGUSR1, so the signal would kill it (started with --disable-sigusr1, or a Node without the inspector?); start it with --inspect and pass the port instead`, { pid });
  }
  return { exe };
}

function parseAddress(hex) {
  // /proc/net/tcp: "0100007F:2405" (IPv4, little-endian words); tcp6: 32 hex digits + port.
  const [ip, port] = hex.split(':');
  let host;
  if (ip.length === 8) {
    const n = Number.parseInt(ip, 16);
    host = [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
  } else {
    const words = [];
    for (let i = 0; i < 32; i += 8) {
      const w = ip.slice(i, i + 8);
      words.push(w.slice(6, 8) + w.slice(4, 6), w.slice(2, 4) + w.slice(0, 2));
    }
    host = words.map((w) => w.replace(/^0{1,3}/, '')).join(':').toLowerCase();
    if (host === '0:0:0:0:0:0:0:1') host = '::1';
    else if (host === '0:0:0:0:0:0:0:0') host = '::';
    else if (/^0:0:0:0:0:ffff:/.test(host)) {
      const n = Number.parseInt(ip.slice(24, 32), 16);
      host = [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
    }
  }
  return { host, port: Number.parseInt(port, 16) };
}

/** Linux: the inodes of the sockets `pid` holds open (from /proc/<pid>/fd), or null if unreadable. */
function socketInodes(pid) {
  let fds;
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return null;
  }
  const inodes = new Set();
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // fd closed meanwhile
    }
  }
  return inodes;
}

/**
 * The TCP sockets `pid` listens on, as [{ host, port, inode }], or null where this cannot be
 * known (not Linux, or /proc/<pid>/fd unreadable).
 */
function listeningSockets(pid) {
  if (process.platform !== 'linux') return null;
  const inodes = socketInodes(pid);
  if (!inodes) return null;
  const out = [];
  for (const table of ['net/tcp', 'net/tcp6']) {
    const text = readProc(pid, table);
    if (!text) continue;
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue; // 0A = LISTEN
      if (!inodes.has(cols[9])) continue;
      out.push({ ...parseAddress(cols[1]), inode: cols[9] });
    }
  }
  return out;
}

/** Node's `[host:]port` / `host` value of --inspect*: { host?, port? }. */
function parseHostPort(value) {
  const v = String(value);
  if (/^\d+$/.test(v)) return { port: Number(v) };
  const colon = v.lastIndexOf(':');
  const bracketed = /^\[(.*)\](?::(\d+))?$/.exec(v);
  if (bracketed) return { host: bracketed[1], port: bracketed[2] === undefined ? undefined : Number(bracketed[2]) };
  if (colon > 0 && /^\d+$/.test(v.slice(colon + 1)) && v.indexOf(':') === colon) return { host: v.slice(0, colon), port: Number(v.slice(colon + 1)) };
  return { host: v };
}

/** Splits NODE_OPTIONS like Node does for the simple cases (spaces, double quotes). */
function splitOptions(text) {
  const out = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m; (m = re.exec(text)); ) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

/**
 * Where the inspector of `pid` would listen once SIGUSR1 opens it: { host, port, from } read
 * from its --inspect, --inspect-brk, --inspect-wait, --inspect-port (command line, then
 * NODE_OPTIONS from /proc/<pid>/environ; later flags win, as in Node). Defaults 127.0.0.1:9229.
 * Linux only; elsewhere the defaults (`from: null`).
 */
function inspectorAddressOf(pid) {
  const addr = { host: '127.0.0.1', port: 9229, from: null };
  if (process.platform !== 'linux') return addr;
  const args = [];
  const environ = readProc(pid, 'environ');
  if (environ) {
    const opt = environ.split('\0').find((e) => e.startsWith('NODE_OPTIONS='));
    if (opt) args.push(...splitOptions(opt.slice('NODE_OPTIONS='.length)).map((a) => [a, 'NODE_OPTIONS']));
  }
  const cmdline = readProc(pid, 'cmdline');
  if (cmdline) {
    // Node's own options come before the script (or -e/-p); stop at the first non-option.
    const argv = cmdline.split('\0').slice(1);
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (!a.startsWith('-') || a === '--' || a === '-') break;
      args.push([a, 'command line']);
      if (a === '-e' || a === '--eval' || a === '-p' || a === '--print') break;
      if (/^--inspect-port$|^--debug-port$/.test(a) && argv[i + 1] !== undefined) args.push([`${a}=${argv[++i]}`, 'command line']);
    }
  }
  for (const [a, from] of args) {
    const m = /^--(inspect|inspect-brk|inspect-wait|inspect-port|debug-port)(?:=(.*))?$/.exec(a);
    if (!m || m[2] === undefined || m[2] === '') continue;
    const hp = parseHostPort(m[2]);
    if (hp.host !== undefined) addr.host = hp.host;
    if (hp.port !== undefined) addr.port = hp.port;
    addr.from = `${a} (${from})`;
  }
  return addr;
}

module.exports = { assertAlive, assertNodeProcess, listeningSockets, socketInodes, inspectorAddressOf, parseHostPort };
