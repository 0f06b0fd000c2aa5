// heapsnap's test-suite assertions (lib/testing), in this process, one fast check of each kind:
// assertNoLeak's verdicts and the LeakError a user reads, its option checks and abort, track/
// assertCollected both ways, exact instance counts, and assertNoLeak inside a worker thread. No
// --expose-gc: the library must get its own GC. The rest of the matrix (more kinds of leak,
// ignore, iterations, async functions, ids against the inspector's, track in a worker):
// __test__/stress/testing.test.mjs; determinism over 50 runs and the JS heap over repeated calls:
// __test__/stress/assertions.test.mjs (npm run test:stress).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { leaky, allClean } from './support/leak-patterns.mjs';
import { runWorker } from './support/runners.mjs';

const require = createRequire(import.meta.url);
const { assertNoLeak, track, assertCollected, countInstances, expectInstances, LeakError } = require('./fixtures/runners/heapsnap.js');

test('assertNoLeak passes non-leaky code and names the leak of a leaky one', async (t) => {
  // every clean pattern in one function (each on its own: __test__/stress/testing.test.mjs)
  assert.deepEqual((await assertNoLeak(allClean)).leaks, []);
  await assert.rejects(assertNoLeak(leaky), (err) => {
    assert.ok(err instanceof LeakError && err instanceof Error);
    assert.equal(err.name, 'LeakError');
    assert.equal(err.code, 'ERR_HEAPSNAP_LEAK');
    assert.match(err.message, /^1 class leaked: objects created by 10 calls are still alive after 10 more calls/);
    assert.match(err.message, /\n {2}Leaky: 1 per iteration \(10 objects\), retaining \d+(\.\d)? (B|KB)\n/);
    assert.match(err.message, /->leakyStore \(Array\) → \[\d+\] \(Leaky @\d+\)$/);
    // the holder findLeaks names (the variable and its module), then the path from it
    assert.match(err.message, /\n {4}held by leakyStore \(Array\) ← leak-patterns\.mjs\n {4}allocated in leaky \(.*leak-patterns\.mjs:\d+:\d+\)\n {4}leak-patterns\.mjs → ->leakyStore/);
    const [leak] = err.report.leaks;
    assert.equal(err.report.kind, 'assertNoLeak');
    assert.equal(err.report.iterations, 10);
    assert.equal(err.report.threshold, 5);
    assert.equal(leak.className, 'Leaky');
    assert.equal(leak.count, 10);
    assert.equal(leak.perIteration, 1);
    assert.equal(leak.holder.name, 'leakyStore');
    assert.equal(leak.name, 'Leaky');
    assert.match(leak.location.url, /leak-patterns\.mjs$/);
    assert.ok(leak.retainedSize >= leak.shallowSize && leak.shallowSize > 0);
    assert.ok(leak.pathSteps.some((s) => s.edgeName === 'leakyStore'));
    assert.equal(leak.path, leak.pathSteps.length ? leak.path : '');
    t.diagnostic(err.message);
    return true;
  });
});

