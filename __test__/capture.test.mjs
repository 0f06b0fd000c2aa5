// Capture side of heapsnap (lib/capture, lib/cli/capture.js), against real Node processes.
//
// Every capture is checked twice: structurally with JSON.parse (small heaps only) and through
// HeapSnapshot. Children listen on
// 127.0.0.1 only, every wait is bounded, every child is killed in t.after.
import { spawnSync } from 'node:child_process';
import { test as baseTest } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import http from 'node:http';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LIB = path.join(ROOT, 'lib', 'capture');
const LEAKY = path.join(ROOT, 'examples', 'leaky-server.js');
const capture = require(LIB);
const { WebSocketClient } = require(path.join(LIB, 'inspector', 'websocket.js'));
const { main: cliMain } = require(path.join(ROOT, 'lib', 'cli', 'capture.js'));

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const DEFAULT_PORT = 9229;
const NAME_RE = /^Heap\.\d{8}\.\d{6}\.(\d+)\.(\d+)\.\d{3}\.heapsnapshot$/;

// Objects of a recognisable class in this process, for in-process captures.
class CaptureTestMarker {
  constructor(i) {
    this.i = i;
  }
}
const markers = Array.from({ length: 25 }, (_, i) => new CaptureTestMarker(i));

// ---------- helpers ----------

function tmpDir(t, prefix = 'heapsnap-capture-') {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

const mode = (p) => fs.statSync(p).mode & 0o777;

/** Parses a snapshot file with JSON.parse, checks its shape, counts `object` nodes per name. */
function readSnapshot(file) {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const meta = json.snapshot.meta;
  const nf = meta.node_fields.length;
  assert.equal(json.nodes.length % nf, 0, 'nodes array is a whole number of records');
  assert.equal(json.nodes.length / nf, json.snapshot.node_count, 'node_count matches the nodes array');
  assert.equal(json.edges.length / meta.edge_fields.length, json.snapshot.edge_count, 'edge_count matches the edges array');
  const typeAt = meta.node_fields.indexOf('type');
  const nameAt = meta.node_fields.indexOf('name');
  const objectType = meta.node_types[typeAt].indexOf('object');
  const counts = new Map();
  for (let i = 0; i < json.nodes.length; i += nf) {
    if (json.nodes[i + typeAt] !== objectType) continue;
    const name = json.strings[json.nodes[i + nameAt]];
    counts.set(name, (counts.get(name) || 0) + 1);
  }
  return { nodeCount: json.snapshot.node_count, count: (name) => counts.get(name) || 0 };
}

function waitForLine(stream, re, ms, what) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = re.exec(line);
        if (m) {
          done();
          resolve(m);
          return;
        }
      }
    };
    const onEnd = () => {
      done();
      reject(new Error(`${what}: stream ended before ${re}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${what}: no line matching ${re} within ${ms} ms`));
    }, ms);
    const done = () => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
    };
    stream.setEncoding('utf8');
    stream.on('data', onData);
    stream.once('end', onEnd);
  });
}

function waitExit(child, ms = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Spawns a child that is SIGKILLed at the end of the test whatever happens. */
function spawnChild(t, cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await waitExit(child);
    }
  });
  child.stderrText = '';
  if (child.stderr) child.stderr.on('data', (d) => (child.stderrText += d));
  return child;
}

/** Starts examples/leaky-server.js, leaks `leak` RequestLogs, returns { child, port }. */
async function startLeaky(t, { args = [], nodeArgs = [], leak = 40 } = {}) {
  const child = spawnChild(t, process.execPath, [...nodeArgs, LEAKY, ...args]);
  const m = await waitForLine(child.stdout, /listening on http:\/\/127\.0\.0\.1:(\d+)\/ pid (\d+)/, 10000, 'leaky-server');
  const port = Number(m[1]);
  assert.equal(Number(m[2]), child.pid);
  await httpGet(port, `/leak?n=${leak}`);
  return { child, port };
}

function httpGet(port, p) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function isPortOpen(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

/** Runs a node script (text) in a child, returns its last stdout line as JSON. */
async function runScript(t, dir, source, { args = [], nodeArgs = [], shell = null, uid, timeout = 20000 } = {}) {
  const file = path.join(dir, `script-${crypto.randomBytes(4).toString('hex')}.js`);
  fs.writeFileSync(file, source);
  fs.chmodSync(file, 0o644);
  const opts = uid !== undefined ? { uid, gid: uid } : {};
  const child = shell
    ? spawnChild(t, '/bin/sh', ['-c', `${shell}; exec "$0" "$@"`, process.execPath, ...nodeArgs, file, ...args], opts)
    : spawnChild(t, process.execPath, [...nodeArgs, file, ...args], opts);
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => (out += d));
  await waitExit(child, timeout);
  fs.rmSync(file, { force: true });
  const last = out.trim().split('\n').pop();
  try {
    return Object.assign(JSON.parse(last), { stderr: child.stderrText });
  } catch {
    throw new Error(`script printed no JSON (exit ${child.exitCode} ${child.signalCode}); stdout: ${out}; stderr: ${child.stderrText}`);
  }
}

const LIB_JSON = JSON.stringify(LIB);

