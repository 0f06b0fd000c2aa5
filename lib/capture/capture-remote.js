'use strict';
/**
 * `captureRemote({ pid | port | url }, options?)`: the heap of *another* Node process, over the
 * inspector protocol, with no npm dependency.
 *
 * How a pid is captured:
 *   0. if it runs heapsnap's capture agent (agent.js: `node --require heapsnap/agent`), ask the
 *      agent over its private Unix-domain socket and stop here: no inspector is opened, no TCP
 *      port exists at any time, and only its user or root can ask;
 *   1. check that it is a live Node process that catches SIGUSR1 (target-process.js) — SIGUSR1
 *      kills any other program;
 *   2. note the ports it listens on; if its inspector is already open there, use it;
 *   3. otherwise send SIGUSR1 (Node opens its inspector on --inspect-port, 9229 by default) and
 *      wait, bounded by `timeout`, for a new listening socket of that pid (Linux), or for the
 *      port to answer (elsewhere);
 *   4. GET /json/list on loopback, connect a WebSocket to the target, and check that
 *      `process.pid` there is the pid we meant (port 9229 may belong to someone else);
 *   5. HeapProfiler.enable, HeapProfiler.takeHeapSnapshot { reportProgress: true }: progress
 *      events go to `onProgress({ done, total, finished })`, chunk events go to a 0600 temporary
 *      file (renamed into place at the end) or, with `parse: true`, into the native parser;
 *   6. if *we* opened the inspector, a watchdog installed in the target right after connecting
 *      (installWatchdog) closes it when our connection goes away, whatever happens to us; at the
 *      end we release it and wait for the port to close. If it does not close, the capture fails
 *      naming the port (the snapshot, when written, is kept and named in the error).
 * Before SIGUSR1 (locatePidInspector): one capture per pid (pid-lock.js), a stopped pid and an
 * inspector that would listen beyond loopback are refused, and `onNotice` says where the
 * inspector will be open.
 * `{ port }` skips 1–3 and 6 (it was open before us); `{ url }` (ws:, wss:, http:, https:) is used as
 * given and is the only way to reach a non-loopback host. pid and port captures only ever
 * connect to 127.0.0.1, localhost or ::1.
 *
 * options: { file, dir, parse, onProgress, signal, timeout = 10000 (ms to find and connect to the
 *            inspector; the capture itself is not time-limited), host (loopback, for port/pid),
 *            exposeInternals, exposeNumericValues, onNotice(message) (before SIGUSR1; default
 *            process.emitWarning), allowPublicInspector = false, trackAllocations (agent only:
 *            true turns allocation tracking on in the target and leaves it on, false turns it
 *            off after this snapshot; over an inspector, tracking would stop when our session
 *            closes, so true is refused there with ERR_HEAPSNAP_UNSUPPORTED before anything is sent) }
 * returns: the absolute file path, or the HeapSnapshot with `parse: true`.
 *
 * Errors: ERR_HEAPSNAP_CAPTURE (dead pid, not Node, port closed, not an inspector, connection lost,
 * disk full…), ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE / ERR_OUT_OF_RANGE, ABORT_ERR. On every failure the temporary file is gone.
 *
 * Never cut the connection while the target is streaming a snapshot: with Node 20.20 a client
 * that drops its socket mid-snapshot makes the *target* die of SIGSEGV (reproduced here in a few
 * tries; a close handshake mid-stream did not). So a failure or an abort stops writing at once and
 * removes the temporary file, but the promise settles only after the target has finished sending
 * (bounded by 120 s), and the inspector we opened is then closed over the same session. The
 * same holds for whoever runs us: SIGKILL of the capturing process mid-snapshot can crash the target.
 */
const { resolveTarget } = require('./filename.js');
const { inspectorSnapshotParams } = require('./snapshot-options.js');
const { CdpSession } = require('./inspector/cdp.js');
const fs = require('node:fs');
const { assertNodeProcess, assertAlive, listeningSockets, inspectorAddressOf } = require('./inspector/target-process.js');
const { lockPid } = require('./pid-lock.js');
const { findAgent, captureFromAgent } = require('./agent-client.js');
const { snapshotOptions } = require('./snapshot-options.js');
const { isLoopback, hostPort, getJson, findTarget, waitForTarget, waitPortClosed, sleep } = require('./inspector/endpoint.js');
const { Parser } = require('../snapshot.js');
const { AtomicFile } = require('../fs.js');
const {
  captureError,
  abortError,
  throwIfAborted,
  describeCause,
  invalidArgType,
  invalidArgValue,
  isArgumentError,
  optionsObject,
  validateAbortSignal,
  validateBoolean,
  validateFunction,
  validateInteger,
  validateNumber,
  unsupportedError,
} = require('../errors.js');

