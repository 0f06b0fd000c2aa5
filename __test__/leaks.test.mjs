// Comparison parity with DevTools, and leak finding on real leaky Node programs (each run in
// its own process, three snapshots each) next to non-leaky twins that allocate the same
// objects and release them: the twins must report nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { hasShared, noShared, oracle, shared, repo } from './support/oracle.mjs';
import { tempDir } from './support/programs.mjs';

const require = createRequire(import.meta.url);
const { HeapSnapshot, diff, findLeaks, findGrowth, formatLeaks } = require('../index.js');

const N = 50;
function scenario(t, name, variant, n = N) {
  const dir = tempDir(t);
  execFileSync(process.execPath, [join(repo, '__test__', 'fixtures', 'leak-scenario.js'), name, variant, dir, String(n)], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 120_000,
  });
  return { baseline: join(dir, 'baseline.heapsnapshot'), target: join(dir, 'target.heapsnapshot'), final: join(dir, 'final.heapsnapshot'), dir };
}

function oracleDiffRows(o) {
  return o.diff.map((r) => ({
    key: r.key,
    className: r.name,
    addedCount: r.addedCount,
    removedCount: r.removedCount,
    countDelta: r.countDelta,
    addedSize: r.addedSize,
    removedSize: r.removedSize,
    sizeDelta: r.sizeDelta,
  }));
}

for (const [cur, base] of [[2, 1], [3, 2], [3, 1]]) {
  test(`Comparison d8-heap-${cur} vs d8-heap-${base} equals DevTools`, { skip: noShared }, async () => {
    const c = join(shared, 'fixtures', `d8-heap-${cur}.heapsnapshot`);
    const b = join(shared, 'fixtures', `d8-heap-${base}.heapsnapshot`);
    const rows = await diff(b, c, { ids: false });
    assert.deepEqual(rows, oracleDiffRows(oracle(c, b, { nodes: false })));
  });
}

test('Comparison of two snapshots of one Node process equals DevTools, and ids are exact', async (t) => {
  const s = scenario(t, 'requestArray', 'leaky');
  const rows = await diff(s.baseline, s.target);
  const rec = rows.find((r) => r.className === 'RequestRecord');
  assert.equal(rec.addedCount, N);
  assert.equal(rec.removedCount, 0);
  assert.equal(rec.addedIds.length, N);
  const target = await HeapSnapshot.open(s.target);
  for (const id of rec.addedIds) assert.equal(target.node(id).className, 'RequestRecord');
  // objects allocated between the snapshots (DevTools' filter), from ids alone
  const base = await HeapSnapshot.open(s.baseline);
  const born = target.allocatedSince(base);
  assert.equal(born.find((r) => r.className === 'RequestRecord').count, N);
  if (hasShared) {
    const o = oracle(s.target, s.baseline, { nodes: false });
    const mine = rows.map(({ addedIds, removedIds, ...r }) => r);
    assert.deepEqual(mine, oracleDiffRows(o));
  }
});

const EXPECT = {
  listener: { className: 'Function', holder: /\.appBus \(EventEmitter\) → \._events .* \.tick \(Array\)/ },
  mapCache: { className: 'CacheEntry', holder: /\.appCache \(Map\) → \{table\}/ },
  interval: { className: 'Timeout', holder: /timerListMap .*TimersList/ },
  requestArray: { className: 'RequestRecord', holder: /\.requestLog \(Object\) → \.records \(Array\) → \[\d+\] \(RequestRecord @\d+\)/ },
  bufferClosure: { className: 'Function', holder: /\.registry \(Object\) → \.callbacks \(Array\) → \[\d+\] \(closure/ },
};

for (const [name, want] of Object.entries(EXPECT)) {
  test(`findLeaks: ${name} leak is the top cluster, with its count and its holder`, async (t) => {
    const s = scenario(t, name, 'leaky');
    const report = await findLeaks(s);
    const top = report.clusters[0];
    assert.ok(top, 'a cluster is reported');
    assert.equal(top.className, want.className);
    assert.equal(top.count, N, `count of ${name}`);
    assert.match(top.path.text, want.holder);
    assert.ok(top.retainedSize > 0 && top.sampleIds.length > 0);
    // every sample is alive in final, was born after the baseline, and is of the class
    const fin = await HeapSnapshot.open(s.final);
    const base = await HeapSnapshot.open(s.baseline);
    for (const id of top.sampleIds) {
      assert.equal(fin.node(id)?.className, want.className);
      assert.equal(base.node(id), null, 'not in the baseline');
    }
    if (name === 'bufferClosure') assert.ok(top.retainedSize >= N * 64 * 1024, 'the captured buffers are retained');
    const text = formatLeaks(report);
    assert.match(text, new RegExp(`${want.className.replace(/[{}]/g, '\\$&')} ×${N}`));
  });

  test(`findLeaks: the non-leaky twin of ${name} reports zero clusters`, async (t) => {
    const s = scenario(t, name, 'fixed');
    const report = await findLeaks(s);
    assert.deepEqual(report.clusters.map((c) => `${c.className} ×${c.count}: ${c.path.text}`), []);
    assert.match(formatLeaks(report), /No leaks found/);
  });
}

test('findLeaks takes HeapSnapshots too, and freed objects never appear', async (t) => {
  const s = scenario(t, 'mapCache', 'fixed');
  const [b, tg, f] = await Promise.all([s.baseline, s.target, s.final].map((p) => HeapSnapshot.open(p)));
  const freed = (await diff(tg, f)).find((r) => r.className === 'CacheEntry');
  assert.equal(freed.removedCount, N, 'the twin frees its entries');
  const report = await findLeaks({ baseline: b, target: tg, final: f });
  const reported = new Set(report.clusters.flatMap((c) => c.sampleIds));
  for (const id of freed.removedIds) assert.ok(!reported.has(id));
  assert.equal(b.disposed, false, 'snapshots passed in are not disposed');
});

test('findGrowth: a collection that grows at every step is found with its path', async (t) => {
  const dir = tempDir(t);
  const prog = `
    const v8 = require('v8');
    class Session { constructor(i) { this.id = 's' + i; } }
    globalThis.sessions = new Map();
    for (let step = 0; step < 4; step++) {
      for (let i = 0; i < 25; i++) sessions.set('k' + step + ':' + i, new Session(i));
      v8.writeHeapSnapshot(process.argv.at(-1) + '/s' + step + '.heapsnapshot');
    }`;
  execFileSync(process.execPath, ['-e', prog, '--', dir], { stdio: 'inherit' });
  const files = [0, 1, 2, 3].map((i) => join(dir, `s${i}.heapsnapshot`));
  const g = await findGrowth(files);
  const cls = g.classes.find((c) => c.className === 'Session');
  assert.deepEqual(cls.counts, [25, 50, 75, 100]);
  const coll = g.collections.find((c) => /\.sessions \(Map @\d+\)/.test(c.path.text));
  assert.ok(coll, 'the sessions map is reported');
  assert.ok(coll.sizes.every((x, i) => i === 0 || x > coll.sizes[i - 1]));
});

test('bad arguments give clear errors', async () => {
  await assert.rejects(findLeaks({ baseline: 'a' }), { code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(findGrowth(['one']), { code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(diff(42, 43), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(findLeaks({ baseline: '/nope/a', target: '/nope/b', final: '/nope/c' }), { code: 'ERR_HEAPSNAP_IO' });
});
