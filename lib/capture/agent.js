'use strict';
/**
 * The capture agent: a way to take a heap snapshot of this process from outside that opens no
 * inspector, so no other local user can reach into the process while it is captured.
 *
 *   node --require heapsnap/agent app.js        (CommonJS or ESM apps)
 *   node --import heapsnap/agent app.mjs
 *   require('heapsnap').startAgent()            → Promise<{ path, pid }>;  stopAgent() → Promise
 *
 * `heapsnap capture --pid PID` / `captureRemote({ pid })` use it whenever PID has one.
 *
 * Why not the inspector: SIGUSR1 opens Node's unauthenticated inspector on 127.0.0.1:9229, and
 * any local user who connects while it is open can run code in the process as its user.
 *
 * What it exposes, and to whom:
 *   - a Unix-domain socket `agent-<pid>.sock` (mode 0600) in a directory only this user can enter
 *     (mode 0700, owned by this uid, not a symlink — verified, never trusted): $XDG_RUNTIME_DIR/
 *     heapsnap when that is set, else <tmpdir>/heapsnap-<uid>; if that name is taken by someone
 *     else, a fresh mkdtemp directory instead. No TCP port, ever.
 *   - every connection's peer credentials are asked of the kernel (SO_PEERCRED / getpeereid, a
 *     small binding function: Node has none): only this uid or root is served;
 *   - a secret: `agent-<pid>.key` (0600, 32 random bytes) beside the socket; a request must carry
 *     it, so reaching the socket alone (a leaked descriptor, a loosened directory) is not enough.
 *   - the protocol is one request line, at most 1024 bytes, within 5 s:
 *       {"heapsnap":1,"op":"snapshot","key":"…","exposeInternals"?:bool,"exposeNumericValues"?:bool,
 *        "trackAllocations"?:bool}
 *     answered by one header line and, on success, the snapshot's bytes:
 *       {"heapsnap":1,"ok":true,"pid":N,"bytes":N}\n<N bytes>
 *       {"heapsnap":1,"ok":false,"code":"…","message":"…"}\n
 *     Anything else (another version, another op, no newline in time, a wrong key) is refused and
 *     the connection closed; one capture at a time (a second gets ERR_HEAPSNAP_CAPTURE at once).
 *
 * How the snapshot leaves the process: V8 writes it (`v8.writeHeapSnapshot`, which streams from
 * C++ to a file) into a fresh 0700 directory inside the agent's directory; the file is opened,
 * unlinked at once (nothing stays on disk, even if the process dies), and streamed to the socket
 * with backpressure. This harms the target least: `v8.getHeapSnapshot()` looks like a stream but
 * serializes the whole snapshot synchronously into the stream's buffer, so the target would hold
 * the full JSON text in memory. Taking the snapshot blocks the event loop, as any heap snapshot
 * does. The agent never keeps the process alive (its server is unref'd) and removes its socket
 * and key when the process exits normally or `stopAgent()` is called.
 *
 * Allocation stacks (`trackAllocations`, as in `writeHeapSnapshot`): true turns V8's allocation
 * tracking on in this process before the snapshot and leaves it on, so the next captures carry
 * the stack of every object allocated since; false turns it off after the snapshot. Tracking
 * lives in an in-process inspector session (allocation-tracking.js), so it outlasts the request
 * and still no port is opened: the reason `capture --pid --track-allocations` needs the agent
 * (an inspector session of ours stops tracking when it closes). While tracking, allocation is
 * slower and the process does not exit on its own until tracking is turned off.
 *
 * Not available on Windows (ERR_HEAPSNAP_UNSUPPORTED): there are no Unix-domain socket peer
 * credentials there; capture by port instead.
 */
const fs = require('node:fs');
const os = require('node:os');
const net = require('node:net');
const path = require('node:path');
const v8 = require('node:v8');
const crypto = require('node:crypto');
const { privateTempFile, writeFileAtomic } = require('../fs.js');
const { snapshotOptions } = require('./snapshot-options.js');
const { assertCompleteSnapshot } = require('./write-heap-snapshot.js');
const { withAllocationTracking } = require('./allocation-tracking.js');
const { captureError, unsupportedError, describeCause, optionsObject } = require('../errors.js');