const DRAIN_LIMIT_MS = 120000;

/**
 * Installed in the target as soon as we are connected to an inspector that heapsnap opened: a
 * dead-man switch that closes the inspector on its own, whatever happens to us.
 *
 * It closes the inspector when, on the target's own timer (every 25 ms, unref'd):
 *   - we released it (RELEASE_INSPECTOR) and no client is connected any more;
 *   - no client has been connected for 250 ms (we were killed: SIGKILL, a crash, a cut
 *     connection) — connections are counted in /proc/self/net/tcp{,6} (ESTABLISHED, SYN_RECV,
 *     CLOSE_WAIT on the inspector port);
 *   - we released it (RELEASE_INSPECTOR) more than 5 s ago and some other client is still
 *     attached (a foreign client is cut off rather than left with a door into the process);
 *   - `maxMs` passed since it was installed (we hang, or were stopped, with the connection open).
 * Where /proc is missing it closes 1 s after the release, or at the deadline.
 *
 * Waiting until no connection is left before closing matters: with Node 20.20,
 * `inspector.close()` while the inspector thread is still writing the close frame of a
 * departing client crashed the target (SIGSEGV in WsHandler::OnCloseFrameWritten).
 *
 * Modules come from the console's command-line API `require` (includeCommandLineAPI), else
 * process.getBuiltinModule (Node 22.3+), else process.mainModule.require (CommonJS mains).
 * A target that never runs its event loop never runs the timer either: the caller then sees the
 * port still open and fails, naming it.
 */
const WATCHDOG_KEY = "Symbol.for('heapsnap.inspectorWatchdog')";
const installWatchdog = (maxMs) => `(() => {
  const p = globalThis.process;
  const key = ${WATCHDOG_KEY};
  if (globalThis[key]) { globalThis[key].extend(${maxMs}); return 'installed'; }
  const load = (name) => {
    try { if (typeof require === 'function') return require(name); } catch {}
    try { if (p && typeof p.getBuiltinModule === 'function') return p.getBuiltinModule(name); } catch {}
    try { if (p && p.mainModule && typeof p.mainModule.require === 'function') return p.mainModule.require(name); } catch {}
    return null;
  };
  const inspector = load('node:inspector');
  if (!inspector || typeof inspector.close !== 'function') return 'unavailable';
  const fs = load('node:fs');
  let port = 0;
  try { port = Number(new URL(inspector.url()).port) || 0; } catch {}
  const clients = () => {
    if (!fs || !port || p.platform !== 'linux') return null;
    let n = 0, read = false;
    for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
      let text;
      try { text = fs.readFileSync(table, 'latin1'); read = true; } catch { continue; }
      for (const line of text.split('\\n').slice(1)) {
        const c = line.trim().split(/\\s+/);
        if (c.length < 4) continue;
        if (parseInt(c[1].split(':')[1], 16) === port && (c[3] === '01' || c[3] === '03' || c[3] === '08')) n++;
      }
    }
    return read ? n : null;
  };
  const started = Date.now();
  let deadline = started + ${maxMs};
  let released = 0, idleSince = 0, seen = false;
  const close = () => {
    clearInterval(timer);
    delete globalThis[key];
    try { inspector.close(); } catch {}
  };
  const tick = () => {
    const now = Date.now();
    if (now >= deadline) return close();
    const n = clients();
    if (n === null) { if (released && now - released >= 1000) close(); return; }
    if (n > 0) { seen = true; idleSince = 0; return released && now - released >= 5000 ? close() : undefined; }
    if (released) return close();
    if (!idleSince) idleSince = now;
    if ((seen || now - started >= 2000) && now - idleSince >= 250) close();
  };
  const timer = setInterval(tick, 25);
  if (timer.unref) timer.unref();
  Object.defineProperty(globalThis, key, {
    configurable: true,
    enumerable: false,
    value: { release: () => { released = released || Date.now(); }, extend: (ms) => { deadline = Math.max(deadline, Date.now() + ms); } },
  });
  return 'installed';
})()`;

