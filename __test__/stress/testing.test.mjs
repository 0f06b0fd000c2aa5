// The rest of the matrix of __test__/testing.test.mjs (which keeps one fast check of each kind in
// npm test), moved here to keep npm test short; CI runs both: each clean pattern on its own,
// leaks of closures (listeners) and of every other call, ignore, iterations scaling the count,
// async leaky functions, track's ids against the inspector's and the snapshot's, expectInstances
// at, below the count and at 0, and track/assertCollected inside a worker thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import inspector from 'node:inspector';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { Leaky, leaky, clean } from '../support/leak-patterns.mjs';
import { runWorker } from '../support/runners.mjs';

const require = createRequire(import.meta.url);
const { assertNoLeak, track, assertCollected, expectInstances } = require('../fixtures/runners/heapsnap.js');
const { takeSnapshot } = require('../../index.js');

test('assertNoLeak passes each non-leaky pattern on its own', async () => {
  for (const [name, fn] of Object.entries(clean)) {
    const r = await assertNoLeak(fn);
    assert.deepEqual(r.leaks, [], name);
  }
});

test('assertNoLeak: leaks of closures (listeners) and every-other-call leaks are caught; ignore skips classes', async () => {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  await assert.rejects(
    assertNoLeak(() => void bus.on('tick', function onTick() {})),
    (err) => err.report.leaks.some((l) => l.count >= 10 && /\._events|\.tick|\{context\}|_events/.test(l.path)),
  );
  const halfStore = [];
  let n = 0;
  await assert.rejects(
    assertNoLeak(() => {
      if (n++ % 2) halfStore.push(new Leaky(n));
    }),
    (err) => err.report.leaks.some((l) => l.className === 'Leaky' && l.count === 5 && l.perIteration === 0.5),
  );
  await assertNoLeak(leaky, { ignore: ['Leaky'] });
  await assertNoLeak(leaky, { ignore: /^Lea/ });
  await assertNoLeak(leaky, { ignore: [/nothing/, 'Leaky'] });
});

test('assertNoLeak options: iterations scale the count, async functions', async () => {
  await assert.rejects(assertNoLeak(leaky, { iterations: 4, warmup: 0 }), (err) => err.report.leaks[0].count === 4 && err.report.threshold === 2);
  await assert.rejects(
    assertNoLeak(async () => {
      await new Promise((r) => setImmediate(r));
      leaky();
    }),
    (err) => err.report.leaks[0].className === 'Leaky',
  );
});

class Tracked {
  constructor(name) {
    this.name = name;
  }
}

test('track finds the same object id the snapshot and the inspector show', async () => {
  const session = new inspector.Session();
  session.connect();
  const post = (method, params) => {
    let out;
    session.post(method, params, (err, res) => {
      if (err) throw err;
      out = res;
    });
    return out; // the in-thread session answers synchronously
  };
  const idFromInspector = (obj) => {
    globalThis.__heapsnapProbe = obj;
    const { result } = post('Runtime.evaluate', { expression: 'globalThis.__heapsnapProbe' });
    delete globalThis.__heapsnapProbe;
    const { heapSnapshotObjectId } = post('HeapProfiler.getHeapObjectId', { objectId: result.objectId });
    post('Runtime.releaseObject', { objectId: result.objectId });
    return Number(heapSnapshotObjectId);
  };
  try {
    const obj = new Tracked('probe');
    globalThis.probeHolder = obj;
    // Why track() does not take the id from the inspector up front: V8 only looks ids up, and an
    // object that no snapshot has seen yet has none.
    assert.equal(idFromInspector(obj), 0);
    const h = track(obj, 'probe');
    const err = await assertCollected(h).then(() => null, (e) => e);
    const reported = err.report.leaks[0].id;
    const snap = await takeSnapshot();
    try {
      assert.ok(snap.instances('Tracked').includes(reported));
      assert.equal(snap.node(reported).className, 'Tracked');
      assert.equal(idFromInspector(obj), reported);
    } finally {
      snap.dispose();
    }
    delete globalThis.probeHolder;
  } finally {
    session.disconnect();
  }
});

class Counted {}
test('expectInstances: the right count passes, fewer than expected is an AssertionError; a count of 0 once released', async () => {
  const held = [new Counted(), new Counted(), new Counted()];
  globalThis.countedHolder = held;
  assert.equal(await expectInstances('Counted', 3), 3);
  await assert.rejects(expectInstances('Counted', 4), { code: 'ERR_ASSERTION', actual: 3, expected: 4 });
  held.length = 0;
  assert.equal(await expectInstances('Counted', 0), 0);
  delete globalThis.countedHolder;
});

test('track + assertCollected inside a worker thread (its own heap)', async () => {
  const tracked = await runWorker('track');
  assert.equal(tracked.ok, true, JSON.stringify(tracked));
  assert.equal(tracked.first?.code, 'ERR_HEAPSNAP_LEAK');
  assert.match(tracked.first.message, /global → \.workerHolder \(Object\) → \.obj \(WorkerLeak @\d+\)/);
});