const PROTOCOL = 1;
const MAX_REQUEST = 1024;
const REQUEST_TIMEOUT_MS = 5000;
const SOCKET_NAME = (pid) => `agent-${pid}.sock`;
const KEY_NAME = (pid) => `agent-${pid}.key`;

/** Throws unless `dir` is a real directory (not a link) owned by `uid` that no one else may enter. */
function checkPrivateDir(dir, uid) {
  const st = fs.lstatSync(dir);
  if (st.isSymbolicLink()) throw new Error(`${dir} is a symbolic link`);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  if (st.uid !== uid) throw new Error(`${dir} is owned by uid ${st.uid}, not ${uid}`);
  if ((st.mode & 0o077) !== 0) throw new Error(`${dir} is open to others (mode ${(st.mode & 0o777).toString(8)})`);
}

/** The directories the agent of a process with `uid` and this environment would use, in order. */
function agentDirCandidates(uid, env = process.env, tmpdir = os.tmpdir()) {
  const dirs = [];
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg && path.isAbsolute(xdg)) dirs.push(path.join(xdg, 'heapsnap'));
  dirs.push(path.join(tmpdir, `heapsnap-${uid}`));
  return dirs;
}

/** A directory only this user can enter, made if needed and verified (see the module comment). */
function privateRunDir() {
  const uid = process.getuid();
  const problems = [];
  for (const dir of agentDirCandidates(uid)) {
    try {
      try {
        fs.mkdirSync(dir, { mode: 0o700 });
      } catch (err) {
        if (err.code !== 'EEXIST') throw err;
      }
      checkPrivateDir(dir, uid);
      return dir;
    } catch (err) {
      problems.push(describeCause(err));
    }
  }
  // Every usual name is taken or unusable (another user may have planted /tmp/heapsnap-<uid>):
  // a fresh directory no one else can have made. Clients on Linux find it through /proc.
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `heapsnap-${uid}-`));
    fs.chmodSync(dir, 0o700);
    checkPrivateDir(dir, uid);
    process.emitWarning(`heapsnap agent: using ${dir} (${problems.join('; ')})`, { code: 'ERR_HEAPSNAP_CAPTURE' });
    return dir;
  } catch (err) {
    throw captureError(`heapsnap agent: no private directory for its socket (${[...problems, describeCause(err)].join('; ')})`, { cause: err });
  }
}

function unlinkQuiet(file) {
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone
  }
}

let agent = null; // { server, dir, socketPath, keyPath, key, busy, ready, onExit }

/** Replies with one header line and ends the connection. */
function refuse(socket, code, message) {
  socket.end(`${JSON.stringify({ heapsnap: PROTOCOL, ok: false, code, message })}\n`);
}

/** Same uid as this process, or root: what the kernel says about the other end of `socket`. */
function peerAllowed(socket) {
  const { binding } = require('../native.js');
  const fd = socket._handle && socket._handle.fd;
  if (typeof fd !== 'number' || fd < 0) return { ok: false, why: 'its descriptor is unknown' };
  let cred;
  try {
    cred = binding.peerCredentials(fd);
  } catch (err) {
    return { ok: false, why: describeCause(err) };
  }
  const uid = process.getuid();
  if (cred.uid === uid || cred.uid === 0) return { ok: true, cred };
  return { ok: false, why: `uid ${cred.uid}${cred.pid ? ` (pid ${cred.pid})` : ''} is neither uid ${uid} nor root` };
}

