// assertNoLeak's two stages (lib/testing/screen.js, exact.js): the allocation screen passes clean
// code without a heap snapshot and never passes a leak the three-snapshot method reports; the
// exact stage's one snapshot names the class, where its objects were allocated and what holds
// them. Also: timeout and abort while fn never settles, option checks, the synchronous form, and
// the interplay with other users of V8's heap profiler (another sampling profiler, --heap-prof,
// --inspect) and with optimized code. Every kind of leak, the agreement with the three-snapshot
// method, and long runs: __test__/stress/assertions.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import inspector from 'node:inspector';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { leaks, clean, leaky, allClean } from './support/leak-patterns.mjs';
import { leakOf, expectCaught } from './support/leak-checks.mjs';

const require = createRequire(import.meta.url);
const { assertNoLeak } = require('./fixtures/runners/heapsnap.js');
const { matchers } = require('../lib/testing/matchers.js');
const ownSession = require('../lib/testing/inspector.js');
const repo = fileURLToPath(new URL('..', import.meta.url));

// Every kind of leak (closures, listeners, every other call, worker replies too), each checked
// this way, and the agreement with the three-snapshot method over every pattern:
// __test__/stress/assertions.test.mjs (npm run test:stress).
test('leaks of an object, of strings only, of a bound Node function are caught, with class, count, allocation site and holder', async (t) => {
  for (const name of ['object', 'strings', 'boundNodeFunction']) await expectCaught(t, name, leaks[name]);
  // The frame names the user's function and file.
  const { report } = await leakOf(leaks.object.fn);
  assert.equal(report.leaks[0].allocatedAt.functionName, 'leaky');
  assert.match(report.leaks[0].allocatedAt.url, /leak-patterns\.mjs$/);
});

test('clean code passes, decided by the screen without a heap snapshot once warmed up', async (t) => {
  for (const [name, fn] of Object.entries(clean)) {
    const first = await assertNoLeak(fn);
    assert.deepEqual(first.leaks, [], name);
    // Once warmed up the screen decides; on a loaded machine one-time work of V8 (tiering up
    // the code of a round) can still fall into every round of one check, so up to three tries.
    const tries = [];
    let again;
    do {
      again = await assertNoLeak(fn);
      assert.deepEqual(again.leaks, [], name);
      tries.push(`${again.method} ${again.screen.objects.join('/')}`);
    } while (again.method !== 'screen' && tries.length < 3);
    assert.equal(again.method, 'screen', `${name}: ${tries.join(', ')}`);
    t.diagnostic(`${name}: first ${first.method} ${first.screen.objects?.join('/')}, again ${tries.join(', ')} in ${Math.round(again.durationMs)} ms`);
  }
});

test('deterministic, short (50 runs in test:stress): 3 × no false positive, every leak caught', async () => {
  for (let run = 0; run < 3; run++) {
    assert.deepEqual((await assertNoLeak(allClean)).leaks, [], `run ${run}`);
    const { report } = await leakOf(leaks.object.fn);
    assert.ok(report?.leaks.some((l) => l.className === 'Leaky' && l.count === 10), `run ${run}`);
  }
});

/** Whether this thread's heap profiler still pushes heap statistics (tracking left on). */
async function trackingEvents(ms) {
  let n = 0;
  const s = ownSession.session();
  const count = () => n++;
  s.on('HeapProfiler.lastSeenObjectId', count);
  await new Promise((resolve) => setTimeout(resolve, ms));
  s.off('HeapProfiler.lastSeenObjectId', count);
  return n;
}
const samplingRuns = () => {
  try {
    ownSession.post('HeapProfiler.getSamplingProfile');
    return true;
  } catch {
    return false;
  }
};

