'use strict';
/**
 * The client side of the capture agent (agent.js): find the agent of a pid, check that the socket
 * really belongs to that pid, ask for a snapshot and stream it into a sink.
 *
 * Finding it: on Linux, the listening Unix-domain sockets of the pid (its socket inodes in
 * /proc/<pid>/fd matched against /proc/<pid>/net/unix) named `agent-<pid>.sock` — whatever
 * directory the agent chose. Elsewhere, the names the agent would use under our environment
 * ($XDG_RUNTIME_DIR/heapsnap, <tmpdir>/heapsnap-<uid>). Reading the pid's /proc entries, the key
 * file and the socket all need its uid or root, which is the point.
 *
 * Trusting it: the directory holding socket and key must be owned by the target's uid (or root)
 * and closed to others, and the kernel's peer credentials of the connected socket must name the
 * pid we asked for (Linux, macOS). A process of another user cannot stand in for the agent.
 */
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { agentDirCandidates, SOCKET_NAME, KEY_NAME, PROTOCOL } = require('./agent.js');
const { captureError, abortError, describeCause } = require('../errors.js');
const { socketInodes } = require('./inspector/target-process.js');

const MAX_HEADER = 4096;

function uidOf(pid) {
  try {
    const m = /^Uid:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Linux: paths of the listening Unix sockets of `pid` named like its agent. null: cannot tell. */
function listeningAgentSockets(pid) {
  const inodes = socketInodes(pid);
  if (!inodes) return null;
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/net/unix`, 'utf8');
  } catch {
    return null;
  }
  const out = [];
  for (const line of text.split('\n').slice(1)) {
    // Num RefCount Protocol Flags Type St Inode Path
    const cols = line.trim().split(/\s+/);
    if (cols.length < 8) continue;
    const listening = (Number.parseInt(cols[3], 16) & 0x10000) !== 0; // __SO_ACCEPTCON
    if (!listening || !inodes.has(cols[6])) continue;
    const p = cols.slice(7).join(' ');
    if (path.basename(p) === SOCKET_NAME(pid)) out.push(p);
  }
  return out;
}

/**
 * The agent of `pid`: { socketPath, keyPath } or null when it has none (or we cannot tell).
 * Throws ERR_HEAPSNAP_CAPTURE when an agent is there but its files are not trustworthy.
 */
function findAgent(pid) {
  let paths;
  if (process.platform === 'linux') paths = listeningAgentSockets(pid);
  if (paths === undefined || paths === null) {
    const uid = typeof process.getuid === 'function' ? process.getuid() : null;
    if (uid === null) return null;
    paths = agentDirCandidates(uid)
      .map((d) => path.join(d, SOCKET_NAME(pid)))
      .filter((p) => {
        try {
          return fs.lstatSync(p).isSocket();
        } catch {
          return false;
        }
      });
  }
  if (paths.length === 0) return null;
  const socketPath = paths[0];
  const dir = path.dirname(socketPath);
  const owner = process.platform === 'linux' ? uidOf(pid) : null;
  let st;
  try {
    st = fs.lstatSync(dir);
  } catch (err) {
    throw captureError(`the agent of pid ${pid} listens on ${socketPath}, but its directory cannot be read: ${describeCause(err)}`, { cause: err, pid, path: socketPath });
  }
  const owners = new Set([0, owner ?? (typeof process.getuid === 'function' ? process.getuid() : 0)]);
  if (!st.isDirectory() || st.isSymbolicLink() || !owners.has(st.uid) || (st.mode & 0o077) !== 0) {
    throw captureError(`refusing the agent socket ${socketPath}: its directory is not private to the owner of pid ${pid}`, { pid, path: socketPath });
  }
  return { socketPath, keyPath: path.join(dir, KEY_NAME(pid)) };
}

/** The pid at the other end of `socket` per the kernel, or null where it cannot be told. */
function peerPid(socket) {
  const { binding } = require('../native.js');
  const fd = socket._handle && socket._handle.fd;
  if (typeof fd !== 'number' || fd < 0) return null;
  try {
    const cred = binding.peerCredentials(fd);
    return cred.pid ?? null;
  } catch {
    return null;
  }
}

/**
 * Asks the agent `found` of `pid` for a snapshot; every chunk goes to `onChunk(buf)` (which may
 * return a promise to apply backpressure). Resolves with the byte count.
 * options: { signal, snapshot (exposeInternals/exposeNumericValues/trackAllocations), onProgress({ done, total, finished }), timeout }
 */
function captureFromAgent(pid, found, onChunk, { signal, snapshot, onProgress, timeout = 10000 } = {}) {
  let key;
  try {
    key = fs.readFileSync(found.keyPath, 'utf8').trim();
  } catch (err) {
    return Promise.reject(captureError(`cannot read the key of the agent of pid ${pid} (${found.keyPath}): ${describeCause(err)}`, { cause: err, pid, path: found.keyPath }));
  }
  return new Promise((resolve, reject) => {
    const sock = net.connect({ path: found.socketPath });
    let header = null;
    let head = Buffer.alloc(0);
    let received = 0;
    let settled = false;
    let pending = Promise.resolve();
    const connectTimer = setTimeout(() => fail(captureError(`the agent of pid ${pid} did not answer within ${timeout} ms`, { pid, path: found.socketPath })), timeout);
    const fail = (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      reject(err);
    };
    const onAbort = () => fail(abortError(signal, 'Capturing the remote heap snapshot'));
    if (signal) {
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
    }
    sock.on('error', (err) => fail(captureError(`the agent of pid ${pid} (${found.socketPath}): ${describeCause(err)}`, { cause: err, pid, path: found.socketPath })));
    sock.on('connect', () => {
      const other = peerPid(sock);
      if (other !== null && other !== pid) {
        fail(captureError(`the socket ${found.socketPath} belongs to pid ${other}, not pid ${pid}; refusing it`, { pid, path: found.socketPath }));
        return;
      }
      sock.write(`${JSON.stringify({ heapsnap: PROTOCOL, op: 'snapshot', key, ...(snapshot || {}) })}\n`);
    });
    const deliver = (buf) => {
      received += buf.length;
      if (received > header.bytes) return fail(captureError(`the agent of pid ${pid} sent more than the ${header.bytes} bytes it announced`, { pid }));
      const r = onChunk(buf);
      if (r && typeof r.then === 'function') {
        sock.pause();
        pending = r.then(
          () => settled || sock.resume(),
          (err) => fail(err),
        );
      }
      if (onProgress) {
        try {
          onProgress({ done: received, total: header.bytes, finished: received === header.bytes });
        } catch (err) {
          fail(err);
        }
      }
    };
    sock.on('data', (chunk) => {
      if (settled) return;
      if (header) return deliver(chunk);
      head = Buffer.concat([head, chunk]);
      const nl = head.indexOf(10);
      if (nl < 0) {
        if (head.length > MAX_HEADER) fail(captureError(`the agent of pid ${pid} answered something that is not heapsnap's protocol`, { pid }));
        return;
      }
      let h;
      try {
        h = JSON.parse(head.subarray(0, nl).toString('utf8'));
      } catch {
        h = null;
      }
      if (!h || h.heapsnap !== PROTOCOL) return fail(captureError(`the agent of pid ${pid} answered something that is not heapsnap's protocol (version ${PROTOCOL})`, { pid }));
      if (!h.ok) {
        const err = captureError(String(h.message || 'the agent refused'), { pid, path: found.socketPath });
        if (typeof h.code === 'string' && /^[A-Z_]+$/.test(h.code)) err.code = h.code;
        return fail(err);
      }
      if (!Number.isSafeInteger(h.bytes) || h.bytes < 0) return fail(captureError(`the agent of pid ${pid} announced no size`, { pid }));
      clearTimeout(connectTimer); // the snapshot is taken; streaming it is not time-limited
      header = h;
      const rest = head.subarray(nl + 1);
      head = null;
      if (rest.length) deliver(rest);
    });
    sock.on('end', () => {
      if (settled) return;
      if (!header) return fail(captureError(`the agent of pid ${pid} closed the connection without an answer`, { pid }));
      if (received !== header.bytes) return fail(captureError(`the agent of pid ${pid} sent ${received} of ${header.bytes} bytes (the process exited?)`, { pid }));
      pending.then(() => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        resolve(received);
      });
    });
  });
}

module.exports = { findAgent, captureFromAgent };