let nobodyCache;
/** Can uid 65534 (nobody) load the library from this checkout? */
function nobodyCanLoad() {
  if (nobodyCache === undefined) {
    const r = spawnSync(process.execPath, ['-e', `require(${LIB_JSON})`], { uid: 65534, gid: 65534, stdio: 'ignore', timeout: 20000 });
    nobodyCache = r.status === 0;
  }
  return nobodyCache;
}

// Every test is bounded: a hang is a failure, not a stuck run.
function test(name, opts, fn) {
  if (typeof opts === 'function') return baseTest(name, { timeout: 30000 }, opts);
  return baseTest(name, { timeout: 30000, ...opts }, fn);
}
const defaultPortBusy = await isPortOpen(DEFAULT_PORT);
const busyReason = defaultPortBusy ? `port ${DEFAULT_PORT} is in use on this machine` : false;

// ---------- writeHeapSnapshot ----------

test('writeHeapSnapshot: default name in dir, mode 0600, complete, no leftovers', (t) => {
  const dir = tmpDir(t);
  const before = Date.now();
  const p = capture.writeHeapSnapshot(undefined, { dir });
  assert.ok(path.isAbsolute(p));
  assert.equal(path.dirname(p), dir);
  const m = NAME_RE.exec(path.basename(p));
  assert.ok(m, `default name ${path.basename(p)} follows Heap.<date>.<time>.<pid>.<tid>.<seq>`);
  assert.equal(Number(m[1]), process.pid);
  assert.equal(Number(m[2]), 0);
  assert.equal(mode(p), 0o600);
  assert.deepEqual(fs.readdirSync(dir), [path.basename(p)], 'no temporary directory or file is left');
  const snap = readSnapshot(p);
  assert.ok(snap.count('CaptureTestMarker') >= markers.length, 'the snapshot holds the markers of this process');
  assert.ok(Date.now() - before < 30000);

  // A relative filename is resolved against dir; options are v8's own.
  const q = capture.writeHeapSnapshot('named.heapsnapshot', { dir, exposeNumericValues: true });
  assert.equal(q, path.join(dir, 'named.heapsnapshot'));
  assert.equal(mode(q), 0o600);
  assert.throws(() => capture.writeHeapSnapshot('x.heapsnapshot', { dir, exposeInternals: 'yes' }), { code: 'ERR_INVALID_ARG_TYPE', name: 'TypeError' });
});

test('writeHeapSnapshot: a directory that is a file, or unwritable, gives a clear error and leaves nothing', async (t) => {
  const dir = tmpDir(t);
  const notADir = path.join(dir, 'plain-file');
  fs.writeFileSync(notADir, 'x');
  assert.throws(() => capture.writeHeapSnapshot(undefined, { dir: notADir }), (err) => {
    assert.equal(err.code, 'ERR_HEAPSNAP_CAPTURE');
    assert.match(err.message, /plain-file/);
    assert.match(err.message, /ENOTDIR/);
    return true;
  });
  assert.deepEqual(fs.readdirSync(dir), ['plain-file']);

  // Unwritable: root ignores permissions, so run the capture as nobody then — which needs a
  // checkout that nobody can read (a clone in a private 0700 temp dir is not).
  if (isRoot && !nobodyCanLoad()) {
    t.diagnostic('skipped the unwritable-dir half: uid 65534 cannot read this checkout');
    return;
  }
  fs.chmodSync(dir, 0o755);
  const ro = path.join(dir, 'read-only');
  fs.mkdirSync(ro, { mode: 0o555 });
  fs.chmodSync(ro, 0o555);
  const r = await runScript(
    t,
    dir,
    `const { writeHeapSnapshot } = require(${LIB_JSON});
     try { console.log(JSON.stringify({ ok: writeHeapSnapshot(undefined, { dir: process.argv[2] }) })); }
     catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`,
    { args: [ro], uid: isRoot ? 65534 : undefined },
  );
  assert.equal(r.code, 'ERR_HEAPSNAP_CAPTURE', JSON.stringify(r));
  assert.match(r.message, /read-only/);
  assert.match(r.message, /EACCES|EPERM/);
  assert.deepEqual(fs.readdirSync(ro), []);
});

test('writeHeapSnapshot: a full disk (RLIMIT_FSIZE) fails cleanly where v8.writeHeapSnapshot leaves a truncated file', async (t) => {
  const dir = tmpDir(t);
  const ours = path.join(dir, 'ours');
  const theirs = path.join(dir, 'theirs');
  fs.mkdirSync(ours);
  fs.mkdirSync(theirs);
  const r = await runScript(
    t,
    dir,
    `const { writeHeapSnapshot } = require(${LIB_JSON});
     const out = {};
     try { require('v8').writeHeapSnapshot(require('path').join(process.argv[3], 'v8.heapsnapshot')); } catch (e) { out.v8 = e.code; }
     try { out.ok = writeHeapSnapshot('x.heapsnapshot', { dir: process.argv[2] }); }
     catch (e) { out.code = e.code; out.message = e.message; }
     console.log(JSON.stringify(out));`,
    { args: [ours, theirs], shell: 'ulimit -f 64' },
  );
  assert.equal(r.v8, 'EFBIG', 'the limit is in force');
  assert.equal(fs.readdirSync(theirs).length, 1, 'v8.writeHeapSnapshot leaves a truncated file behind (the bug we fix)');
  assert.equal(r.code, 'ERR_HEAPSNAP_CAPTURE', JSON.stringify(r));
  assert.match(r.message, /EFBIG/);
  assert.match(r.message, /x\.heapsnapshot/);
  assert.deepEqual(fs.readdirSync(ours), [], 'no file, no temporary directory');
});