/** Tells the watchdog we are done: it closes the inspector once our connection is gone. */
const RELEASE_INSPECTOR = `(() => {
  const w = globalThis[${WATCHDOG_KEY}];
  if (!w) return 'none';
  w.release();
  return 'released';
})()`;

/** How long the watchdog keeps an inspector open while a client stays connected: 10 minutes. */
const WATCHDOG_MAX_MS = 10 * 60 * 1000;

function checkTarget(target) {
  if (!target || typeof target !== 'object') throw invalidArgType('target', 'an object: { pid }, { port } or { url }', target);
  const { pid, port, url } = target;
  const given = [pid, port, url].filter((x) => x !== undefined && x !== null);
  if (given.length === 0) throw invalidArgValue('target', target, 'must give one of pid, port or url');
  if (url !== undefined && url !== null && given.length > 1) throw invalidArgValue('target', target, 'cannot combine url with pid or port');
  if (pid !== undefined && pid !== null) validateInteger(pid, 'target.pid', 1);
  if (pid === process.pid) throw invalidArgValue('target.pid', pid, 'is this process; use writeHeapSnapshot or takeSnapshot');
  if (port !== undefined && port !== null) validateInteger(port, 'target.port', 1, 65535);
  if (url !== undefined && url !== null && typeof url !== 'string' && !(url instanceof URL)) throw invalidArgType('target.url', 'a string or a URL', url);
}

/** Evaluates `expression` in the target; resolves with the value (returnByValue) or undefined. */
async function evaluate(session, expression, extra = {}) {
  const r = await session.send('Runtime.evaluate', { expression, returnByValue: true, silent: true, ...extra });
  if (r.exceptionDetails) return undefined;
  return r.result ? r.result.value : undefined;
}

/** 127.0.0.0/8, ::1, localhost. */
function isLoopbackAddress(host) {
  const h = String(host).replace(/^\[|\]$/g, '').toLowerCase();
  return isLoopback(h) || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1';
}

/** 'T'/'t' when `pid` is stopped (SIGSTOP, Ctrl-Z, a tracer), from /proc; null elsewhere. */
function stoppedState(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'T' || state === 't' ? state : null;
  } catch {
    return null;
  }
}

/**
 * Opens the inspector of `pid` if needed. Returns { host, port, wsUrl, openedByUs }. Not
 * abortable on purpose (it is bounded by `timeout`): an abort between SIGUSR1 and the port
 * appearing would leave an inspector open that nobody closes. The caller checks the signal after.
 *
 * Before signalling: refuses a stopped pid (the signal would stay pending and open the
 * inspector later, unattended) and an inspector that would listen beyond loopback (its
 * --inspect* flags or NODE_OPTIONS) unless `allowPublicInspector`; then `notice` says where the
 * inspector will be open, and the pid lock records that we signalled.
 */
