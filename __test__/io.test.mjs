// The package's one of each: the atomic file writer (lib/fs.js), the stream pump (lib/streams.js,
// through HeapSnapshot.fromStream and the capture paths), paths given as file: URLs (a space in
// the path included), and the errors module (Node's codes, one AbortError).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync, writeFileSync, statSync, readdirSync, mkdirSync, symlinkSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Readable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { tempDir } from './support/programs.mjs';
import { repo } from './support/oracle.mjs';

const require = createRequire(import.meta.url);
const { HeapSnapshot, diff, findLeaks, findGrowth, analyzeInWorker, writeHeapSnapshot } = require('../index.js');
const { AtomicFile, writeFileAtomic } = require('../lib/fs.js');
const { pump } = require('../lib/streams.js');
const errors = require('../lib/errors.js');

const mode = (p) => statSync(p).mode & 0o777;

/** A small snapshot of a child process, in a directory whose name has a space and a percent sign. */
function spacedSnapshots(t) {
  const dir = join(tempDir(t), 'my snapshots 100%');
  mkdirSync(dir);
  execFileSync(process.execPath, [join(repo, '__test__', 'fixtures', 'leak-scenario.js'), 'requestArray', 'leaky', dir, '10']);
  return ['baseline', 'target', 'final'].map((n) => join(dir, `${n}.heapsnapshot`));
}