// ---------- takeSnapshot ----------

test('takeSnapshot: an aborted signal rejects before capturing', async () => {
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(capture.takeSnapshot({ signal: ac.signal }), { name: 'AbortError', code: 'ABORT_ERR' });
  await assert.rejects(capture.takeSnapshot({ signal: 'nope' }), { code: 'ERR_INVALID_ARG_TYPE', name: 'TypeError' });
});

test('takeSnapshot: streams this heap into the parser', async () => {
  const snap = await capture.takeSnapshot();
  try {
    assert.ok(snap.nodeCount > 1000);
    const row = snap.summary().find((r) => r.className === 'CaptureTestMarker');
    assert.ok(row, 'CaptureTestMarker is in the summary');
    assert.ok(row.count >= markers.length);
  } finally {
    snap.dispose();
  }
});

// ---------- captureWorker ----------

test('captureWorker: a worker heap to a 0600 file (and parsed when the addon exists)', async (t) => {
  const dir = tmpDir(t);
  const worker = new Worker(
    `class WorkerLeak { constructor(i) { this.i = i; } }
     globalThis.kept = Array.from({ length: 30 }, (_, i) => new WorkerLeak(i));
     require('worker_threads').parentPort.postMessage('ready');
     setInterval(() => {}, 1000);`,
    { eval: true },
  );
  t.after(() => worker.terminate());
  await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const p = await capture.captureWorker(worker, { dir });
  assert.equal(path.dirname(p), dir);
  const m = NAME_RE.exec(path.basename(p));
  assert.ok(m);
  assert.equal(Number(m[2]), worker.threadId, 'the default name carries the worker thread id');
  assert.equal(mode(p), 0o600);
  assert.equal(readSnapshot(p).count('WorkerLeak'), 30);
  assert.deepEqual(fs.readdirSync(dir), [path.basename(p)]);

  const named = await capture.captureWorker(worker, { file: 'w.heapsnapshot', dir });
  assert.equal(named, path.join(dir, 'w.heapsnapshot'));

  await assert.rejects(capture.captureWorker(worker, { dir: path.join(dir, 'missing', 'deeper') }), (err) => {
    assert.equal(err.code, 'ERR_HEAPSNAP_CAPTURE');
    assert.match(err.message, /missing/);
    return true;
  });
  await assert.rejects(capture.captureWorker({}, {}), { code: 'ERR_INVALID_ARG_TYPE' });

  const parsed = await capture.captureWorker(worker, { parse: true });
  try {
    const row = parsed.summary().find((r) => r.className === 'WorkerLeak');
    assert.equal(row && row.count, 30);
  } finally {
    parsed.dispose();
  }
  await worker.terminate();
  await assert.rejects(capture.captureWorker(worker, { dir }), { code: 'ERR_HEAPSNAP_CAPTURE' });
});

// ---------- installSignalHandler ----------

test('installSignalHandler: argument and state checks, and an in-process SIGUSR2', async (t) => {
  const dir = tmpDir(t);
  assert.throws(() => capture.installSignalHandler({ signal: 'SIGUSR1', dir }), { code: 'ERR_HEAPSNAP_UNSUPPORTED' });
  assert.throws(() => capture.installSignalHandler({ signal: 'SIGNOPE', dir }), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => capture.installSignalHandler({ dir, keep: 0 }), { code: 'ERR_OUT_OF_RANGE', name: 'RangeError' });
  assert.throws(() => capture.installSignalHandler({ dir: path.join(dir, 'nope') }), (err) => {
    assert.equal(err.code, 'ERR_HEAPSNAP_CAPTURE');
    assert.match(err.message, /nope/);
    return true;
  });

  let resolveSnap;
  let rejectSnap;
  const got = new Promise((resolve, reject) => {
    resolveSnap = resolve;
    rejectSnap = reject;
  });
  const handle = capture.installSignalHandler({ dir, keep: 1, onSnapshot: (p) => resolveSnap(p), onError: (err) => rejectSnap(err) });
  t.after(() => handle.uninstall());
  assert.throws(() => capture.installSignalHandler({ dir }), { code: 'ERR_HEAPSNAP_UNSUPPORTED' }, 'one handler per signal');
  // Node 24's test runner turns diagnostic reports on SIGUSR2 on in its test processes: without
  // this, the signal below also wrote a report.*.json into the working directory
  const reportOnSignal = process.report.reportOnSignal;
  process.report.reportOnSignal = false;
  t.after(() => (process.report.reportOnSignal = reportOnSignal));
  process.kill(process.pid, 'SIGUSR2');
  // Signal handles are unref'd: the timer keeps the loop alive until the listener has run.
  let timer;
  const p = await Promise.race([got, new Promise((_, reject) => (timer = setTimeout(reject, 10000, new Error('no snapshot within 10 s of SIGUSR2'))))]);
  clearTimeout(timer);
  assert.equal(path.dirname(p), dir);
  assert.equal(mode(p), 0o600);
  assert.deepEqual(handle.files, [p]);
  handle.uninstall();
  handle.uninstall(); // idempotent
  const again = capture.installSignalHandler({ dir });
  again.uninstall();
});