test('timeout and abort reject at once while fn never settles, and leave no profiler running', async () => {
  const never = () => new Promise(() => {});
  await assert.rejects(assertNoLeak(never, { timeout: 200 }), (err) => {
    assert.equal(err.name, 'AbortError');
    assert.equal(err.code, 'ABORT_ERR');
    assert.equal(err.cause?.name, 'TimeoutError');
    assert.match(err.message, /assertNoLeak timed out after 200 ms/);
    return true;
  });
  const ac = new AbortController();
  let calls = 0;
  await assert.rejects(
    assertNoLeak(() => (++calls === 20 ? (setTimeout(() => ac.abort(new Error('stop')), 20), never()) : undefined), { signal: ac.signal }),
    (err) => err.name === 'AbortError' && err.cause?.message === 'stop',
  );
  assert.equal(calls, 20);
  assert.equal(samplingRuns(), false, 'sampling stopped');
  // A timeout in the exact stage (fn leaks, then stops settling): tracking is stopped too.
  const store = [];
  let n = 0;
  await assert.rejects(assertNoLeak(() => (++n > 40 ? never() : void store.push({ n })), { timeout: 3000 }), { name: 'AbortError' });
  assert.ok(n > 40, `the exact stage ran (${n} calls)`);
  assert.equal(await trackingEvents(300), 0, 'heap object tracking stopped');
  assert.equal(samplingRuns(), false);
  await assert.rejects(assertNoLeak(leaky, { signal: AbortSignal.abort() }), { name: 'AbortError' });
});

