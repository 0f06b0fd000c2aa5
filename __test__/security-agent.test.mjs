// Issue 11, the open door: a capture by pid must give no other local user a way into the target.
// With the capture agent (`node --require heapsnap/agent`) no inspector is opened and no TCP port
// exists during the capture; the agent's socket sits in a 0700 directory, checks the kernel's
// peer credentials and wants a 0600 key. The attacker is a real second user (`nobody`, through
// setpriv) where the machine allows it; otherwise those tests are skipped with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { repo } from './support/oracle.mjs';

const require = createRequire(import.meta.url);
const heapsnap = require('../index.js');
const { captureRemote, HeapSnapshot, startAgent, stopAgent } = heapsnap;
const { listeningSockets } = require('../lib/capture/inspector/target-process.js');
const { findAgent } = require('../lib/capture/agent-client.js');

const NOBODY = 65534;
const tempDir = (name) => fs.mkdtempSync(path.join(os.tmpdir(), `heapsnap-test-${name}-`));
const linux = process.platform === 'linux';

/**
 * A copy of the package that user nobody can read: a checkout under a 0700 directory (a CI
 * clone in a mktemp dir) is out of its reach, as node_modules of another user's app would not be.
 */
function readableCopy() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heapsnap-test-pkg-'));
  fs.chmodSync(dir, 0o755);
  for (const f of fs.readdirSync(repo)) {
    if (/^(index\.(js|mjs)|package\.json|binding\.js|.+\.node|lib|scripts)$/.test(f)) fs.cpSync(path.join(repo, f), path.join(dir, f), { recursive: true });
  }
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const loads = (dir) =>
  spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, '-e', `require(${JSON.stringify(path.join(dir, 'index.js'))})`], { encoding: 'utf8' });

/** The package as user nobody loads it: this checkout, or a readable copy of it. */
let nobodyPkg = repo;

/** Why a second user cannot be tried here, or null when it can (root, setpriv, package readable). */
function noSecondUser() {
  if (!linux) return 'needs Linux';
  if (process.getuid() !== 0) return 'needs root to run a child as another user (setpriv)';
  let r = loads(repo);
  if (r.error) return `setpriv is not available (${r.error.code})`;
  if (r.status !== 0) {
    nobodyPkg = readableCopy();
    r = loads(nobodyPkg);
  }
  if (r.status !== 0) return `user nobody cannot load this package (${r.stderr.trim().split('\n').slice(-1)[0]})`;
  return null;
}
const secondUser = noSecondUser();

/** An app dir where `heapsnap` resolves to this checkout, as it would from node_modules. */
function appDir() {
  const dir = tempDir('agent-app');
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(repo, path.join(dir, 'node_modules', 'heapsnap'), 'dir');
  fs.chmodSync(dir, 0o755);
  return dir;
}

/**
 * A target app holding ~`mb` MB of strings (so a capture takes a moment) with its own SIGUSR1
 * handler that records the signal. Resolves { child, pid, marker } once its agent listens.
 */