test('installSignalHandler: kill -USR2 a server writes snapshots into dir and keeps the last N', async (t) => {
  const dir = tmpDir(t);
  const { child, port } = await startLeaky(t, { args: ['--snapshot-dir', dir, '--keep', '2'], leak: 20 });
  const written = [];
  for (let i = 0; i < 3; i++) {
    await httpGet(port, '/leak?n=10');
    const line = waitForLine(child.stdout, /^snapshot (.+)$/, 15000, `snapshot ${i + 1}`);
    process.kill(child.pid, 'SIGUSR2');
    written.push((await line)[1]);
  }
  assert.equal(new Set(written).size, 3);
  assert.deepEqual(fs.readdirSync(dir).sort(), written.slice(1).map((p) => path.basename(p)).sort(), 'only the last two remain');
  for (const p of written.slice(1)) {
    assert.equal(mode(p), 0o600);
    assert.ok(NAME_RE.test(path.basename(p)));
  }
  assert.equal(readSnapshot(written[2]).count('RequestLog'), 50, 'the last snapshot holds all 50 leaked RequestLogs');
  assert.equal(child.exitCode, null, 'the server is still running');
});

// ---------- captureOnNearHeapLimit ----------

test('captureOnNearHeapLimit: honest about where files go, loud where Node would be silent', async (t) => {
  const dir = tmpDir(t);
  assert.throws(() => capture.captureOnNearHeapLimit({ maxCount: 0 }), { code: 'ERR_OUT_OF_RANGE', name: 'RangeError' });
  // dir is not where Node writes (no --diagnostic-dir): refused, and nothing is armed here.
  assert.throws(() => capture.captureOnNearHeapLimit({ dir }), (err) => {
    assert.equal(err.code, 'ERR_HEAPSNAP_UNSUPPORTED');
    assert.match(err.message, /--diagnostic-dir=/);
    return true;
  });

  const script = `const { captureOnNearHeapLimit } = require(${LIB_JSON});
    try { console.log(JSON.stringify({ ok: captureOnNearHeapLimit({ maxCount: 1, dir: process.argv[2] }) })); }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); process.exit(0); }
    class NearLimitLeak { constructor(i) { this.i = i; this.s = String(i).padEnd(262144, 'x'); } }
    const kept = [];
    for (let i = 0; ; i++) kept.push(new NearLimitLeak(i));`;
  const flagged = await runScript(t, dir, script, { args: [dir], nodeArgs: ['--heapsnapshot-near-heap-limit=1', `--diagnostic-dir=${dir}`] });
  assert.equal(flagged.code, 'ERR_HEAPSNAP_UNSUPPORTED');
  assert.match(flagged.message, /--heapsnapshot-near-heap-limit/);

  // The real thing: a child with a small heap, --diagnostic-dir=dir, leaking until the limit.
  const out = path.join(dir, 'oom');
  fs.mkdirSync(out);
  const file = path.join(dir, 'oom-child.js');
  fs.writeFileSync(file, script);
  const child = spawnChild(t, process.execPath, ['--max-old-space-size=8', `--diagnostic-dir=${out}`, file, out], { cwd: dir });
  const armed = await waitForLine(child.stdout, /^\{.*\}$/, 10000, 'near-heap-limit child');
  assert.deepEqual(JSON.parse(armed[0]).ok, { dir: out, maxCount: 1, pattern: 'Heap.*.heapsnapshot' });
  const wrote = await waitForLine(child.stderr, /Wrote snapshot to (.+\.heapsnapshot)/, 30000, 'near-heap-limit snapshot');
  child.kill('SIGKILL');
  const snapFile = path.resolve(dir, wrote[1]);
  assert.equal(path.dirname(snapFile), out);
  assert.equal(mode(snapFile), 0o600);
  assert.ok(readSnapshot(snapFile).count('NearLimitLeak') > 5);
});

// ---------- captureRemote ----------

