'use strict';
/**
 * `captureRemote({ pid | port | url }, options?)`: the heap of *another* Node process, over the
 * inspector protocol, with no npm dependency.
 *
 * How a pid is captured:
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
 *   6. if *we* opened the inspector, close it again: Runtime.evaluate with the console's command
 *      line API (which gives `require` in Node), falling back to process.getBuiltinModule and
 *      process.mainModule.require, runs `inspector.close()` on the next tick of the target's loop,
 *      and we wait until the port stops accepting connections.
 * `{ port }` skips 1–3 and 6 (it was open before us); `{ url }` (ws:, wss:, http:, https:) is used as
 * given and is the only way to reach a non-loopback host. pid and port captures only ever
 * connect to 127.0.0.1, localhost or ::1.
 *
 * options: { file, dir, parse, onProgress, signal, timeout = 10000 (ms to find and connect to the
 *            inspector; the capture itself is not time-limited), host (loopback, for port/pid),
 *            exposeInternals, exposeNumericValues }
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
const { assertNodeProcess, assertAlive, listeningSockets } = require('./inspector/target-process.js');
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
  validateFunction,
  validateInteger,
  validateNumber,
} = require('../errors.js');

const DEFAULT_PORT = 9229;
const DRAIN_LIMIT_MS = 120000;

/**
 * Evaluated in the target to close the inspector that heapsnap opened.
 *
 * Modules come from the console's command-line API `require` (includeCommandLineAPI), else
 * process.getBuiltinModule (Node 22.3+), else process.mainModule.require (CommonJS mains).
 *
 * The close must not race a WebSocket closing handshake: with Node 20.20, `inspector.close()`
 * while the inspector thread is still writing the close frame of a departing client crashed the
 * target (SIGSEGV in WsHandler::OnCloseFrameWritten, reproduced here by quick open/close
 * cycles). So the target waits, on its own timer, until no connection to its inspector port is
 * left in /proc/self/net/tcp{,6} (ESTABLISHED, SYN_RECV or CLOSE_WAIT), i.e. until our session is
 * gone, and only then closes. Where /proc is missing it waits 1 s. If another client is still
 * attached after 5 s (someone opened DevTools meanwhile), it leaves the inspector open rather than
 * cut that client off; the caller then warns that the port is still open. Timers are unref'd so
 * the target can still exit normally.
 */
const CLOSE_INSPECTOR = `(() => {
  const p = globalThis.process;
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
    let n = 0;
    for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
      let text;
      try { text = fs.readFileSync(table, 'latin1'); } catch { continue; }
      for (const line of text.split('\\n').slice(1)) {
        const c = line.trim().split(/\\s+/);
        if (c.length < 4) continue;
        if (parseInt(c[1].split(':')[1], 16) === port && (c[3] === '01' || c[3] === '03' || c[3] === '08')) n++;
      }
    }
    return n;
  };
  const started = Date.now();
  const tick = () => {
    const n = clients();
    const waited = Date.now() - started;
    if (n === 0 || (n === null && waited >= 1000)) {
      try { inspector.close(); } catch {}
      return;
    }
    if (waited >= 5000) return;
    const t = setTimeout(tick, 25);
    if (t && t.unref) t.unref();
  };
  const t = setTimeout(tick, 25);
  if (t && t.unref) t.unref();
  return 'scheduled';
})()`;

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

/**
 * Opens the inspector of `pid` if needed. Returns { host, port, wsUrl, openedByUs }. Not
 * abortable on purpose (it is bounded by `timeout`): an abort between SIGUSR1 and the port
 * appearing would leave an inspector open that nobody closes. The caller checks the signal after.
 */
async function locatePidInspector(pid, { host, port, deadline, timeout }) {
  const wanted = port || DEFAULT_PORT;
  const before = listeningSockets(pid);
  const stopIf = () => {
    try {
      assertAlive(pid);
      return null;
    } catch {
      return captureError(`pid ${pid} exited while heapsnap waited for its inspector`, { pid });
    }
  };

  // Already open on the expected port?
  if (before ? before.some((s) => s.port === wanted) : await portAnswers(host, wanted)) {
    const t = await findTarget({ host, port: wanted, timeout: 2000 });
    return { host, port: wanted, wsUrl: t.wsUrl, openedByUs: false };
  }

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
      for (const s of before) {
        const probeHost = s.host === '0.0.0.0' || s.host === '::' ? host : s.host;
        if (!isLoopback(probeHost)) continue;
        try {
          const v = await getJson({ host: probeHost, port: s.port, path: '/json/version', timeout: 1000 });
          if (v && typeof v.Browser === 'string' && v.Browser.startsWith('node.js')) {
            const t = await findTarget({ host, port: s.port, timeout: 2000 });
            return { host, port: s.port, wsUrl: t.wsUrl, openedByUs: false };
          }
        } catch {
          // not an inspector
        }
      }
    }
  } else {
    const t = await waitForTarget({ host, port: wanted, deadline, stopIf });
    if (t) return { host, port: wanted, wsUrl: t.wsUrl, openedByUs: true };
  }
  throw captureError(
    `pid ${pid} did not open an inspector on ${hostPort(host, wanted)} within ${timeout} ms after SIGUSR1 ` +
      '(another process may hold that port, or the target is blocked; Node prints the reason on its stderr)',
    { pid, port: wanted },
  );
}