test('file: URLs work wherever a path does, a space (%20) in the path included', async (t) => {
  const [b, tg, f] = spacedSnapshots(t);
  const url = pathToFileURL(f);
  assert.match(url.href, /my%20snapshots%20100%25/);
  const byPath = await HeapSnapshot.open(f);
  const byUrl = await HeapSnapshot.open(url);
  assert.equal(byUrl.nodeCount, byPath.nodeCount);
  assert.equal(HeapSnapshot.openSync(url).nodeCount, byPath.nodeCount);
  byPath.dispose();
  byUrl.dispose();
  const rows = await diff(pathToFileURL(b), pathToFileURL(tg));
  assert.equal(rows.find((r) => r.className === 'RequestRecord').addedCount, 10);
  const report = await findLeaks({ baseline: pathToFileURL(b), target: pathToFileURL(tg), final: url });
  assert.equal(report.clusters[0].className, 'RequestRecord');
  const growth = await findGrowth([pathToFileURL(b), pathToFileURL(tg)]);
  assert.ok(Array.isArray(growth.classes));
  const summary = await analyzeInWorker(url, 'summary');
  assert.ok(summary.some((r) => r.className === 'RequestRecord'));
  const written = writeHeapSnapshot('w.heapsnapshot', { dir: pathToFileURL(join(f, '..')) });
  assert.equal(written, join(f, '..', 'w.heapsnapshot'));
  await assert.rejects(HeapSnapshot.open(42), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(HeapSnapshot.open(new URL('https://example.com/x.heapsnapshot')), { code: 'ERR_INVALID_URL_SCHEME' });
});

test('HeapSnapshot.fromStream: a file stream, an async iterable of strings; errors, early ends and aborts', async (t) => {
  const [, , f] = spacedSnapshots(t);
  const expected = HeapSnapshot.openSync(f);
  const fromFile = await HeapSnapshot.fromStream(createReadStream(f, { highWaterMark: 4096 }));
  assert.equal(fromFile.nodeCount, expected.nodeCount);
  assert.equal(fromFile.totalSize, expected.totalSize);
  const text = readFileSync(f, 'utf8');
  async function* strings() {
    for (let i = 0; i < text.length; i += 10007) yield text.slice(i, i + 10007);
  }
  assert.equal((await HeapSnapshot.fromStream(strings())).nodeCount, expected.nodeCount);
  expected.dispose();

  // The stream's own error reaches the caller as it is.
  const failing = new Readable({ read() {} });
  failing.push(text.slice(0, 1000));
  setImmediate(() => failing.destroy(Object.assign(new Error('disk went away'), { code: 'EIO' })));
  await assert.rejects(HeapSnapshot.fromStream(failing), { code: 'EIO' });
  // A stream that is destroyed before its end does not hang.
  const cut = new Readable({ read() {} });
  cut.push(text.slice(0, 1000));
  setImmediate(() => cut.destroy());
  await assert.rejects(HeapSnapshot.fromStream(cut), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
  // Bad bytes fail with the parser's code, and stop the stream.
  const bad = Readable.from(['{"snapshot": nope']);
  await assert.rejects(HeapSnapshot.fromStream(bad), { code: 'ERR_HEAPSNAP_PARSE' });
  assert.ok(bad.destroyed);
  // An abort rejects with our AbortError and the reason as cause.
  const ac = new AbortController();
  const slow = new Readable({ read() {} });
  slow.push(text.slice(0, 1000));
  setImmediate(() => ac.abort(new Error('user left')));
  await assert.rejects(HeapSnapshot.fromStream(slow, { signal: ac.signal }), (err) => {
    assert.equal(err.name, 'AbortError');
    assert.equal(err.code, 'ABORT_ERR');
    assert.equal(err.cause.message, 'user left');
    return true;
  });
  assert.ok(slow.destroyed);
  await assert.rejects(HeapSnapshot.fromStream('not a stream'), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('the atomic writer: 0600 whatever the umask, whole or nothing, only ever over a regular file', async (t) => {
  const dir = tempDir(t);
  const old = process.umask(0);
  try {
    const f = join(dir, 'report.html');
    assert.equal(writeFileAtomic(f, 'one'), 3);
    assert.equal(mode(f), 0o600);
    writeFileSync(join(dir, 'other'), 'x', { mode: 0o644 });
    assert.equal(writeFileAtomic(join(dir, 'other'), 'two'), 3, 'replaces a regular file');
    assert.equal(mode(join(dir, 'other')), 0o600);

    // Through a symlink: the file it names is replaced, the link stays.
    const real = join(dir, 'real.txt');
    writeFileSync(real, 'old');
    symlinkSync(real, join(dir, 'link.txt'));
    writeFileAtomic(join(dir, 'link.txt'), 'new');
    assert.equal(readFileSync(real, 'utf8'), 'new');
    assert.ok(statSync(join(dir, 'link.txt')).isFile());

    // Never a directory, a FIFO or a dangling link.
    mkdirSync(join(dir, 'a-dir'));
    assert.throws(() => writeFileAtomic(join(dir, 'a-dir'), 'x'), (err) => err.code === 'ERR_HEAPSNAP_CAPTURE' && /a directory/.test(err.message));
    execFileSync('mkfifo', [join(dir, 'a-fifo')]);
    assert.throws(() => writeFileAtomic(join(dir, 'a-fifo'), 'x'), (err) => err.code === 'ERR_HEAPSNAP_CAPTURE' && /FIFO/.test(err.message));
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
    assert.throws(() => writeFileAtomic(join(dir, 'dangling'), 'x'), { code: 'ERR_HEAPSNAP_CAPTURE' });
    assert.throws(() => new AtomicFile(join(dir, 'a-dir')), { code: 'ERR_HEAPSNAP_CAPTURE' });
    assert.throws(() => writeHeapSnapshot('a-dir', { dir }), { code: 'ERR_HEAPSNAP_CAPTURE' });
    assert.throws(() => writeFileAtomic(join(dir, 'missing', 'x'), 'x'), (err) => err.code === 'ERR_HEAPSNAP_CAPTURE' && /ENOENT/.test(err.message));

    // A stream into an AtomicFile: nothing under the final name until it is complete.
    const target = join(dir, 'streamed.heapsnapshot');
    const file = new AtomicFile(target);
    file.write('{"snapshot":');
    assert.equal(existsSync(target), false);
    await pump(Readable.from(['1', '2', '}']), file);
    assert.equal(readFileSync(target, 'utf8'), '{"snapshot":12}');
    assert.equal(mode(target), 0o600);

    // A source that fails: no file, no temporary file.
    const broken = new Readable({ read() {} });
    broken.push('partial');
    setImmediate(() => broken.destroy(new Error('gone')));
    await assert.rejects(pump(broken, new AtomicFile(join(dir, 'never.heapsnapshot')), { capture: true, what: 'the test stream' }), (err) => {
      assert.equal(err.code, 'ERR_HEAPSNAP_CAPTURE');
      assert.match(err.message, /reading the test stream failed: gone/);
      return true;
    });
    assert.equal(existsSync(join(dir, 'never.heapsnapshot')), false);
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temporary file is left');
  } finally {
    process.umask(old);
  }
});

test("errors: Node's codes for bad arguments, one AbortError shaped like Node's", async () => {
  const ac = new AbortController();
  ac.abort(new Error('why'));
  const ours = errors.abortError(ac.signal, 'Reading x');
  let nodes;
  try {
    await new Promise((resolve, reject) => {
      const { setTimeout: wait } = require('node:timers/promises');
      wait(10, null, { signal: ac.signal }).then(resolve, reject);
    });
  } catch (e) {
    nodes = e;
  }
  assert.equal(ours.name, nodes.name);
  assert.equal(ours.code, nodes.code);
  assert.equal(ours.cause, ac.signal.reason);
  assert.equal(ours.message, 'Reading x was aborted');
  assert.ok(ours instanceof errors.AbortError && ours instanceof Error);

  assert.throws(() => errors.validateInteger('3', 'options.limit'), { code: 'ERR_INVALID_ARG_TYPE', name: 'TypeError', message: /options\.limit must be a number\. Received type string \('3'\)/ });
  assert.throws(() => errors.validateInteger(1.5, 'options.limit'), { code: 'ERR_OUT_OF_RANGE', name: 'RangeError' });
  assert.throws(() => errors.validateInteger(0, 'options.limit', 1), { code: 'ERR_OUT_OF_RANGE', message: /must be >= 1\. Received 0/ });
  assert.throws(() => errors.validateObject(null, 'options'), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => errors.validateObject([], 'options'), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => errors.validateAbortSignal({}, 'options.signal'), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => errors.validateOneOf('x', 'task', ['a', 'b']), { code: 'ERR_INVALID_ARG_VALUE', message: /must be one of: 'a', 'b'/ });
  assert.throws(() => errors.validateFunction(1, 'fn'), { code: 'ERR_INVALID_ARG_TYPE' });

  // Errors from the engine arrive as real errors: a code, a field and an offset, a plain message.
  const parser = new HeapSnapshot.Parser();
  assert.throws(() => parser.push('hello'), (err) => {
    assert.ok(err instanceof Error);
    assert.equal(err.code, 'ERR_HEAPSNAP_PARSE');
    assert.equal(typeof err.offset, 'number');
    assert.equal(typeof err.field, 'string');
    assert.doesNotMatch(err.message, /^[A-Z_]+\|/, 'no string protocol left in the message');
    return true;
  });

  // The public API validates its options the same way.
  await assert.rejects(HeapSnapshot.open('x.heapsnapshot', { signal: 'nope' }), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(HeapSnapshot.open('x.heapsnapshot', { onProgress: 1 }), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(HeapSnapshot.open('x.heapsnapshot', { maxMemory: -1 }), { code: 'ERR_OUT_OF_RANGE' });
  await assert.rejects(HeapSnapshot.open('x.heapsnapshot', null), { code: 'ERR_INVALID_ARG_TYPE' });
});