test('captureRemote by pid: opens the inspector with SIGUSR1, captures, closes it again', { skip: busyReason }, async (t) => {
  const dir = tmpDir(t);
  const { child, port } = await startLeaky(t, { leak: 40 });
  assert.equal(await isPortOpen(DEFAULT_PORT), false);
  const progress = [];
  const p = await capture.captureRemote({ pid: child.pid }, { dir, onProgress: (x) => progress.push(x) });
  assert.equal(path.dirname(p), dir);
  const m = NAME_RE.exec(path.basename(p));
  assert.ok(m, path.basename(p));
  assert.equal(Number(m[1]), child.pid, 'the default name carries the target pid');
  assert.equal(mode(p), 0o600);
  assert.deepEqual(fs.readdirSync(dir), [path.basename(p)]);
  assert.equal(readSnapshot(p).count('RequestLog'), 40);
  assert.ok(progress.length > 0, 'onProgress was called');
  assert.ok(progress.at(-1).finished && progress.at(-1).done === progress.at(-1).total);
  assert.match(child.stderrText, /Debugger listening on ws:\/\/127\.0\.0\.1:9229\//);
  assert.equal(await isPortOpen(DEFAULT_PORT), false, 'the inspector port is closed again');
  assert.equal(child.exitCode, null, 'the target is still running');
  assert.equal(JSON.parse(await httpGet(port, '/stats')).logs, 40, 'and still serving');

  const parsed = await capture.captureRemote({ pid: child.pid }, { parse: true });
  try {
    assert.equal(parsed.summary().find((r) => r.className === 'RequestLog').count, 40);
  } finally {
    parsed.dispose();
  }
  assert.equal(await isPortOpen(DEFAULT_PORT), false);
});

test('captureRemote by pid finds an inspector on a non-default port (--inspect-port=0) and closes it', async (t) => {
  const dir = tmpDir(t);
  const { child, port: lp } = await startLeaky(t, { nodeArgs: ['--inspect-port=0'], leak: 15 });
  const p = await capture.captureRemote({ pid: child.pid }, { file: 'custom.heapsnapshot', dir });
  assert.equal(p, path.join(dir, 'custom.heapsnapshot'));
  assert.equal(readSnapshot(p).count('RequestLog'), 15);
  const port = Number(/Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(child.stderrText)[1]);
  assert.notEqual(port, DEFAULT_PORT);
  assert.equal(await isPortOpen(port), false, `inspector port ${port} closed again`);
  // Back-to-back captures reopen and reclose it each time, and the target survives them (closing
  // the inspector while a client's close handshake is in flight crashed Node 20 in our runs).
  for (let i = 0; i < 4; i++) {
    await httpGet(lp, '/leak?n=1');
    const again = await capture.captureRemote({ pid: child.pid }, { dir, file: `again-${i}.heapsnapshot` });
    assert.equal(readSnapshot(again).count('RequestLog'), 16 + i);
  }
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(child.exitCode, null, `the target is alive: ${child.signalCode}`);
  assert.equal(await isPortOpen(port), false);
});

test('captureRemote: abort mid-capture leaves no file, the target alive and its inspector closed', { skip: busyReason }, async (t) => {
  const dir = tmpDir(t);
  const { child, port } = await startLeaky(t, { leak: 5 });
  const ac = new AbortController();
  let calls = 0;
  await assert.rejects(
    capture.captureRemote({ pid: child.pid }, { dir, signal: ac.signal, onProgress: () => calls++ === 0 && ac.abort() }),
    { name: 'AbortError', code: 'ABORT_ERR' },
  );
  assert.deepEqual(fs.readdirSync(dir), []);
  assert.equal(await isPortOpen(DEFAULT_PORT), false);
  assert.equal(JSON.parse(await httpGet(port, '/stats')).logs, 5, 'the target still serves');
});

test('captureRemote by port and by url: uses an open inspector and leaves it open', async (t) => {
  const dir = tmpDir(t);
  const { child } = await startLeaky(t, { nodeArgs: ['--inspect=127.0.0.1:0'], leak: 12 });
  for (let i = 0; i < 50 && !/Debugger listening/.test(child.stderrText); i++) await new Promise((r) => setTimeout(r, 100));
  const m = /Debugger listening on (ws:\/\/127\.0\.0\.1:(\d+)\/\S+)/.exec(child.stderrText);
  assert.ok(m, child.stderrText);
  const port = Number(m[2]);

  const byPort = await capture.captureRemote({ port }, { dir });
  assert.equal(Number(NAME_RE.exec(path.basename(byPort))[1]), child.pid, 'the name carries the remote pid');
  assert.equal(readSnapshot(byPort).count('RequestLog'), 12);
  assert.equal(mode(byPort), 0o600);
  assert.equal(await isPortOpen(port), true, 'an inspector we did not open stays open');

  const byUrl = await capture.captureRemote({ url: m[1] }, { file: path.join(dir, 'by-url.heapsnapshot') });
  assert.equal(readSnapshot(byUrl).count('RequestLog'), 12);
  const byHttp = await capture.captureRemote({ url: `http://127.0.0.1:${port}` }, { dir, file: 'by-http.heapsnapshot' });
  assert.equal(readSnapshot(byHttp).count('RequestLog'), 12);
  assert.equal(await isPortOpen(port), true);
});

test('captureRemote refuses what it must: dead pid, non-Node pid, closed port, non-inspector, non-loopback', async (t) => {
  const dir = tmpDir(t);
  const dead = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await waitExit(dead);
  await assert.rejects(capture.captureRemote({ pid: dead.pid }, { dir }), (err) => {
    assert.equal(err.code, 'ERR_HEAPSNAP_CAPTURE');
    assert.match(err.message, new RegExp(`no process with pid ${dead.pid}`));
    return true;
  });

  // SIGUSR1 would kill `sleep`: it must be refused, and sleep must still be alive.
  const sleeper = spawnChild(t, 'sleep', ['30']);
  await new Promise((r) => setTimeout(r, 100));
  await assert.rejects(capture.captureRemote({ pid: sleeper.pid }, { dir }), (err) => {
    assert.equal(err.code, 'ERR_HEAPSNAP_CAPTURE');
    assert.match(err.message, /not a Node\.js process/);
    assert.match(err.message, /sleep/);
    return true;
  });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(sleeper.exitCode, null);
  assert.equal(sleeper.signalCode, null, 'sleep was not signalled');

  const closed = await freePort();
  await assert.rejects(capture.captureRemote({ port: closed }, { dir }), (err) => {
    assert.equal(err.code, 'ERR_HEAPSNAP_CAPTURE');
    assert.match(err.message, new RegExp(`nothing listens on 127\\.0\\.0\\.1:${closed}`));
    return true;
  });

  const { port: httpPort } = await startLeaky(t, { leak: 1 });
  await assert.rejects(capture.captureRemote({ port: httpPort }, { dir }), (err) => {
    assert.equal(err.code, 'ERR_HEAPSNAP_CAPTURE');
    assert.match(err.message, /not a V8 inspector/);
    return true;
  });
  await assert.rejects(capture.captureRemote({ port: 9229, host: '10.0.0.1' }), { code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(capture.captureRemote({ pid: process.pid }), { code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(capture.captureRemote({}), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.deepEqual(fs.readdirSync(dir), [], 'no file left by any failure');
});

test('captureRemote: an unusable dir fails before the target is signalled', { skip: busyReason }, async (t) => {
  const dir = tmpDir(t);
  const notADir = path.join(dir, 'file');
  fs.writeFileSync(notADir, '');
  const { child } = await startLeaky(t, { leak: 1 });
  await assert.rejects(capture.captureRemote({ pid: child.pid }, { dir: notADir }), (err) => {
    assert.equal(err.code, 'ERR_HEAPSNAP_CAPTURE');
    assert.match(err.message, /ENOTDIR/);
    return true;
  });
  await new Promise((r) => setTimeout(r, 200));
  assert.doesNotMatch(child.stderrText, /Debugger listening/, 'the inspector was never opened');
  assert.deepEqual(fs.readdirSync(dir), ['file']);
});

test('captureRemote: a full disk mid-capture leaves no file and closes the inspector it opened', { skip: busyReason }, async (t) => {
  const dir = tmpDir(t);
  const out = path.join(dir, 'out');
  fs.mkdirSync(out);
  const { child } = await startLeaky(t, { leak: 5 });
  const r = await runScript(
    t,
    dir,
    `const { captureRemote } = require(${LIB_JSON});
     captureRemote({ pid: Number(process.argv[2]) }, { dir: process.argv[3] }).then(
       (p) => console.log(JSON.stringify({ ok: p })),
       (e) => console.log(JSON.stringify({ code: e.code, message: e.message })));`,
    { args: [String(child.pid), out], shell: 'ulimit -f 64' },
  );
  assert.equal(r.code, 'ERR_HEAPSNAP_CAPTURE', JSON.stringify(r));
  assert.match(r.message, /EFBIG/);
  assert.deepEqual(fs.readdirSync(out), [], 'no temporary file left');
  assert.equal(await isPortOpen(DEFAULT_PORT), false, `the inspector was closed after the failure; capturer stderr: ${r.stderr}; target stderr: ${child.stderrText}`);
  assert.equal(child.exitCode, null);
});

test('captureRemote: abort while waiting for the inspector', async (t) => {
  const dir = tmpDir(t);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(capture.captureRemote({ port: 1 }, { dir, signal: ac.signal }), { code: 'ABORT_ERR' });
  assert.deepEqual(fs.readdirSync(dir), []);
});

// ---------- the WebSocket client against a scripted server ----------

function serverFrame(opcode, payload, { fin = true, masked = false } = {}) {
  const len = payload.length;
  let head;
  if (len < 126) head = Buffer.from([0, len]);
  else if (len < 65536) {
    head = Buffer.alloc(4);
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else {
    head = Buffer.alloc(10);
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  head[0] = (fin ? 0x80 : 0) | opcode;
  if (masked) {
    head[1] |= 0x80;
    return Buffer.concat([head, Buffer.alloc(4), payload]);
  }
  return Buffer.concat([head, payload]);
}

async function wsServer(t, onConnection, { badAccept = false } = {}) {
  const srv = http.createServer((req, res) => res.end('plain'));
  srv.on('upgrade', (req, socket) => {
    const accept = crypto
      .createHash('sha1')
      .update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
      .digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${badAccept ? 'x' : accept}\r\n\r\n`);
    onConnection(socket);
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => {
    srv.closeAllConnections?.();
    srv.close();
  });
  return `ws://127.0.0.1:${srv.address().port}/x`;
}

/** Parses masked client frames from a socket. */
function readClientFrames(socket, onFrame) {
  let buf = Buffer.alloc(0);
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      if (buf.length < 2) return;
      const opcode = buf[0] & 0x0f;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      const masked = (buf[1] & 0x80) !== 0;
      const need = off + (masked ? 4 : 0) + len;
      if (buf.length < need) return;
      const key = masked ? buf.subarray(off, off + 4) : Buffer.alloc(4);
      const payload = Buffer.from(buf.subarray(off + (masked ? 4 : 0), need));
      for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
      buf = buf.subarray(need);
      onFrame({ opcode, payload, masked });
    }
  });
}

test('websocket: masked client frames, fragments, 16/64-bit lengths, ping, close handshake', async (t) => {
  const seen = [];
  const url = await wsServer(t, (socket) => {
    readClientFrames(socket, ({ opcode, payload, masked }) => {
      seen.push({ opcode, text: payload.toString(), masked });
      if (opcode === 1 && payload.toString() === 'hello') {
        socket.write(serverFrame(1, Buffer.from('frag-'), { fin: false }));
        socket.write(serverFrame(9, Buffer.from('p1'))); // a ping between fragments
        socket.write(serverFrame(0, Buffer.from('men'), { fin: false }));
        socket.write(serverFrame(0, Buffer.from('ted ✓')));
        socket.write(serverFrame(1, Buffer.alloc(300, 'a')));
        const big = serverFrame(1, Buffer.alloc(70000, 'b'));
        socket.write(big.subarray(0, 5)); // split inside the 64-bit length
        setTimeout(() => socket.write(big.subarray(5)), 20);
      }
      if (opcode === 1 && payload.toString() === 'bye') {
        const body = Buffer.alloc(5);
        body.writeUInt16BE(1000, 0);
        body.write('bye', 2);
        socket.write(serverFrame(8, body));
      }
      if (opcode === 8) socket.end();
    });
  });
  const ws = await WebSocketClient.connect(url, { timeout: 2000 });
  const messages = [];
  const three = new Promise((resolve) =>
    ws.on('message', (m) => {
      messages.push(m);
      if (messages.length === 3) resolve();
    }),
  );
  ws.send('hello');
  await three;
  assert.equal(messages[0], 'frag-mented ✓');
  assert.equal(messages[1], 'a'.repeat(300));
  assert.equal(messages[2], 'b'.repeat(70000));
  const closed = new Promise((r) => ws.once('close', r));
  ws.send('bye');
  assert.deepEqual(await closed, { code: 1000, reason: 'bye' });
  assert.ok(seen.every((f) => f.masked), 'every client frame is masked');
  assert.deepEqual(seen.find((f) => f.opcode === 10), { opcode: 10, text: 'p1', masked: true }, 'ping answered by pong with its payload');
  assert.equal(seen.at(-1).opcode, 8, 'the close frame was echoed');

  // Client-initiated close, and protocol errors.
  const url2 = await wsServer(t, (socket) =>
    readClientFrames(socket, ({ opcode, payload }) => {
      if (opcode === 8) socket.end(serverFrame(8, payload));
      if (opcode === 1) socket.write(serverFrame(1, Buffer.from('masked!'), { masked: true }));
    }),
  );
  const ws2 = await WebSocketClient.connect(url2);
  assert.equal((await ws2.close(1000, 'done')).code, 1000);
  const ws3 = await WebSocketClient.connect(url2);
  const err = new Promise((r) => ws3.once('error', r));
  ws3.send('x');
  const e = await err;
  assert.equal(e.code, 'ERR_HEAPSNAP_CAPTURE');
  assert.match(e.message, /masked/);

  const bad = await wsServer(t, () => {}, { badAccept: true });
  await assert.rejects(WebSocketClient.connect(bad), /Sec-WebSocket-Accept/);
  await assert.rejects(WebSocketClient.connect(bad.replace('/x', '/').replace('ws:', 'http:')), { code: 'ERR_INVALID_ARG_VALUE' });
});

// ---------- analyzeInWorker ----------

test('analyzeInWorker: crashes, OOM, timeout and abort of the child become clear errors', async (t) => {
  const dir = tmpDir(t);
  const snap = capture.writeHeapSnapshot(undefined, { dir });
  const preload = (name, code) => {
    const f = path.join(dir, `${name}.js`);
    fs.writeFileSync(f, code);
    return ['--require', f];
  };
  await assert.rejects(capture.analyzeInWorker(snap, 'nope'), { code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(capture.analyzeInWorker([snap], 'diff'), { code: 'ERR_INVALID_ARG_VALUE' });

  await assert.rejects(capture.analyzeInWorker(snap, 'summary', { execArgv: preload('exit7', 'process.exit(7)') }), (err) => {
    assert.equal(err.code, 'ERR_HEAPSNAP_WORKER');
    assert.match(err.message, /exited with code 7/);
    assert.equal(err.exitCode, 7);
    return true;
  });
  await assert.rejects(capture.analyzeInWorker(snap, 'summary', { execArgv: preload('kill', "process.kill(process.pid, 'SIGKILL')") }), (err) => {
    assert.equal(err.code, 'ERR_HEAPSNAP_WORKER');
    assert.match(err.message, /killed by SIGKILL/);
    return true;
  });
  await assert.rejects(
    capture.analyzeInWorker(snap, 'summary', {
      maxOldSpaceSize: 16,
      execArgv: preload('oom', 'const a = []; for (;;) a.push({ s: String(a.length).padEnd(4096, "x") });'),
    }),
    (err) => {
      assert.equal(err.code, 'ERR_HEAPSNAP_WORKER');
      assert.match(err.message, /out of memory \(--max-old-space-size=16\)/);
      assert.equal(err.outOfMemory, true);
      return true;
    },
  );
  const busy = preload('busy', 'const end = Date.now() + 20000; while (Date.now() < end);');
  const t0 = Date.now();
  await assert.rejects(capture.analyzeInWorker(snap, 'summary', { execArgv: busy, timeout: 300 }), (err) => {
    assert.equal(err.code, 'ERR_HEAPSNAP_WORKER');
    assert.match(err.message, /within 300 ms/);
    return true;
  });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 200);
  await assert.rejects(capture.analyzeInWorker(snap, 'summary', { execArgv: busy, signal: ac.signal }), { code: 'ABORT_ERR' });
  assert.ok(Date.now() - t0 < 5000, 'killed, not waited for');
});

/** Three snapshots of this process, with 0, 200 and 400 AnalyzeLeak objects kept alive. */
function leakSeries(t) {
  const dir = tmpDir(t);
  const leaks = [];
  class AnalyzeLeak {
    constructor(i) {
      this.i = i;
      this.s = `leak ${i}`;
    }
  }
  globalThis.__heapsnapAnalyzeLeaks = leaks;
  t.after(() => delete globalThis.__heapsnapAnalyzeLeaks);
  const grow = (n) => {
    for (let i = 0; i < n; i++) leaks.push(new AnalyzeLeak(leaks.length));
  };
  const a = capture.writeHeapSnapshot('a.heapsnapshot', { dir });
  grow(200);
  const b = capture.writeHeapSnapshot('b.heapsnapshot', { dir });
  grow(200);
  const c = capture.writeHeapSnapshot('c.heapsnapshot', { dir });
  return [a, b, c];
}

test('analyzeInWorker: summary and statistics in a child; parse errors keep their code', async (t) => {
  const [, , c] = leakSeries(t);
  const summary = await capture.analyzeInWorker(c, 'summary');
  assert.ok(Array.isArray(summary));
  assert.equal(summary.find((r) => r.className === 'AnalyzeLeak').count, 400);
  const stats = await capture.analyzeInWorker(c, 'statistics');
  assert.ok(stats.total > 0 && stats.v8heap.total > 0);
  await assert.rejects(capture.analyzeInWorker('/work/shared/fixtures/chrome-2016-truncated.heapsnapshot', 'summary'), { code: 'ERR_HEAPSNAP_PARSE' });
});

test('analyzeInWorker: diff and findLeaks in a child', async (t) => {
  const [a, b, c] = leakSeries(t);
  const diff = await capture.analyzeInWorker([a, c], 'diff');
  assert.match(JSON.stringify(diff), /AnalyzeLeak/);
  const found = await capture.analyzeInWorker([a, b, c], 'findLeaks');
  assert.match(JSON.stringify(found), /AnalyzeLeak/);
});

// ---------- the CLI ----------

function fakeIo() {
  const io = { out: '', err: '' };
  io.stdout = { write: (s) => ((io.out += s), true), isTTY: false };
  io.stderr = { write: (s) => ((io.err += s), true), isTTY: false };
  return io;
}

test('cli capture: usage errors exit 2, help exits 0 with examples', async () => {
  let io = fakeIo();
  assert.equal(await cliMain(['--help'], io), 0);
  assert.match(io.out, /Examples:/);
  assert.match(io.out, /heapsnap capture --pid/);
  for (const args of [[], ['--pid', 'abc'], ['--pid', '1', '--url', 'ws://127.0.0.1:1/x'], ['--port', '70000'], ['--bogus'], ['--url', 'ftp://x'], ['extra', '--port', '1']]) {
    io = fakeIo();
    assert.equal(await cliMain(args, io), 2, `exit 2 for ${args.join(' ')}`);
    assert.match(io.err, /^heapsnap: .+ \(see 'heapsnap capture --help'\)\n$/);
    assert.equal(io.out, '');
  }
  io = fakeIo();
  const closed = await freePort();
  assert.equal(await cliMain(['--port', String(closed)], io), 1);
  assert.match(io.err, /nothing listens/);
  assert.equal(io.out, '');
});

test('cli capture --pid prints the path; --json prints an object', { skip: busyReason }, async (t) => {
  const dir = tmpDir(t);
  const { child } = await startLeaky(t, { leak: 3000 });
  let io = fakeIo();
  assert.equal(await cliMain(['--pid', String(child.pid), '-o', 'cli.heapsnapshot', '--dir', dir], io), 0, io.err);
  assert.equal(io.out, `${path.join(dir, 'cli.heapsnapshot')}\n`);
  // stderr: only the notice that the inspector will be open (issue 11), no progress bar when not a TTY
  assert.match(io.err, /^heapsnap: pid \d+ has no heapsnap agent: sending SIGUSR1 opens its inspector on 127\.0\.0\.1:9229 for the capture; [^\n]*\n$/);
  assert.equal(readSnapshot(path.join(dir, 'cli.heapsnapshot')).count('RequestLog'), 3000);
  assert.equal(mode(path.join(dir, 'cli.heapsnapshot')), 0o600);

  io = fakeIo();
  io.stderr.isTTY = true;
  const code = await cliMain(['--pid', String(child.pid), '--dir', dir, '--json', '--summary'], io);
  assert.equal(code, 0, io.err);
  const out = JSON.parse(io.out);
  assert.equal(path.dirname(out.path), dir);
  assert.equal(out.bytes, fs.statSync(out.path).size);
  assert.deepEqual(out.target, { pid: child.pid });
  assert.match(io.err, /\[#+\] 100%/, 'a progress bar on a TTY');
  assert.ok(out.summary.length <= 20 && out.summary.some((r) => r.className === 'RequestLog'));
  assert.equal(await isPortOpen(DEFAULT_PORT), false);
});

test('cli capture --summary prints a table', { skip: busyReason }, async (t) => {
  const dir = tmpDir(t);
  const { child } = await startLeaky(t, { leak: 3000 });
  const io = fakeIo();
  const code = await cliMain(['--pid', String(child.pid), '--dir', dir, '--summary'], io);
  const file = io.out.split('\n')[0];
  assert.equal(path.dirname(file), dir);
  assert.ok(fs.existsSync(file));
  assert.equal(code, 0, io.err);
  assert.match(io.out, /Class\s+Count\s+Shallow\s+Retained/);
  assert.match(io.out, /\nRequestLog\s+3000\s+[\d.]+ [KM]B\s+[\d.]+ MB\n/, 'RequestLog is among the top 20 (sizes in the one unit system: KB, MB)');
});