test('assertNoLeak options: abort, bad arguments', async () => {
  const ac = new AbortController();
  let calls = 0;
  await assert.rejects(
    assertNoLeak(() => {
      if (++calls === 3) ac.abort();
    }, { signal: ac.signal }),
    { name: 'AbortError', code: 'ABORT_ERR' },
  );
  assert.equal(calls, 3);
  await assert.rejects(assertNoLeak('nope'), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(assertNoLeak(leaky, { iterations: 1 }), { code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(assertNoLeak(leaky, { ignore: [42] }), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('assertNoLeak propagates errors thrown by fn and leaves no temporary files', async (t) => {
  const { readdirSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  // a temporary directory of its own: test files running alongside this one use heapsnap-test-* too
  const own = mkdtempSync(join(tmpdir(), 'heapsnap-tmpcheck-'));
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = own;
  t.after(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    rmSync(own, { recursive: true, force: true });
  });
  const before = readdirSync(tmpdir()).filter((f) => f.startsWith('heapsnap-test-')).length;
  let n = 0;
  await assert.rejects(
    assertNoLeak(() => {
      if (++n === 5) throw new Error('boom');
    }),
    /boom/,
  );
  const after = readdirSync(tmpdir()).filter((f) => f.startsWith('heapsnap-test-')).length;
  assert.equal(after, before);
});

class Tracked {
  constructor(name) {
    this.name = name;
  }
}

test('track + assertCollected: passes when collected, names the holder when not', async (t) => {
  const a = { obj: new Tracked('a') };
  globalThis.trackHolder = a;
  let cacheVar = new Tracked('closure-held');
  const keep = () => cacheVar;
  const h1 = track(a.obj, 'global-held');
  const h2 = track(cacheVar);
  assert.equal(h2.label, 'Tracked');
  assert.equal(h1.collected, false);
  let started = performance.now();
  await assert.rejects(assertCollected(h1, h2), (err) => {
    assert.equal(err.name, 'LeakError');
    assert.equal(err.code, 'ERR_HEAPSNAP_LEAK');
    assert.equal(err.report.kind, 'assertCollected');
    assert.equal(err.report.leaks.length, 2);
    assert.match(err.message, /"global-held" \(Tracked @\d+\), retained by:\n {4}global → \.trackHolder \(Object\) → \.obj \(Tracked @\d+\)/);
    assert.match(err.message, /"Tracked" \(Tracked @\d+\), retained by:\n {4}.*->cacheVar \(Tracked @\d+\)/);
    return true;
  });
  const alive = performance.now() - started;
  delete globalThis.trackHolder;
  a.obj = null;
  cacheVar = null;
  keep();
  started = performance.now();
  await h1.assertCollected();
  await assertCollected([h1, h2]);
  const gone = performance.now() - started;
  assert.equal(h1.collected, true);
  t.diagnostic(`assertCollected: collected ${(gone / 2).toFixed(0)} ms per call (no snapshot); still alive ${alive.toFixed(0)} ms (one snapshot)`);
  assert.throws(() => track(42), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(assertCollected({}), { code: 'ERR_INVALID_ARG_TYPE' });
});

class Counted {}
test('countInstances and expectInstances give exact counts; a wrong count names the holder', async () => {
  const held = [new Counted(), new Counted(), new Counted()];
  globalThis.countedHolder = held;
  assert.equal(await countInstances('Counted'), 3);
  await assert.rejects(expectInstances('Counted', 2), (err) => {
    assert.equal(err.code, 'ERR_HEAPSNAP_LEAK');
    assert.match(err.message, /^expected 2 live Counted instance\(s\), found 3; the newest \(@\d+\) is retained by:\n {4}global → \.countedHolder \(Array\) → \[\d\] \(Counted @\d+\)$/);
    assert.equal(err.report.count, 3);
    return true;
  });
  delete globalThis.countedHolder;
  await assert.rejects(countInstances(''), { code: 'ERR_INVALID_ARG_TYPE' });
});

class Pooled {}
class PooledChild extends Pooled {}
test('given the constructor, countInstances and expectInstances count without a snapshot (exactly that class, not subclasses or prototypes)', async () => {
  const held = [new Pooled(), new Pooled(), new PooledChild()];
  globalThis.pooledHolder = held;
  const snapshots = [];
  const onSnapshot = (file) => snapshots.push(file);
  const { HeapSnapshot } = require('../index.js');
  const open = HeapSnapshot.prototype.instances;
  HeapSnapshot.prototype.instances = function (...args) {
    onSnapshot(args[0]);
    return open.apply(this, args);
  };
  try {
    assert.equal(await countInstances(Pooled), 2);
    assert.equal(await countInstances(PooledChild), 1);
    assert.equal(await expectInstances(Pooled, 2), 2);
    assert.deepEqual(snapshots, [], 'no snapshot was read');
    held.pop();
    await assert.rejects(expectInstances(Pooled, 3), (err) => err instanceof assert.AssertionError && err.message === 'expected 3 live Pooled instance(s), found 2');
    assert.deepEqual(snapshots, [], 'fewer than expected needs no snapshot either');
    // more than expected: the snapshot names the holder of the newest
    await assert.rejects(expectInstances(Pooled, 1), (err) => {
      assert.equal(err.code, 'ERR_HEAPSNAP_LEAK');
      assert.match(err.message, /^expected 1 live Pooled instance\(s\), found 2; the newest \(@\d+\) is retained by:\n {4}global → \.pooledHolder \(Array\) → \[\d\] \(Pooled @\d+\)$/);
      return true;
    });
    assert.deepEqual(snapshots, ['Pooled']);
  } finally {
    HeapSnapshot.prototype.instances = open;
    delete globalThis.pooledHolder;
  }
  held.length = 0;
  assert.equal(await countInstances(Pooled), 0, 'collected instances are not counted, and counting keeps none alive');
  assert.deepEqual(Object.keys(globalThis).filter((k) => k.startsWith('__heapsnap')), [], 'no global is left behind');
  await assert.rejects(countInstances(() => {}), { code: 'ERR_INVALID_ARG_VALUE' });
});

test('the assertions work inside a worker thread (its own heap)', async (t) => {
  const leaked = await runWorker('leaky');
  assert.equal(leaked.ok, false, JSON.stringify(leaked));
  assert.equal(leaked.name, 'LeakError');
  assert.equal(leaked.code, 'ERR_HEAPSNAP_LEAK');
  assert.equal(leaked.report.leaks[0].className, 'WorkerLeak');
  assert.equal(leaked.report.leaks[0].count, 10);
  assert.match(leaked.message, /->workerLeakStore \(Array\)/);
  const cleanRun = await runWorker('clean');
  assert.deepEqual(cleanRun.ok, true, JSON.stringify(cleanRun));
  t.diagnostic(`worker: assertNoLeak leaky ${leaked.ms.toFixed(0)} ms, clean ${cleanRun.ms.toFixed(0)} ms`);
});