async function portAnswers(host, port) {
  try {
    await getJson({ host, port, path: '/json/version', timeout: 1000 });
    return true;
  } catch {
    return false;
  }
}

/** Closes the target's inspector through `session`, then waits for the port to close. */
async function closeTargetInspector(session, { host, port, pid }) {
  let outcome;
  let timer;
  try {
    outcome = await Promise.race([
      evaluate(session, CLOSE_INSPECTOR, { includeCommandLineAPI: true }),
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
  if (outcome === 'scheduled' && (await waitPortClosed(host, port, Date.now() + 7000))) return;
  process.emitWarning(
    `heapsnap opened the inspector of pid ${pid} on ${hostPort(host, port)} but could not close it again (${outcome || 'still listening'}); ` +
      'it stays open until that process exits',
    { code: 'ERR_HEAPSNAP_CAPTURE' },
  );
}

async function captureRemote(target, options = {}) {
  checkTarget(target);
  options = optionsObject(options);
  validateAbortSignal(options.signal);
  const { signal, onProgress, parse = false, timeout = 10000 } = options;
  if (onProgress !== undefined) validateFunction(onProgress, 'options.onProgress');
  validateNumber(timeout, 'options.timeout', 1, Number.MAX_SAFE_INTEGER);
  const params = inspectorSnapshotParams(options);
  const host = target.host || options.host || '127.0.0.1';
  if (target.url === undefined && !isLoopback(host)) {
    throw invalidArgValue('host', host, 'is not loopback; pid and port captures only connect to 127.0.0.1, localhost or ::1 (pass an explicit url for a remote inspector)');
  }
  throwIfAborted(signal, 'Capturing the remote heap snapshot');
  const deadline = Date.now() + timeout;
  const { pid } = target;

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
  // Ends the session, and closes the target's inspector if we opened it. Runs once: before the
  // parse or commit on success (so the target is released as early as possible), else in finally.
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    if (signal && onAbort) signal.removeEventListener('abort', onAbort);
    if (session && session._failure === null && heapProfilerEnabled) {
      await session.send('HeapProfiler.disable').catch(() => {});
    }
    if (where && where.openedByUs) {
      // Over the live session, or a fresh one if it was lost.
      let s = session && session._failure === null ? session : null;
      let why = '';
      if (!s) {
        try {
          s = await CdpSession.connect(where.wsUrl, { timeout: 2000 });
        } catch (err) {
          why = err.message;
        }
      }
      if (s) await closeTargetInspector(s, { host: where.host, port: where.port, pid });
      else process.emitWarning(`heapsnap could not reconnect to close the inspector of pid ${pid} on ${hostPort(where.host, where.port)}: ${why}`, { code: 'ERR_HEAPSNAP_CAPTURE' });
      if (session && s !== session) await session.close({ timeout: 500 });
    } else if (session) {
      await session.close({ timeout: 1000 });
    }
  };
  try {
    if (pid) sink = openSink(pid);

    if (pid) {
      where = await locatePidInspector(pid, { host, port: target.port, deadline, timeout });
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
    return result;
  } catch (err) {
    dropSink();
    sink = null;
    if (err && (err.code === 'ERR_HEAPSNAP_CAPTURE' || err.code === 'ABORT_ERR' || isArgumentError(err) || err.code === 'ERR_HEAPSNAP_UNSUPPORTED' || err.code === 'ERR_HEAPSNAP_PARSE')) throw err;
    throw captureError(`capturing the heap of ${describeTarget(target)} failed: ${describeCause(err)}`, { cause: err, pid });
  } finally {
    dropSink();
    await cleanup();
  }
}

function describeTarget(t) {
  if (t.pid) return `pid ${t.pid}`;
  if (t.port) return `port ${t.port}`;
  return String(t.url);
}

module.exports = { captureRemote };
