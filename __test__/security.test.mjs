// Issue 11: capture and write without harm. Writers never clobber what is at the output path,
// the CLI never prints a snapshot's control characters raw, bad input and throwing callbacks
// never crash or hang the host, memory limits are respected. Real files, FIFOs, devices and
// child processes; every wait is bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { tempDir } from './support/programs.mjs';
import { repo } from './support/oracle.mjs';

const require = createRequire(import.meta.url);
const heapsnap = require('../index.js');
const { HeapSnapshot, Parser, writeHeapSnapshot } = heapsnap;
const { AtomicFile, writeFileAtomic } = require('../lib/fs.js');
const { cli } = require('../bin/heapsnap.js');

const TINY = path.join(repo, '..', 'shared', 'fixtures', 'tiny-6-nodes.heapsnapshot');
const SMALL = path.join(repo, '..', 'shared', 'fixtures', 'd8-heap-1.heapsnapshot');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function fakeIo() {
  const io = { out: '', err: '' };
  io.stdout = { write: (s) => ((io.out += s), true), isTTY: false };
  io.stderr = { write: (s) => ((io.err += s), true), isTTY: false };
  return io;
}

async function run(...args) {
  const io = fakeIo();
  const code = await cli(args, io);
  return { code, stdout: io.out, stderr: io.err };
}

/** A child `cat FIFO > out`, and a promise of what it read once it ends. */
function fifoReader(fifo, out) {
  const child = spawn('sh', ['-c', 'cat "$0" > "$1"', fifo, out], { stdio: 'ignore' });
  const done = new Promise((resolve) => child.once('exit', () => resolve(fs.readFileSync(out))));
  return { child, done };
}

/** Runs `source` as an ES module in a child with `args`; resolves { code, signal, stdout, stderr }. */
function runChild(source, args = [], { timeout = 20000, shell = null, nodeArgs = [] } = {}) {
  const argv = [...nodeArgs, '--input-type=module', '-e', source, '--', ...args];
  const child = shell ? spawn('/bin/sh', ['-c', `${shell}; exec "$0" "$@"`, process.execPath, ...argv]) : spawn(process.execPath, argv);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const INDEX = JSON.stringify(path.join(repo, 'index.js'));

// ---------- writers ----------

test('writers: /dev/null and a FIFO at -o stay what they are; -o - is stdout; a planted link is not followed', async (t) => {
  const dir = tempDir(t);
  const devnull = fs.statSync('/dev/null');

  // report -o /dev/null: written through, still the character device it was.
  let r = await run('report', TINY, '-o', '/dev/null');
  assert.equal(r.code, 0, r.stderr);
  const after = fs.statSync('/dev/null');
  assert.ok(after.isCharacterDevice(), '/dev/null is still a character device');
  assert.equal(after.ino, devnull.ino);
  assert.equal(after.mode, devnull.mode);
  // writeHeapSnapshot and the sync writer too; no temporary directory is left in /dev.
  assert.equal(writeHeapSnapshot('/dev/null'), '/dev/null');
  assert.equal(writeFileAtomic('/dev/null', 'x'), 1);
  assert.ok(fs.statSync('/dev/null').isCharacterDevice());
  assert.deepEqual(fs.readdirSync('/dev').filter((n) => n.startsWith('.heapsnap-') || n.startsWith('.null.')), []);

  // A FIFO: its reader gets the report, and the FIFO stays a FIFO.
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = fifoReader(fifo, path.join(dir, 'from-fifo.html'));
  r = await run('report', TINY, '-o', fifo);
  assert.equal(r.code, 0, r.stderr);
  assert.match((await reader.done).toString(), /^<!doctype html>/i);
  assert.ok(fs.lstatSync(fifo).isFIFO(), 'the FIFO is still a FIFO');
  // A stream (a snapshot capture) into a FIFO nobody reads yet waits for its reader.
  const file = new AtomicFile(fifo, { what: 'heap snapshot' });
  file.write('{"snapshot":1}');
  const late = fifoReader(fifo, path.join(dir, 'late.txt'));
  await file.commit();
  assert.equal((await late.done).toString(), '{"snapshot":1}');
  assert.ok(fs.lstatSync(fifo).isFIFO());
  // The sync writer refuses a FIFO nobody reads instead of blocking the thread.
  assert.throws(() => writeFileAtomic(fifo, 'x'), (err) => err.code === 'ERR_HEAPSNAP_CAPTURE' && /no process is reading it/.test(err.message));

  // -o - writes the report itself to stdout.
  r = await run('report', TINY, '-o', '-');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^<!doctype html>/i);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['fifo', 'from-fifo.html', 'late.txt']);

  // A link another user planted is refused; the file it names is untouched. Our own link is followed.
  const victim = path.join(dir, 'victim.txt');
  fs.writeFileSync(victim, 'precious', { mode: 0o644 });
  const planted = path.join(dir, 'report.html');
  fs.symlinkSync(victim, planted);
  if (isRoot) {
    fs.lchownSync(planted, 65534, 65534);
    r = await run('report', TINY, '-o', planted);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /symbolic link owned by another user \(uid 65534\)/);
    assert.throws(() => writeHeapSnapshot(planted), { code: 'ERR_HEAPSNAP_CAPTURE' });
    assert.equal(fs.readFileSync(victim, 'utf8'), 'precious');
    assert.equal(fs.statSync(victim).mode & 0o777, 0o644);
    fs.lchownSync(planted, 0, 0);
  } else {
    t.diagnostic('not root: cannot plant a link owned by another user (chown); the planted-link case is not run');
  }
  r = await run('report', TINY, '-o', planted);
  assert.equal(r.code, 0, r.stderr);
  assert.match(fs.readFileSync(victim, 'utf8'), /^<!doctype html>/i, 'our own link is followed');
  assert.ok(fs.lstatSync(planted).isSymbolicLink());
});