/** Parses and checks one request line; returns { options, trackAllocations } or throws a message. */
function parseRequest(line, key) {
  let req;
  try {
    req = JSON.parse(line);
  } catch {
    throw new Error('the request is not JSON');
  }
  if (!req || typeof req !== 'object' || Array.isArray(req)) throw new Error('the request is not an object');
  if (req.heapsnap !== PROTOCOL) throw new Error(`unsupported protocol version ${JSON.stringify(req.heapsnap)} (this agent speaks ${PROTOCOL})`);
  if (req.op !== 'snapshot') throw new Error(`unknown request ${JSON.stringify(req.op)}`);
  const given = Buffer.from(typeof req.key === 'string' ? req.key : '', 'utf8');
  const want = Buffer.from(key, 'utf8');
  if (given.length !== want.length || !crypto.timingSafeEqual(given, want)) throw new Error('wrong or missing key');
  const options = snapshotOptions({ exposeInternals: req.exposeInternals, exposeNumericValues: req.exposeNumericValues });
  if (req.trackAllocations !== undefined && typeof req.trackAllocations !== 'boolean') throw new Error('trackAllocations is not a boolean');
  return { options, trackAllocations: req.trackAllocations };
}

/** Takes a snapshot into a private file, unlinks it once open, streams it to `socket`. */
function sendSnapshot(socket, options) {
  const temp = privateTempFile(path.join(agent.dir, 'snapshot.heapsnapshot'), 'a heap snapshot');
  let fd = null;
  try {
    if (options) v8.writeHeapSnapshot(temp.path, options);
    else v8.writeHeapSnapshot(temp.path);
    assertCompleteSnapshot(temp.path);
    fd = fs.openSync(temp.path, 'r');
  } catch (err) {
    if (fd !== null) fs.closeSync(fd);
    throw err;
  } finally {
    temp.remove(); // nothing stays on disk; the open descriptor keeps the bytes readable
  }
  const bytes = fs.fstatSync(fd).size;
  socket.write(`${JSON.stringify({ heapsnap: PROTOCOL, ok: true, pid: process.pid, bytes })}\n`);
  const stream = fs.createReadStream(null, { fd, highWaterMark: 1 << 20 });
  return new Promise((resolve) => {
    const done = () => {
      stream.destroy();
      resolve();
    };
    stream.on('error', () => {
      socket.destroy();
      done();
    });
    socket.on('close', done);
    stream.pipe(socket);
  });
}

function onConnection(socket) {
  socket.unref?.();
  socket.on('error', () => {}); // a client that goes away is its own business
  const peer = peerAllowed(socket);
  if (!peer.ok) {
    refuse(socket, 'ERR_HEAPSNAP_CAPTURE', `heapsnap agent of pid ${process.pid}: refused: ${peer.why}`);
    return;
  }
  const timer = setTimeout(() => refuse(socket, 'ERR_HEAPSNAP_CAPTURE', `no request within ${REQUEST_TIMEOUT_MS} ms`), REQUEST_TIMEOUT_MS);
  timer.unref();
  let buf = '';
  const onData = (chunk) => {
    buf += chunk.toString('latin1');
    const nl = buf.indexOf('\n');
    if (nl < 0) {
      if (buf.length > MAX_REQUEST) {
        cleanupRequest();
        refuse(socket, 'ERR_HEAPSNAP_CAPTURE', `the request is longer than ${MAX_REQUEST} bytes`);
      }
      return;
    }
    cleanupRequest();
    if (nl > MAX_REQUEST) return refuse(socket, 'ERR_HEAPSNAP_CAPTURE', `the request is longer than ${MAX_REQUEST} bytes`);
    handle(socket, buf.slice(0, nl));
  };
  const cleanupRequest = () => {
    clearTimeout(timer);
    socket.removeListener('data', onData);
  };
  socket.on('data', onData);
}