async function locatePidInspector(pid, { host, port, deadline, timeout, allowPublicInspector, notice, lock }) {
  const addr = inspectorAddressOf(pid);
  const wanted = port || addr.port;
  const before = listeningSockets(pid);
  const stopIf = () => {
    try {
      assertAlive(pid);
      return null;
    } catch {
      return captureError(`pid ${pid} exited while heapsnap waited for its inspector`, { pid });
    }
  };

  // Already open on the expected port? Ours to close only if an earlier heapsnap capture
  // signalled it and did not close it (it timed out, or died): the pid lock remembers.
  if (before ? before.some((s) => s.port === wanted) : await portAnswers(host, wanted)) {
    const t = await findTarget({ host, port: wanted, timeout: 2000 });
    return { host, port: wanted, wsUrl: t.wsUrl, openedByUs: !!lock.adopt };
  }
  if (lock.adopt && before) {
    const open = await openInspector(before, host);
    if (open) return { ...open, openedByUs: true };
  }

  if (stoppedState(pid)) {
    throw captureError(
      `pid ${pid} is stopped (SIGSTOP, Ctrl-Z or a debugger); SIGUSR1 would stay pending and open its inspector later, with nobody to close it. Continue it first (kill -CONT ${pid})`,
      { pid },
    );
  }
  const at = wanted === 0 ? `${hostPort(addr.host, 0)} (a free port)` : hostPort(addr.host, wanted);
  if (!isLoopbackAddress(addr.host) && !allowPublicInspector) {
    throw captureError(
      `pid ${pid} would open its inspector on ${at} (${addr.from}), which is reachable beyond this machine: anyone who can connect could run code in it. ` +
        "heapsnap does not send SIGUSR1 then. Start it with 'node --require heapsnap/agent' to capture without an inspector, or accept the risk explicitly (--allow-public-inspector, or allowPublicInspector: true)",
      { pid, port: wanted },
    );
  }
  notice(
    `pid ${pid} has no heapsnap agent: sending SIGUSR1 opens its inspector on ${at} for the capture; while it is open any local user can connect to it and run code in that process. ` +
      "Start the process with 'node --require heapsnap/agent' to capture it without an inspector.",
  );
  lock.update({ host: addr.host, port: wanted, signalled: true });

  try {
    process.kill(pid, 'SIGUSR1');
  } catch (err) {
    throw captureError(`cannot send SIGUSR1 to pid ${pid}: ${describeCause(err)}`, { cause: err, pid });
  }

  let found = null;
  if (before) {
    // Linux: the inspector is the socket that appears after the signal, whatever its port.
    const known = new Set(before.map((s) => s.inode));
    while (!found) {
      const now = listeningSockets(pid);
      const fresh = (now || []).filter((s) => !known.has(s.inode));
      if (fresh.length) {
        const s = fresh.find((x) => x.port === wanted) || fresh[0];
        found = { port: s.port };
        break;
      }
      const e = stopIf();
      if (e) throw e;
      if (Date.now() + 50 > deadline) break;
      await sleep(50);
    }
    if (found) {
      const t = await waitForTarget({ host, port: found.port, deadline: Math.max(deadline, Date.now() + 1000), stopIf });
      if (t) return { host, port: found.port, wsUrl: t.wsUrl, openedByUs: true };
    } else {
      // Nothing new: maybe its inspector was already open on another port (SIGUSR1 is then a no-op).
      const open = await openInspector(before, host);
      if (open) return { ...open, openedByUs: !!lock.adopt };
    }
  } else {
    const t = await waitForTarget({ host, port: wanted, deadline, stopIf });
    if (t) return { host, port: wanted, wsUrl: t.wsUrl, openedByUs: true };
  }
  throw captureError(
    `pid ${pid} did not open an inspector on ${hostPort(host, wanted)} within ${timeout} ms after SIGUSR1 ` +
      '(another process may hold that port, or the target is blocked; Node prints the reason on its stderr). ' +
      `If it opens it later, it stays open: run 'heapsnap capture --pid ${pid}' again, which finds it and closes it`,
    { pid, port: wanted },
  );
}

/** The Node inspector among `sockets` (a pid's listening TCP sockets), as { host, port, wsUrl }, or null. */
async function openInspector(sockets, host) {
  for (const s of sockets) {
    const probeHost = s.host === '0.0.0.0' || s.host === '::' ? host : s.host;
    if (!isLoopback(probeHost)) continue;
    try {
      const v = await getJson({ host: probeHost, port: s.port, path: '/json/version', timeout: 1000 });
      if (v && typeof v.Browser === 'string' && v.Browser.startsWith('node.js')) {
        const t = await findTarget({ host, port: s.port, timeout: 2000 });
        return { host, port: s.port, wsUrl: t.wsUrl };
      }
    } catch {
      // not an inspector
    }
  }
  return null;
}