// ---------- terminal safety ----------

test('the CLI prints control characters from a snapshot as escapes; --json stays exact', async (t) => {
  const dir = tempDir(t);
  const evil = 'Evil\u001b[2J\u001b[31mRED\rFAKE\u009b1m\u202eeman';
  const text = fs.readFileSync(TINY, 'utf8').replace('"strings":["<dummy>","","A"', `"strings":["<dummy>","",${JSON.stringify(evil)}`);
  const crafted = path.join(dir, 'crafted.heapsnapshot');
  fs.writeFileSync(crafted, text);
  for (const args of [['summary', crafted], ['top', crafted], ['path', crafted, '@3']]) {
    const r = await run(...args);
    assert.equal(r.code, 0, `${args[0]}: ${r.stderr}`);
    assert.doesNotMatch(r.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/, `${args[0]} prints no control character`);
    assert.match(r.stdout, /Evil\\x1b\[2J\\x1b\[31mRED\\rFAKE\\x9b1m\\u202eeman/, `${args[0]} shows them escaped`);
  }
  const j = JSON.parse((await run('summary', crafted, '--json')).stdout);
  assert.ok(j.classes.some((c) => c.className === evil), 'JSON output keeps the exact string');
  // An error line naming a crafted file name is escaped too.
  const r = await run('summary', path.join(dir, 'no\u001b[2Jsuch'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no\\x1b\[2Jsuch/);
});

// ---------- the host never crashes or hangs ----------

test('bad input never crashes the host: throwing onProgress, push during finish, bad options and names', async (t) => {
  const boom = new Error('progress display broke');
  await assert.rejects(HeapSnapshot.open(SMALL, { onProgress: () => { throw boom; } }), (err) => err === boom);
  let calls = 0;
  await assert.rejects(
    HeapSnapshot.open(SMALL, { onProgress: () => { if (++calls === 2) throw boom; } }),
    (err) => err === boom,
  );

  const p = new Parser();
  p.push(fs.readFileSync(SMALL));
  const finishing = p.finish();
  assert.throws(() => p.push('x'), { code: 'ERR_HEAPSNAP_STATE' });
  assert.throws(() => p.finishSync(), { code: 'ERR_HEAPSNAP_STATE' });
  (await finishing).dispose();

  for (const maxMemory of [NaN, 'abc', {}, null, -1]) {
    await assert.rejects(HeapSnapshot.open(SMALL, { maxMemory }), (err) => /^ERR_(INVALID_ARG_TYPE|OUT_OF_RANGE)$/.test(err.code), String(maxMemory));
    assert.throws(() => new Parser({ maxMemory }), (err) => /^ERR_(INVALID_ARG_TYPE|OUT_OF_RANGE)$/.test(err.code));
  }
  await assert.rejects(HeapSnapshot.open(SMALL, { signal: 'x' }), { code: 'ERR_INVALID_ARG_TYPE' });

  // A name with NUL or too long fails before a snapshot is taken (fast: no capture happened), and
  // before a target process is signalled (its inspector never opens).
  const dir = tempDir(t);
  const target = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.after(() => target.kill('SIGKILL'));
  let targetErr = '';
  target.stderr.on('data', (d) => (targetErr += d));
  await new Promise((r) => setTimeout(r, 300));
  for (const name of ['a\u0000b.heapsnapshot', `${'x'.repeat(300)}.heapsnapshot`]) {
    const t0 = Date.now();
    assert.throws(() => writeHeapSnapshot(name, { dir }), { code: 'ERR_HEAPSNAP_CAPTURE' });
    await assert.rejects(heapsnap.captureRemote({ pid: target.pid }, { file: name, dir }), { code: 'ERR_HEAPSNAP_CAPTURE' });
    assert.ok(Date.now() - t0 < 1000, 'refused before capturing');
  }
  await new Promise((r) => setTimeout(r, 200));
  assert.doesNotMatch(targetErr, /Debugger listening/);
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('a FIFO with no writer never blocks a thread: abort rejects and the process exits; with a writer it parses', async (t) => {
  const dir = tempDir(t);
  const fifo = path.join(dir, 'in.fifo');
  execFileSync('mkfifo', [fifo]);
  const r = await runChild(
    `import { createRequire } from 'node:module';
     const { HeapSnapshot } = createRequire(import.meta.url)(${INDEX});
     const ac = new AbortController();
     setTimeout(() => ac.abort(), 200);
     await HeapSnapshot.open(process.argv[1], { signal: ac.signal }).catch((e) => console.log(e.code));`,
    [fifo],
    { timeout: 10000 },
  );
  assert.equal(r.signal, null, 'the process exited on its own after the abort');
  assert.equal(r.stdout.trim(), 'ABORT_ERR', r.stderr);

  const writer = spawn('sh', ['-c', 'cat "$0" > "$1"', SMALL, fifo], { stdio: 'ignore' });
  t.after(() => writer.kill());
  const snap = await HeapSnapshot.open(fifo);
  assert.equal(snap.nodeCount, (await HeapSnapshot.open(SMALL)).nodeCount);
  snap.dispose();
  assert.throws(() => HeapSnapshot.openSync(fifo), { code: 'ERR_HEAPSNAP_IO' });
});

// ---------- memory ----------

test('memory: an endless stream stops with ERR_HEAPSNAP_MEMORY; the default cap respects RLIMIT_AS', async () => {
  async function* endless() {
    yield '{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["hidden"],"string","number","number","number"],' +
      '"edge_fields":["type","name_or_index","to_node"],"edge_types":[["element"],"string_or_number","node"]},"node_count":1,"edge_count":0},"nodes":[';
    const chunk = Buffer.from('0,0,1,0,0,'.repeat(10000));
    for (;;) yield chunk;
  }
  await assert.rejects(HeapSnapshot.fromStream(endless(), { maxMemory: 20 << 20 }), (err) => {
    assert.equal(err.code, 'ERR_HEAPSNAP_MEMORY');
    assert.match(err.message, /snapshot stream.*maxMemory/);
    return true;
  });

  // Under `ulimit -v`, the default cap is what the address space leaves, not the machine's free memory.
  const r = await runChild(
    `import { createRequire } from 'node:module';
     import fs from 'node:fs';
     const { HeapSnapshot, Parser } = createRequire(import.meta.url)(${INDEX});
     const big = process.argv[1] + '/heapsnap-big-' + process.pid + '.heapsnapshot';
     fs.writeFileSync(big, '');
     fs.truncateSync(big, 2 * 1024 ** 3);
     const out = [];
     await HeapSnapshot.open(big).catch((e) => out.push(e.code, e.message));
     try { new Parser().push('{'); out.push('small push ok'); } catch (e) { out.push(e.code); }
     fs.rmSync(big);
     console.log(JSON.stringify(out));`,
    [os.tmpdir()],
    { shell: 'ulimit -v 2000000' },
  );
  const out = JSON.parse(r.stdout.trim().split('\n').pop() || 'null');
  assert.ok(out, r.stderr);
  assert.equal(out[0], 'ERR_HEAPSNAP_MEMORY');
  assert.match(out[1], /RLIMIT_AS/);
  assert.equal(out[2], 'small push ok');
});

test('memory: V8 is told of the native memory a snapshot holds, and told again when dispose() or the GC frees it', async () => {
  const binding = require('../binding.js');
  const size = fs.statSync(SMALL).size;
  const bytes = fs.readFileSync(SMALL);
  // Measured around synchronous calls only: nothing else in this process allocates meanwhile.
  let base = binding.externalMemory();
  const snap = HeapSnapshot.openSync(SMALL);
  const held = binding.externalMemory() - base;
  assert.ok(held >= size, `V8 counts ${held} bytes for a ${size}-byte snapshot`);
  const parsed = new Parser();
  parsed.push(bytes);
  base = binding.externalMemory();
  const second = parsed.finishSync();
  const heldToo = binding.externalMemory() - base;
  assert.ok(heldToo >= size, 'each snapshot counts');
  base = binding.externalMemory();
  snap.dispose();
  second.dispose();
  assert.equal(base - binding.externalMemory(), held + heldToo, 'dispose() gives it back');
  // Dropped without dispose(): the GC finalizes it and V8's count goes back down; an aborted open
  // leaves nothing counted.
  const r = await runChild(
    `import { createRequire } from 'node:module';
     const require = createRequire(import.meta.url);
     const binding = require(${JSON.stringify(path.join(repo, 'binding.js'))});
     const { HeapSnapshot } = require(${INDEX});
     const base = binding.externalMemory();
     let snap = await HeapSnapshot.open(process.argv[1]);
     const held = binding.externalMemory() - base;
     snap = null;
     for (let i = 0; i < 10 && binding.externalMemory() - base > 64 * 1024; i++) { globalThis.gc(); await new Promise((r) => setImmediate(r)); }
     const afterGc = binding.externalMemory() - base;
     const ac = new AbortController();
     const p = HeapSnapshot.open(process.argv[1], { signal: ac.signal });
     ac.abort();
     const code = await p.then(() => 'resolved', (e) => e.code);
     await new Promise((r) => setTimeout(r, 300));
     console.log(JSON.stringify({ held, afterGc, code, afterAbort: binding.externalMemory() - base }));`,
    [SMALL],
    { nodeArgs: ['--expose-gc'] },
  );
  const out = JSON.parse(r.stdout.trim().split('\n').pop() || 'null');
  assert.ok(out, r.stderr);
  assert.ok(out.held >= size);
  assert.ok(out.afterGc < 64 * 1024, `after GC: ${out.afterGc}`);
  assert.equal(out.code, 'ABORT_ERR');
  assert.ok(out.afterAbort < 64 * 1024, `after abort: ${out.afterAbort}`);
});

test('analyzeInWorker: a snapshot too big for the memory left gives outOfMemory: true, as a child that dies of it does', async () => {
  // Under `ulimit -v` the child refuses before reading (the default cap respects RLIMIT_AS): the
  // parent's error says it was memory.
  const r = await runChild(
    `import { createRequire } from 'node:module';
     import fs from 'node:fs';
     const { analyzeInWorker } = createRequire(import.meta.url)(${INDEX});
     const big = process.argv[1] + '/heapsnap-oom-' + process.pid + '.heapsnapshot';
     fs.writeFileSync(big, '');
     fs.truncateSync(big, 2 * 1024 ** 3);
     const err = await analyzeInWorker(big, 'summary').then(() => null, (e) => e);
     fs.rmSync(big);
     console.log(JSON.stringify({ code: err && err.code, outOfMemory: err && err.outOfMemory }));`,
    [os.tmpdir()],
    { shell: 'ulimit -v 3000000' },
  );
  const out = JSON.parse(r.stdout.trim().split('\n').pop() || 'null');
  assert.ok(out, r.stderr);
  assert.deepEqual(out, { code: 'ERR_HEAPSNAP_MEMORY', outOfMemory: true });
});

test('diff and findLeaks of snapshots from different processes: ERR_HEAPSNAP_MISMATCH unless allowMismatch', async (t) => {
  const dir = tempDir(t);
  // Two processes running almost the same script, and two snapshots of one of them.
  const script = (extra) => `globalThis.x = []; for (let i = 0; i < 1000; i++) x.push({ i }); ${extra}`;
  const write = (name) => `require('v8').writeHeapSnapshot(${JSON.stringify(path.join(dir, name))});`;
  execFileSync(process.execPath, ['-e', script(write('other.heapsnapshot'))]);
  execFileSync(process.execPath, ['-e', script(`${write('a.heapsnapshot')} for (let i = 0; i < 1000; i++) x.push(new Map()); ${write('b.heapsnapshot')} x.length = 0; ${write('c.heapsnapshot')}`)]);
  const [other, a, b, c] = ['other', 'a', 'b', 'c'].map((n) => path.join(dir, `${n}.heapsnapshot`));

  assert.ok((await heapsnap.diff(a, b)).length > 0, 'one process: compared');
  await assert.rejects(heapsnap.diff(other, b), (err) => {
    assert.equal(err.code, 'ERR_HEAPSNAP_MISMATCH');
    assert.match(err.message, /base and current look like snapshots of different processes \(only \d+% of \d+ objects with the same id/);
    return true;
  });
  assert.ok((await heapsnap.diff(other, b, { allowMismatch: true })).length > 0, 'insisted: compared');
  await assert.rejects(heapsnap.diff(a, b, { allowMismatch: 'yes' }), { code: 'ERR_INVALID_ARG_TYPE' });

  const [so, sa, sb, sc] = await Promise.all([other, a, b, c].map((f) => HeapSnapshot.open(f)));
  try {
    await heapsnap.findLeaks({ baseline: sa, target: sb, final: sc });
    await assert.rejects(heapsnap.findLeaks({ baseline: so, target: sb, final: sc }), { code: 'ERR_HEAPSNAP_MISMATCH' });
    await heapsnap.findLeaks({ baseline: so, target: sb, final: sc }, { allowMismatch: true });
  } finally {
    for (const s of [so, sa, sb, sc]) s.dispose();
  }

  // The CLI: bad input (exit 2) with the code; --allow-mismatch insists.
  let r = await run('diff', other, b);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /different processes.*\[ERR_HEAPSNAP_MISMATCH\]/);
  r = await run('diff', other, b, '--allow-mismatch');
  assert.equal(r.code, 0, r.stderr);
});