async function startTarget({ preload = ["--require", "heapsnap/agent"], mb = 8, env = {} } = {}) {
  const dir = appDir();
  const marker = path.join(dir, 'got-sigusr1');
  const src = `
    const fs = require('fs');
    globalThis.keep = Array.from({ length: ${mb} * 1024 }, (_, i) => 'secret-' + i + '-'.repeat(1000));
    process.on('SIGUSR1', () => fs.writeFileSync(${JSON.stringify(marker)}, 'x'));
    setInterval(() => {}, 1000);
    console.log('ready');`;
  const child = spawn(process.execPath, [...preload, '-e', src], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', (code) => reject(new Error(`target exited ${code}: ${stderr}`)));
  });
  const deadline = Date.now() + 10000;
  while (!findAgent(child.pid)) {
    if (Date.now() > deadline) throw new Error(`the agent of pid ${child.pid} never listened: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, pid: child.pid, marker, dir, stderr: () => stderr };
}

function stop(t) {
  t.child.kill('SIGKILL');
  fs.rmSync(t.dir, { recursive: true, force: true });
}

/** Samples the TCP listeners of `pid` every few ms until `promise` settles; returns all seen. */
async function watchTcp(pid, promise) {
  const seen = [];
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done) {
    for (const s of listeningSockets(pid) || []) seen.push(s);
    await new Promise((r) => setTimeout(r, 5));
  }
  return seen;
}

/** Runs `source` (CommonJS) as user nobody; resolves { code, stdout, stderr }. */
function asNobody(source, args = []) {
  const child = spawn('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, '-e', source, '--', ...args], { cwd: '/' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('a capture through the agent opens no inspector and no TCP port, and sends no SIGUSR1', { skip: !linux && 'Linux: /proc shows the sockets' }, async () => {
  const t = await startTarget();
  const out = tempDir('agent-out');
  try {
    const sock = findAgent(t.pid);
    const dirStat = fs.lstatSync(path.dirname(sock.socketPath));
    assert.equal(dirStat.mode & 0o777, 0o700, 'the agent directory is 0700');
    assert.equal(fs.lstatSync(sock.socketPath).mode & 0o777, 0o600, 'the socket is 0600');
    assert.equal(fs.lstatSync(sock.keyPath).mode & 0o777, 0o600, 'the key is 0600');
    const file = path.join(out, 'agent.heapsnapshot');
    const progress = [];
    const capture = captureRemote({ pid: t.pid }, { file, timeout: 20000, onProgress: (p) => progress.push(p) });
    const tcp = await watchTcp(t.pid, capture);
    assert.equal(await capture, file);
    assert.deepEqual(tcp, [], 'no TCP listener in the target at any time');
    assert.deepEqual(listeningSockets(t.pid), []);
    assert.equal(fs.existsSync(t.marker), false, 'no SIGUSR1 was sent');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.ok(progress.length > 0 && progress.at(-1).finished, 'progress ends finished');
    // Nothing of the snapshot is left in the agent's directory. The directory is shared by every
    // agent of this user (other test files capture at the same time): names are matched on the
    // whole pid (agent-1750 is not agent-17500), and a temporary of another agent's capture in
    // flight is waited out; one of ours would stay.
    const agentDir = path.dirname(sock.socketPath);
    const relevant = (n) => n.startsWith('.heapsnap-') || (n.match(/\d+/g) ?? []).includes(String(t.pid));
    let left = [];
    for (let i = 0; i < 30; i++) {
      left = fs.readdirSync(agentDir).filter(relevant).sort();
      if (!left.some((n) => n.startsWith('.heapsnap-'))) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(left, [`agent-${t.pid}.key`, `agent-${t.pid}.sock`]);
    const snap = await HeapSnapshot.open(file);
    try {
      assert.ok(snap.nodeCount > 1000);
    } finally {
      snap.dispose();
    }
    // parse: true goes through the same agent, straight into the parser.
    const parsed = await captureRemote({ pid: t.pid }, { parse: true, timeout: 20000 });
    try {
      assert.ok(parsed.nodeCount > 1000);
    } finally {
      parsed.dispose();
    }
  } finally {
    stop(t);
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('another local user gets nothing from the agent: no directory, no socket, no key, no credentials', { skip: secondUser || false }, async () => {
  const t = await startTarget();
  try {
    const found = findAgent(t.pid);
    // 1. The door as a user meets it: heapsnap's own capture, run by nobody.
    const outDir = tempDir('nobody-out');
    fs.chmodSync(outDir, 0o777);
    const attempt = asNobody(
      `require(process.argv[1]).captureRemote({ pid: Number(process.argv[2]) }, { dir: process.argv[3], timeout: 3000 })
        .then((f) => { console.log('GOT ' + f); }, (e) => { console.log('REFUSED ' + e.code + ' ' + e.message); });`,
      [path.join(nobodyPkg, 'index.js'), String(t.pid), outDir],
    );
    const tcp = await watchTcp(t.pid, attempt);
    const r = await attempt;
    assert.match(r.stdout, /^REFUSED ERR_HEAPSNAP_CAPTURE /, r.stdout + r.stderr);
    assert.deepEqual(fs.readdirSync(outDir), [], 'nobody got no snapshot');
    assert.deepEqual(tcp, [], 'no inspector was opened for nobody');
    assert.equal(fs.existsSync(t.marker), false, 'nobody could not even signal it');
    fs.rmSync(outDir, { recursive: true, force: true });

    // 2. The socket, the key and the directory directly.
    const direct = await asNobody(
      `const fs = require('fs'), net = require('net');
       const [sock, key] = process.argv.slice(1);
       const out = [];
       try { fs.readdirSync(require('path').dirname(sock)); out.push('readdir ok'); } catch (e) { out.push('readdir ' + e.code); }
       try { fs.readFileSync(key); out.push('key ok'); } catch (e) { out.push('key ' + e.code); }
       const c = net.connect(sock);
       c.on('connect', () => { out.push('connect ok'); c.destroy(); console.log(out.join(',')); });
       c.on('error', (e) => { out.push('connect ' + e.code); console.log(out.join(',')); });`,
      [found.socketPath, found.keyPath],
    );
    assert.equal(direct.stdout.trim(), 'readdir EACCES,key EACCES,connect EACCES', direct.stderr);

    // 3. Even with the directory, socket and key opened up by mistake, the kernel's peer
    //    credentials keep nobody out.
    const dir = path.dirname(found.socketPath);
    const modes = [dir, found.socketPath, found.keyPath].map((p) => [p, fs.statSync(p).mode & 0o777]);
    try {
      fs.chmodSync(dir, 0o755);
      fs.chmodSync(found.socketPath, 0o777);
      fs.chmodSync(found.keyPath, 0o644);
      const cred = await asNobody(
        `const fs = require('fs'), net = require('net');
         const [sock, keyPath] = process.argv.slice(1);
         const key = fs.readFileSync(keyPath, 'utf8').trim();
         const c = net.connect(sock);
         let got = '';
         c.on('connect', () => c.write(JSON.stringify({ heapsnap: 1, op: 'snapshot', key }) + '\\n'));
         c.on('data', (d) => (got += d.toString('latin1')));
         c.on('close', () => console.log(got.split('\\n')[0].slice(0, 300) + ' BYTES ' + got.length));
         c.on('error', (e) => console.log('ERR ' + e.code));`,
        [found.socketPath, found.keyPath],
      );
      const head = JSON.parse(cred.stdout.split(' BYTES ')[0]);
      assert.equal(head.ok, false, cred.stdout);
      assert.match(head.message, /refused: uid 65534 .*neither uid 0 nor root|refused: uid 65534/);
      assert.ok(Number(cred.stdout.split(' BYTES ')[1]) < 400, 'no snapshot bytes were sent');
    } finally {
      for (const [p, m] of modes) fs.chmodSync(p, m);
    }
  } finally {
    stop(t);
  }
});

/** One raw exchange with the agent: sends `line`, resolves the first answer line (parsed). */
function ask(socketPath, line, { pauseAfterHeader = false } = {}) {
  return new Promise((resolve, reject) => {
    const c = net.connect(socketPath);
    let buf = '';
    c.on('connect', () => c.write(line));
    c.on('data', (d) => {
      buf += d.toString('latin1');
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        const head = JSON.parse(buf.slice(0, nl));
        if (pauseAfterHeader && head.ok) {
          c.pause();
          resolve({ head, socket: c });
        } else {
          c.destroy();
          resolve({ head });
        }
      }
    });
    c.on('error', reject);
    c.on('close', () => resolve({ head: null, raw: buf }));
  });
}

test('the agent accepts only its protocol, with its key, one capture at a time', { skip: !linux && 'Linux' }, async () => {
  const t = await startTarget({ mb: 12 });
  try {
    const { socketPath, keyPath } = findAgent(t.pid);
    const key = fs.readFileSync(keyPath, 'utf8').trim();
    const req = (o) => `${JSON.stringify({ heapsnap: 1, op: 'snapshot', key, ...o })}\n`;
    assert.match((await ask(socketPath, req({ key: 'x'.repeat(64) }))).head.message, /wrong or missing key/);
    assert.match((await ask(socketPath, req({ key: undefined }))).head.message, /wrong or missing key/);
    assert.match((await ask(socketPath, req({ op: 'eval', code: 'process.exit()' }))).head.message, /unknown request "eval"/);
    assert.match((await ask(socketPath, req({ heapsnap: 2 }))).head.message, /unsupported protocol version 2/);
    assert.match((await ask(socketPath, 'GET / HTTP/1.1\r\n\r\n')).head.message, /not JSON/);
    assert.match((await ask(socketPath, 'x'.repeat(5000))).head.message, /longer than 1024 bytes/);
    assert.match((await ask(socketPath, req({ exposeInternals: 'yes' }))).head.message, /exposeInternals/);

    // A capture in progress (its reader paused mid-stream): a second is refused at once.
    const first = await ask(socketPath, req({}), { pauseAfterHeader: true });
    assert.equal(first.head.ok, true);
    assert.equal(first.head.pid, t.pid);
    const started = Date.now();
    const second = await captureRemote({ pid: t.pid }, { parse: true, timeout: 20000 }).then(
      () => null,
      (e) => e,
    );
    assert.equal(second.code, 'ERR_HEAPSNAP_CAPTURE');
    assert.match(second.message, new RegExp(`agent of pid ${t.pid} \\(.*agent-${t.pid}\\.sock\\) is already taking a snapshot`));
    assert.ok(Date.now() - started < 5000, 'refused at once');
    first.socket.destroy();
    // The target lives on and serves the next request.
    const snap = await captureRemote({ pid: t.pid }, { parse: true, timeout: 20000 });
    snap.dispose();
    assert.equal(t.child.exitCode, null);
    assert.equal(fs.existsSync(t.marker), false);
  } finally {
    stop(t);
  }
});

test('--import heapsnap/agent (ESM) works, the agent never keeps a process alive, and removes its files on exit', { skip: !linux && 'Linux' }, async () => {
  const t = await startTarget({ preload: ['--import', 'heapsnap/agent'], mb: 1 });
  const { socketPath, keyPath } = findAgent(t.pid);
  try {
    const snap = await captureRemote({ pid: t.pid }, { parse: true, timeout: 20000 });
    snap.dispose();
  } finally {
    stop(t);
  }
  // A process with only the agent exits by itself, and cleans up.
  const dir = appDir();
  const r = spawnSync(process.execPath, ['--require', 'heapsnap/agent', '-e', 'setTimeout(() => console.log(process.pid), 300)'], { cwd: dir, encoding: 'utf8', timeout: 10000 });
  assert.equal(r.status, 0, r.stderr);
  const pid = r.stdout.trim();
  assert.equal(fs.existsSync(path.join(path.dirname(socketPath), `agent-${pid}.sock`)), false);
  assert.equal(fs.existsSync(path.join(path.dirname(keyPath), `agent-${pid}.key`)), false);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('startAgent/stopAgent from code; a planted directory is never used', { skip: !linux && 'Linux' }, async () => {
  const tmp = tempDir('agent-tmp');
  // Someone else made our usual directory (here: a link to a directory they control).
  const planted = path.join(tmp, 'theirs');
  fs.mkdirSync(planted, { mode: 0o777 });
  fs.chmodSync(planted, 0o777);
  fs.symlinkSync(planted, path.join(tmp, `heapsnap-${process.getuid()}`));
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `const h = require(${JSON.stringify(path.join(repo, 'index.js'))});
       (async () => {
         const a = await h.startAgent();
         const again = await h.startAgent();
         const st = require('fs').lstatSync(require('path').dirname(a.path));
         console.log(JSON.stringify({ path: a.path, same: again.path === a.path, mode: st.mode & 0o777, link: st.isSymbolicLink() }));
         await h.stopAgent();
         console.log(require('fs').existsSync(a.path));
       })();`,
    ],
    { encoding: 'utf8', timeout: 10000, env: { ...process.env, TMPDIR: tmp, XDG_RUNTIME_DIR: '' } },
  );
  assert.equal(r.status, 0, r.stderr);
  const [first, second] = r.stdout.trim().split('\n');
  const info = JSON.parse(first);
  assert.equal(info.same, true);
  assert.equal(info.mode, 0o700);
  assert.equal(info.link, false);
  assert.ok(!info.path.startsWith(planted) && !info.path.startsWith(path.join(tmp, `heapsnap-${process.getuid()}/`)), info.path);
  assert.match(r.stderr, /heapsnap agent: using .* is a symbolic link/);
  assert.deepEqual(fs.readdirSync(planted), [], 'nothing was written into the planted directory');
  assert.equal(second, 'false', 'stopAgent removed the socket');
  fs.rmSync(tmp, { recursive: true, force: true });
  assert.equal(typeof startAgent, 'function');
  assert.equal(typeof stopAgent, 'function');
  // Not in a worker: it shares the pid and would replace the main thread's socket.
  const inWorker = `require(${JSON.stringify(path.join(repo, 'index.js'))}).startAgent().then(() => console.log('started'), (e) => console.log(e.code))`;
  const w = spawnSync(process.execPath, ['-e', `new (require('worker_threads').Worker)(${JSON.stringify(inWorker)}, { eval: true })`], { encoding: 'utf8', timeout: 10000 });
  assert.equal(w.stdout.trim(), 'ERR_HEAPSNAP_UNSUPPORTED', w.stderr);
});
