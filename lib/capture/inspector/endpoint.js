'use strict';
/**
 * Finding an inspector: its HTTP discovery endpoint (`/json/list`, `/json/version`) and the
 * WebSocket URL of its target, with bounded polling.
 *
 * The inspector's `webSocketDebuggerUrl` echoes whatever Host we asked with, so for pid/port
 * captures we rebuild it from the loopback host and port we probed and only take the path (the
 * target id) from the answer: the connection can never be steered off loopback. Only an
 * explicit `url` may name another host.
 */
const http = require('node:http');
const https = require('node:https');
const { captureError, abortError, describeCause } = require('../../errors.js');

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function isLoopback(host) {
  return LOOPBACK.has(String(host).toLowerCase());
}

/** `127.0.0.1:9229` / `[::1]:9229` for URLs and messages. */
function hostPort(host, port) {
  return `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

/**
 * GET `http(s)://host:port/path` and parse JSON. Rejects with ERR_HEAPSNAP_CAPTURE carrying the
 * system error code (ECONNREFUSED…) as `cause`.
 */
function getJson({ host, port, path, protocol = 'http:', timeout = 2000 }) {
  const url = `${protocol}//${hostPort(host, port)}${path}`;
  return new Promise((resolve, reject) => {
    const lib = protocol === 'https:' ? https : http;
    const req = lib.get(
      { host: host.replace(/^\[|\]$/g, ''), port, path, timeout, headers: { Accept: 'application/json' }, agent: false },
      (res) => {
        const chunks = [];
        let size = 0;
        res.on('data', (c) => {
          size += c.length;
          if (size > 1 << 20) {
            req.destroy();
            reject(captureError(`${url} answered more than 1 MB; not an inspector`, { url }));
          } else chunks.push(c);
        });
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) {
            reject(captureError(`${url} answered HTTP ${res.statusCode}; not a V8 inspector`, { url }));
            return;
          }
          try {
            resolve(JSON.parse(body));
          } catch {
            reject(captureError(`${url} did not answer JSON; not a V8 inspector`, { url }));
          }
        });
        res.on('error', (err) => reject(captureError(`${url}: ${describeCause(err)}`, { cause: err, url })));
      },
    );
    req.on('timeout', () => {
      req.destroy();
      reject(captureError(`${url} did not answer within ${timeout} ms`, { url, cause: Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }) }));
    });
    req.on('error', (err) => reject(captureError(`${url}: ${describeCause(err)}`, { cause: err, url })));
  });
}

/** true if something accepts TCP connections on host:port (bounded by `timeout`). */
function isPortOpen(host, port, timeout = 1000) {
  const net = require('node:net');
  return new Promise((resolve) => {
    const s = net.connect({ host: host.replace(/^\[|\]$/g, ''), port });
    const done = (v) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeout, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      if (signal) signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal, 'Capturing the heap snapshot'));
    };
    if (signal) {
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
}

/**
 * The first debuggable target at host:port: { id, title, type, wsUrl } with wsUrl rebuilt on
 * `host:port` (see the module comment). Throws ERR_HEAPSNAP_CAPTURE if there is none.
 */
async function findTarget({ host, port, protocol = 'http:', timeout }) {
  const list = await getJson({ host, port, path: '/json/list', protocol, timeout });
  if (!Array.isArray(list)) throw captureError(`${protocol}//${hostPort(host, port)}/json/list is not a target list; not a V8 inspector`);
  const t = list.find((x) => x && typeof x.webSocketDebuggerUrl === 'string');
  if (!t) {
    throw captureError(`the inspector at ${hostPort(host, port)} lists no debuggable target (is a debugger already attached exclusively?)`);
  }
  const remote = new URL(t.webSocketDebuggerUrl);
  const wsProtocol = protocol === 'https:' ? 'wss:' : 'ws:';
  return { id: t.id, title: t.title, type: t.type, wsUrl: `${wsProtocol}//${hostPort(host, port)}${remote.pathname}${remote.search}` };
}

/**
 * Polls `findTarget` every `interval` ms until it answers or `deadline` (a Date.now() value)
 * passes. Returns the target or null on timeout. `stopIf()` returning an Error ends the wait early
 * with that error (e.g. the pid died).
 */
async function waitForTarget({ host, port, deadline, signal, interval = 100, stopIf }) {
  for (;;) {
    try {
      return await findTarget({ host, port, timeout: Math.max(250, Math.min(2000, deadline - Date.now())) });
    } catch (err) {
      const notYet = err.cause && (err.cause.code === 'ECONNREFUSED' || err.cause.code === 'ECONNRESET' || err.cause.code === 'ETIMEDOUT');
      if (!notYet) throw err; // something answered, but it is not an inspector
    }
    if (stopIf) {
      const e = stopIf();
      if (e) throw e;
    }
    if (Date.now() + interval > deadline) return null;
    await sleep(interval, signal);
  }
}

/** Polls until nothing accepts connections on host:port; resolves true, or false at the deadline. */
async function waitPortClosed(host, port, deadline) {
  for (;;) {
    if (!(await isPortOpen(host, port, 500))) return true;
    if (Date.now() + 50 > deadline) return false;
    await sleep(50);
  }
}

module.exports = { isLoopback, hostPort, getJson, findTarget, waitForTarget, waitPortClosed, isPortOpen, sleep };