async function portAnswers(host, port) {
  try {
    await getJson({ host, port, path: '/json/version', timeout: 1000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Releases the target's inspector (the watchdog closes it once our connection is gone), closes
 * `session`, and waits for the port to close. Resolves null when it closed, else why not.
 */
async function closeTargetInspector(session, { host, port, pid }) {
  let outcome;
  let timer;
  try {
    outcome = await Promise.race([
      // (the watchdog may not be there yet: an abort came before we connected, or we reconnected)
      evaluate(session, installWatchdog(WATCHDOG_MAX_MS), { includeCommandLineAPI: true }).then(() => evaluate(session, RELEASE_INSPECTOR)),
      new Promise((resolve) => {
        timer = setTimeout(resolve, 5000, 'no answer within 5000 ms');
      }),
    ]);
  } catch (err) {
    outcome = `failed: ${err.message}`;
  } finally {
    clearTimeout(timer);
  }
  await session.close({ timeout: 1000 });
  if (await waitInspectorClosed(pid, host, port, Date.now() + 8000)) return null;
  return outcome === 'released' ? 'it is still listening (the process has not run its event loop since, or another client stays connected)' : `it could not be told to close (${outcome || 'no watchdog'})`;
}

/**
 * Waits until the inspector port closes. On Linux it watches the pid's listening sockets in /proc
 * rather than connecting: a probe connection would count as a client to the watchdog and delay
 * the close. Resolves true when closed, false at the deadline.
 */
async function waitInspectorClosed(pid, host, port, deadline) {
  if (!pid || listeningSockets(pid) === null) return waitPortClosed(host, port, deadline);
  for (;;) {
    const open = listeningSockets(pid);
    if (open === null || !open.some((s) => s.port === port)) return true;
    if (Date.now() + 25 > deadline) return false;
    await sleep(25);
  }
}

/** The error for an inspector we opened and could not close; names the port and how to close it. */
function leftOpenError(pid, where, why, result) {
  const at = hostPort(where.host, where.port);
  return captureError(
    `${result ? `the snapshot was taken (${result}), but ` : ''}the inspector heapsnap opened in pid ${pid} is still open on ${at}: ${why}. ` +
      `While it is open, any local user can run code in that process. heapsnap's watchdog in the process closes it as soon as the process runs its event loop with no client connected (at the latest ${WATCHDOG_MAX_MS / 60000} minutes after the capture); ` +
      `to close it now, restart the process, or connect to ${at} (e.g. chrome://inspect) and run require('node:inspector').close()`,
    { pid, port: where.port, path: typeof result === 'string' ? result : undefined },
  );
}

async function captureRemote(target, options = {}) {
  checkTarget(target);
  options = optionsObject(options);
  validateAbortSignal(options.signal);
  const { signal, onProgress, parse = false, timeout = 10000, allowPublicInspector = false } = options;
  if (onProgress !== undefined) validateFunction(onProgress, 'options.onProgress');
  if (options.onNotice !== undefined) validateFunction(options.onNotice, 'options.onNotice');
  validateBoolean(allowPublicInspector, 'options.allowPublicInspector');
  if (options.trackAllocations !== undefined) validateBoolean(options.trackAllocations, 'options.trackAllocations');
  const notice = options.onNotice || ((message) => process.emitWarning(message, { code: 'HEAPSNAP_INSPECTOR_OPEN' }));
  validateNumber(timeout, 'options.timeout', 1, Number.MAX_SAFE_INTEGER);
  const params = inspectorSnapshotParams(options);
  const host = target.host || options.host || '127.0.0.1';
  if (target.url === undefined && !isLoopback(host)) {
    throw invalidArgValue('host', host, 'is not loopback; pid and port captures only connect to 127.0.0.1, localhost or ::1 (pass an explicit url for a remote inspector)');
  }
  throwIfAborted(signal, 'Capturing the remote heap snapshot');
  const deadline = Date.now() + timeout;
  const { pid } = target;

  if (pid) {
    assertAlive(pid);
    const agent = process.platform === 'win32' ? null : findAgent(pid);
    if (agent) return captureViaAgent(pid, agent, options);
  }
  if (options.trackAllocations === true) {
    throw unsupportedError(
      `allocation tracking in ${pid ? `pid ${pid}` : 'a process reached over its inspector'} needs heapsnap's capture agent: V8 tracks allocations only while the inspector session that asked stays connected, so a capture over the inspector would stop it as it ends. Start the process with 'node --require heapsnap/agent' (or call startAllocationTracking() in it)`,
    );
  }
  if (pid) assertNodeProcess(pid);

  let sink = null; // AtomicFile or Parser
  const openSink = (namePid) => {
    if (parse) return new Parser();
    const finalPath = resolveTarget({ file: options.file, dir: options.dir, pid: namePid, threadId: 0 });
    return new AtomicFile(finalPath, { what: 'heap snapshot' });
  };
  const dropSink = () => {
    if (sink && !parse) sink.abort(); // a Parser is simply dropped: its native memory goes with it
  };

  let where = null; // { host, port, wsUrl, openedByUs }
  let session = null;
  let onAbort = null;
  let heapProfilerEnabled = false;
  let lock = null; // pid captures: one at a time (pid-lock.js)
  let leftOpen = null; // why an inspector we opened is still open, after cleanup
  // Ends the session and, if we opened the target's inspector, releases it to the watchdog and
  // waits for it to close. Runs once: before the parse or commit on success (so the target is
  // released as early as possible), else on the failure path.
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    if (signal && onAbort) signal.removeEventListener('abort', onAbort);
    if (session && session._failure === null && heapProfilerEnabled) {
      await session.send('HeapProfiler.disable').catch(() => {});
    }
    if (where && where.openedByUs) {
      // Over the live session, or a fresh one if it was lost (the watchdog may have closed it already).
      let s = session && session._failure === null ? session : null;
      let why = '';
      if (!s) {
        try {
          s = await CdpSession.connect(where.wsUrl, { timeout: 2000 });
        } catch (err) {
          why = err.message;
        }
      }
      if (s) leftOpen = await closeTargetInspector(s, { host: where.host, port: where.port, pid });
      else if (!(await waitInspectorClosed(pid, where.host, where.port, Date.now() + 3000))) leftOpen = `heapsnap could not reconnect to close it (${why})`;
      if (session && s !== session) await session.close({ timeout: 500 });
    } else if (session) {
      await session.close({ timeout: 1000 });
    }
    if (lock) {
      // An inspector we may have opened and not closed: the next capture of this pid adopts it.
      if (leftOpen || (!where && lock.signalled)) lock.keep();
      else lock.release();
    }
  };
  try {
    if (pid) sink = openSink(pid);

    if (pid) {
      lock = lockPid(pid);
      where = await locatePidInspector(pid, { host, port: target.port, deadline, timeout, allowPublicInspector, notice, lock });
      lock.update({ host: where.host, port: where.port });
      if (signal && signal.aborted) throw abortError(signal, 'Capturing the remote heap snapshot');
    } else if (target.port) {
      try {
        const t = await findTarget({ host, port: target.port, timeout: Math.min(timeout, 5000) });
        where = { host, port: target.port, wsUrl: t.wsUrl, openedByUs: false };
      } catch (err) {
        const refused = err.cause && err.cause.code === 'ECONNREFUSED';
        throw refused
          ? captureError(`nothing listens on ${hostPort(host, target.port)}: no inspector there (start node with --inspect, or capture by pid)`, { cause: err, port: target.port })
          : err;
      }
    } else {
      const u = new URL(String(target.url));
      if (u.protocol === 'ws:' || u.protocol === 'wss:') {
        where = { wsUrl: u.href, openedByUs: false };
      } else if (u.protocol === 'http:' || u.protocol === 'https:') {
        const h = u.hostname.replace(/^\[|\]$/g, '');
        const t = await findTarget({ host: h, port: Number(u.port) || (u.protocol === 'https:' ? 443 : 80), protocol: u.protocol, timeout: Math.min(timeout, 5000) });
        where = { wsUrl: t.wsUrl, openedByUs: false };
      } else {
        throw invalidArgValue('target.url', String(target.url), 'must be a ws:, wss:, http: or https: URL');
      }
    }

    session = await CdpSession.connect(where.wsUrl, { timeout: Math.max(1000, deadline - Date.now()) });
    const remotePid = await evaluate(session, 'globalThis.process && globalThis.process.pid');
    if (pid && remotePid !== pid) {
      // Not our target: leave that inspector alone.
      where.openedByUs = false;
      throw captureError(
        `the inspector on ${hostPort(where.host, where.port)} belongs to ${remotePid ? `pid ${remotePid}` : 'another program'}, not pid ${pid}; pass the port pid ${pid} uses (--port)`,
        { pid, port: where.port },
      );
    }
    if (where.openedByUs) {
      // From now on the inspector closes itself if we go away (see installWatchdog).
      where.watchdog = await evaluate(session, installWatchdog(WATCHDOG_MAX_MS), { includeCommandLineAPI: true });
    }
    if (!sink) sink = openSink(Number.isInteger(remotePid) ? remotePid : 0);

    // On a failure (write error, parse error, abort) we stop storing chunks at once but keep
    // reading until the target has sent them all: cutting the connection while the target streams
    // a snapshot crashes it (a SIGSEGV observed with Node 20.20). DRAIN_LIMIT_MS bounds the wait.
    let sinkError = null;
    let drainTimer = null;
    const failWith = (err) => {
      if (sinkError) return;
      sinkError = err;
      if (!parse) sink.abort(); // free the disk now; nothing more is written
      session.resume();
      drainTimer = setTimeout(() => session.fail(err), DRAIN_LIMIT_MS);
    };
    if (!parse) sink.on('error', failWith); // a write error (full disk): stop storing, keep draining
    session.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => {
      if (sinkError) return;
      try {
        if (parse) {
          sink.push(chunk);
        } else if (!sink.write(chunk)) {
          session.pause();
          sink.once('drain', () => sinkError || session.resume());
        }
      } catch (err) {
        failWith(err);
      }
    });
    session.on('HeapProfiler.reportHeapSnapshotProgress', ({ done, total, finished }) => {
      if (!onProgress || sinkError) return;
      try {
        onProgress({ done, total, finished: !!finished });
      } catch (err) {
        failWith(err);
      }
    });
    if (signal) {
      onAbort = () => failWith(abortError(signal, 'Capturing the remote heap snapshot'));
      signal.addEventListener('abort', onAbort, { once: true });
    }

    try {
      heapProfilerEnabled = true;
      await session.send('HeapProfiler.enable');
      await session.send('HeapProfiler.takeHeapSnapshot', { reportProgress: true, ...params });
    } catch (err) {
      throw sinkError || err;
    } finally {
      clearTimeout(drainTimer);
    }
    if (sinkError) throw sinkError;
    await cleanup();

    let result;
    if (parse) {
      const parser = sink;
      sink = null;
      result = await parser.finish();
    } else {
      const file = sink;
      sink = null;
      result = await file.commit();
    }
    if (leftOpen) {
      if (parse) result.dispose();
      throw leftOpenError(pid, where, leftOpen, parse ? null : result);
    }
    return result;
  } catch (err) {
    dropSink();
    sink = null;
    await cleanup();
    if (leftOpen && !(err && err.port === where.port && /is still open on/.test(err.message))) {
      const e = leftOpenError(pid, where, leftOpen, null);
      e.message = `${describeCause(err)}; and ${e.message}`;
      e.cause = err;
      throw e;
    }
    if (err && (err.code === 'ERR_HEAPSNAP_CAPTURE' || err.code === 'ABORT_ERR' || isArgumentError(err) || err.code === 'ERR_HEAPSNAP_UNSUPPORTED' || err.code === 'ERR_HEAPSNAP_PARSE')) throw err;
    throw captureError(`capturing the heap of ${describeTarget(target)} failed: ${describeCause(err)}`, { cause: err, pid });
  } finally {
    dropSink();
    await cleanup();
  }
}

/** Step 0: the snapshot of `pid` from its agent, into a file or the parser. */
async function captureViaAgent(pid, agent, options) {
  const { signal, onProgress, parse = false, timeout = 10000 } = options;
  let snapshot = snapshotOptions(options);
  if (options.trackAllocations !== undefined) snapshot = { ...snapshot, trackAllocations: options.trackAllocations };
  let sink = parse ? new Parser() : new AtomicFile(resolveTarget({ file: options.file, dir: options.dir, pid, threadId: 0 }), { what: 'heap snapshot' });
  const onChunk = (chunk) => {
    if (parse) {
      sink.push(chunk);
      return undefined;
    }
    if (sink.errored) throw sink.errored;
    if (sink.write(chunk)) return undefined;
    return new Promise((resolve, reject) => {
      const done = (err) => {
        sink.removeListener('drain', done);
        sink.removeListener('error', done);
        if (err) reject(err);
        else resolve();
      };
      sink.once('drain', done);
      sink.once('error', done);
    });
  };
  if (!parse) sink.on('error', () => {}); // surfaced through onChunk / commit
  try {
    await captureFromAgent(pid, agent, onChunk, { signal, snapshot, onProgress, timeout });
    const done = sink;
    sink = null;
    return parse ? await done.finish() : await done.commit();
  } finally {
    if (sink && !parse) sink.abort();
  }
}

function describeTarget(t) {
  if (t.pid) return `pid ${t.pid}`;
  if (t.port) return `port ${t.port}`;
  return String(t.url);
}

module.exports = { captureRemote, installWatchdog };