async function handle(socket, line) {
  if (!agent) return refuse(socket, 'ERR_HEAPSNAP_CAPTURE', 'the agent is stopping');
  let request;
  try {
    request = parseRequest(line, agent.key);
  } catch (err) {
    return refuse(socket, 'ERR_HEAPSNAP_CAPTURE', `heapsnap agent of pid ${process.pid}: refused: ${err.message}`);
  }
  if (agent.busy) {
    return refuse(socket, 'ERR_HEAPSNAP_CAPTURE', `heapsnap agent of pid ${process.pid} (${agent.socketPath}) is already taking a snapshot; try again when it is done`);
  }
  const current = agent;
  current.busy = true;
  try {
    // the snapshot is written synchronously inside withAllocationTracking; `false` stops
    // tracking once it is written, before it is streamed
    let sent;
    withAllocationTracking({ trackAllocations: request.trackAllocations }, () => {
      sent = sendSnapshot(socket, request.options);
    });
    await sent;
  } catch (err) {
    refuse(socket, 'ERR_HEAPSNAP_CAPTURE', `heapsnap agent of pid ${process.pid}: the snapshot failed: ${describeCause(err)}`);
  } finally {
    current.busy = false;
  }
}

function removeFiles(a) {
  unlinkQuiet(a.socketPath);
  unlinkQuiet(a.keyPath);
}

/**
 * Starts the agent in this process (once; later calls return the same answer).
 * Resolves with { path, pid }: the socket's path and this pid.
 */
function startAgent(options) {
  optionsObject(options === undefined ? {} : options);
  if (agent) return agent.ready;
  if (!require('node:worker_threads').isMainThread) {
    return Promise.reject(unsupportedError('the heapsnap agent runs in the main thread only (a worker shares its pid and would replace its socket)'));
  }
  if (process.platform === 'win32') {
    return Promise.reject(unsupportedError('the heapsnap agent needs Unix-domain socket peer credentials, which Windows lacks; start node with --inspect=127.0.0.1:PORT and capture by port'));
  }
  let a;
  try {
    const dir = privateRunDir();
    a = { dir, socketPath: path.join(dir, SOCKET_NAME(process.pid)), keyPath: path.join(dir, KEY_NAME(process.pid)), key: crypto.randomBytes(32).toString('hex'), busy: false };
    // A socket or key left by an earlier process with this pid (killed, pid reused): ours to remove.
    removeFiles(a);
    writeFileAtomic(a.keyPath, `${a.key}\n`, { what: 'the agent key' });
  } catch (err) {
    return Promise.reject(err.code ? err : captureError(`heapsnap agent: ${describeCause(err)}`, { cause: err }));
  }
  a.server = net.createServer({ allowHalfOpen: false }, onConnection);
  a.server.unref();
  a.onExit = () => removeFiles(a);
  process.on('exit', a.onExit);
  a.ready = new Promise((resolve, reject) => {
    a.server.once('error', (err) => {
      process.removeListener('exit', a.onExit);
      removeFiles(a);
      if (agent === a) agent = null;
      reject(captureError(`heapsnap agent: cannot listen on ${a.socketPath}: ${describeCause(err)}`, { cause: err, path: a.socketPath }));
    });
    // The socket is made 0600 by bind() itself (umask 0177 for that synchronous call), so it is
    // never visible with wider modes, not even between bind() and the chmod below (the 0700
    // directory keeps others out either way; the agent runs on the main thread only).
    const umask = process.umask(0o177);
    try {
      a.server.listen({ path: a.socketPath }, onListening);
    } finally {
      process.umask(umask);
    }
    function onListening() {
      try {
        fs.chmodSync(a.socketPath, 0o600);
      } catch {
        // the directory (0700) already keeps others out
      }
      resolve({ path: a.socketPath, pid: process.pid });
    }
  });
  agent = a;
  return a.ready;
}

/** Stops the agent (if running): no new connections; its socket and key are removed. */
function stopAgent() {
  const a = agent;
  if (!a) return Promise.resolve();
  agent = null;
  process.removeListener('exit', a.onExit);
  return a.ready.then(
    () =>
      new Promise((resolve) => {
        a.server.close(() => resolve());
        removeFiles(a);
      }),
    () => undefined,
  );
}

module.exports = { startAgent, stopAgent, privateRunDir, agentDirCandidates, checkPrivateDir, SOCKET_NAME, KEY_NAME, PROTOCOL, MAX_REQUEST };