test('options: iterations and warmup are integers in range (1e9 is refused at once), timeout, screen', async () => {
  const noop = () => {};
  for (const bad of [1e9, 10_001, 1, 0, 1.5, -1, NaN, Infinity]) {
    await assert.rejects(assertNoLeak(noop, { iterations: bad }), { code: 'ERR_INVALID_ARG_VALUE' }, `iterations ${bad}`);
  }
  await assert.rejects(assertNoLeak(noop, { iterations: '10' }), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(assertNoLeak(noop, { warmup: -1 }), { code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(assertNoLeak(noop, { warmup: 1e9 }), { code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(assertNoLeak(noop, { timeout: 0 }), { code: 'ERR_OUT_OF_RANGE' });
  await assert.rejects(assertNoLeak(noop, { timeout: '1s' }), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(assertNoLeak(noop, { screen: 'no' }), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(assertNoLeak(noop, { signal: 'x' }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.equal((await assertNoLeak(noop, { iterations: 10_000, warmup: 0 })).method, 'screen');
  // screen: false skips the screen: the exact stage decides, clean or not.
  assert.equal((await assertNoLeak(noop, { screen: false })).method, 'snapshot');
});

test('the synchronous form (toLeak): same verdicts, nothing awaited; a promise from fn is an error', () => {
  const ctx = { isNot: true };
  const leaked = matchers.toLeak.call(ctx, leaky);
  assert.equal(leaked.pass, true);
  assert.match(leaked.message(), /Expected fn not to leak, but it did:\n1 class leaked[\s\S]*Leaky: 1 per iteration \(10 objects\)[\s\S]*allocated in leaky/);
  const fine = matchers.toLeak.call(ctx, clean.lazyCache);
  assert.equal(fine.pass, false);
  assert.match(fine.message(), /Expected fn to leak, but 10 calls left nothing behind/);
  assert.throws(() => matchers.toLeak.call(ctx, async () => {}), { code: 'ERR_INVALID_ARG_VALUE', message: /returned a promise/ });
  assert.throws(() => matchers.toLeak.call(ctx, leaky, { timeout: 10 }), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => matchers.toLeak.call(ctx, 42), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('another sampling heap profiler in the thread: checks stay exact and it keeps running', async () => {
  const other = new inspector.Session();
  other.connect();
  const post = (method, params) =>
    new Promise((resolve, reject) => other.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  try {
    await post('HeapProfiler.startSampling', { samplingInterval: 32768 });
    const { err, report } = await leakOf(leaks.object.fn);
    assert.ok(err);
    assert.equal(report.screen.verdict, 'unavailable');
    assert.ok(report.leaks.some((l) => l.className === 'Leaky' && l.count === 10));
    const r = await assertNoLeak(clean.lazyCache);
    assert.equal(r.method, 'snapshot');
    const { profile } = await post('HeapProfiler.getSamplingProfile');
    assert.ok(profile.head, 'the other profiler still runs');
    await post('HeapProfiler.stopSampling');
  } finally {
    // Not disconnected: that would disable its heap profiler, which clears the isolate's object ids.
  }
});

test('a passing check leaves the heap profiler as it found it: no sampling, object ids unchanged', async () => {
  const { result } = ownSession.post('Runtime.evaluate', { expression: 'globalThis', objectGroup: 'probe' });
  const { takeSnapshot } = require('../index.js');
  (await takeSnapshot()).dispose(); // every live object gets its id
  const idOf = () => ownSession.post('HeapProfiler.getHeapObjectId', { objectId: result.objectId }).heapSnapshotObjectId;
  const before = idOf();
  assert.notEqual(before, '0');
  const r = await assertNoLeak(clean.lazyCache);
  assert.equal(r.method, 'screen');
  assert.equal(idOf(), before);
  assert.equal(samplingRuns(), false);
  ownSession.post('Runtime.releaseObjectGroup', { objectGroup: 'probe' });
});

// ---- in child processes: flags of their own -------------------------------------------------

function child(flags, body) {
  const code = `
    const { assertNoLeak } = require(${JSON.stringify(join(repo, 'index.js'))});
    const out = (x) => process.stdout.write(JSON.stringify(x) + '\\n');
    class Leaky { constructor(i) { this.i = i; } }
    const store = [];
    (async () => { ${body} })().catch((e) => { out({ error: e.stack }); process.exitCode = 1; });`;
  const r = spawnSync(process.execPath, [...flags, '-e', code], { encoding: 'utf8', timeout: 300_000, cwd: tmp });
  const lines = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return { ...r, lines };
}
const tmp = mkdtempSync(join(tmpdir(), 'heapsnap-screen-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const verdicts = `
  const verdict = async (fn) => { try { const r = await assertNoLeak(fn); return { pass: true, method: r.method, screen: r.screen }; }
    catch (e) { return { pass: false, code: e.code, method: e.report?.method, screen: e.report?.screen, leaks: e.report?.leaks?.map((l) => l.className + 'x' + l.count) }; } };
  out(await verdict(() => void store.push(new Leaky(1))));
  out(await verdict(() => new Leaky(2).i));`;

test('node --heap-prof: checks stay exact and Node still writes its heap profile', () => {
  const dir = mkdtempSync(join(tmp, 'prof-'));
  const r = child(['--heap-prof', `--heap-prof-dir=${dir}`], verdicts);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const [leaked, fine] = r.lines;
  assert.deepEqual([leaked.pass, leaked.leaks, leaked.screen.verdict], [false, ['Leakyx10'], 'unavailable']);
  assert.deepEqual([fine.pass, fine.method], [true, 'snapshot']);
  assert.ok(readdirSync(dir).some((f) => f.endsWith('.heapprofile')), 'the .heapprofile was written');
});

test('node --inspect: a failing check keeps heap object ids (DevTools may compare snapshots by id)', () => {
  const r = child(
    ['--inspect=127.0.0.1:0'],
    `
    const inspector = require('node:inspector');
    const s = new inspector.Session(); s.connect();
    const post = (m, p) => { let out; s.post(m, p, (e, r) => { if (e) throw e; out = r; }); return out; };
    const { result } = post('Runtime.evaluate', { expression: 'globalThis' });
    const { takeSnapshot } = require(${JSON.stringify(join(repo, 'index.js'))});
    (await takeSnapshot()).dispose();
    const idOf = () => post('HeapProfiler.getHeapObjectId', { objectId: result.objectId }).heapSnapshotObjectId;
    const before = idOf();
    ${verdicts}
    out({ before, after: idOf() });
    inspector.close();`,
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const [leaked, fine, ids] = r.lines;
  assert.deepEqual([leaked.pass, leaked.leaks], [false, ['Leakyx10']]);
  assert.equal(fine.pass, true);
  assert.notEqual(ids.before, '0');
  assert.equal(ids.after, ids.before);
});

test('a leak in optimized code compiled after the first check is caught even behind a folded temporary', () => {
  const r = child(
    ['--allow-natives-syntax'],
    `
    await assertNoLeak(() => {}); // the first check turns allocation folding off for code optimized later
    let sink;
    function opaque(x) { sink = x; }
    %NeverOptimizeFunction(opaque);
    // Two neighbouring allocations, the first a temporary: folded, the profiler would see one.
    function make(i) { const tmp = { t: i }; const keep = { k: i }; opaque(tmp); return keep; }
    %PrepareFunctionForOptimization(make);
    make(1); make(2);
    %OptimizeFunctionOnNextCall(make);
    make(3);
    out({ optimized: (%GetOptimizationStatus(make) & 16) !== 0 });
    try { await assertNoLeak(() => void store.push(make(4))); out({ pass: true }); }
    catch (e) { out({ pass: false, method: e.report?.method, leaks: e.report?.leaks?.map((l) => l.className + 'x' + l.count) }); }`,
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const [status, verdict] = r.lines;
  assert.equal(status.optimized, true);
  assert.equal(verdict.pass, false);
  assert.equal(verdict.method, 'snapshot');
  assert.match(verdict.leaks.join(), /^(Object|\{k\})x10$/);
});
