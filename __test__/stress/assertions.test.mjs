// Long runs of heapsnap's test-suite assertions (lib/testing), moved out of `npm test` into
// `npm run test:stress` (CI runs both): every kind of leak caught with its message,
// assertNoLeak's determinism over 50 runs (every kind of leak caught, no false positive), its
// agreement with the three-snapshot method (four patterns, then every pattern over 5 runs), the JS
// heap over repeated calls, and the time each call takes on this process (printed). A short
// version of the determinism runs is in __test__/testing-screen.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { leaks, clean, allClean } from '../support/leak-patterns.mjs';
import { threeSnapshotCheck } from '../support/three-snapshots.mjs';
import { leakOf, expectCaught } from '../support/leak-checks.mjs';

const require = createRequire(import.meta.url);
const { assertNoLeak, track } = require('../fixtures/runners/heapsnap.js');
const { takeSnapshot } = require('../../index.js');
const { getGc } = require('../../lib/testing/settle.js');

const RUNS = Number(process.env.HEAPSNAP_DETERMINISM_RUNS || 50);

class Tracked {
  constructor(name) {
    this.name = name;
  }
}

test('every kind of leak is caught, with its class, count, allocation site and holder', async (t) => {
  for (const [name, kind] of Object.entries(leaks)) await expectCaught(t, name, kind);
});

test('the screen agrees with the three-snapshot method: it never passes what that one reports', async (t) => {
  for (const [name, fn] of [
    ['object', leaks.object.fn],
    ['strings', leaks.strings.fn],
    ['lazyCache', clean.lazyCache],
    ['timers', clean.timers],
  ]) {
    const old = await threeSnapshotCheck(fn);
    const now = await leakOf(fn);
    const oldSays = old.leaks.map((l) => `${l.className}×${l.count}`).sort();
    const nowSays = (now.report?.leaks ?? []).map((l) => `${l.className}×${l.count}`).sort();
    assert.deepEqual(nowSays, oldSays, name);
    t.diagnostic(`${name}: three snapshots ${oldSays.join(', ') || 'no leak'}; now ${nowSays.join(', ') || `no leak (${now.passed.method})`}`);
  }
});

test(`assertNoLeak is deterministic: ${RUNS} runs, no false positive, every kind of leak caught`, async (t) => {
  let falsePositives = 0;
  const missed = {};
  const started = performance.now();
  const byMethod = { screen: 0, snapshot: 0 };
  for (let run = 0; run < RUNS; run++) {
    try {
      byMethod[(await assertNoLeak(allClean)).method]++;
    } catch (err) {
      falsePositives++;
      t.diagnostic(`run ${run}: false positive: ${err.message}`);
    }
    for (const [name, { fn, className, count }] of Object.entries(leaks)) {
      const named = (c) => (className instanceof RegExp ? className.test(c) : c === className);
      try {
        await assertNoLeak(fn);
        missed[name] = (missed[name] ?? 0) + 1;
        t.diagnostic(`run ${run}: ${name} passed`);
      } catch (err) {
        if (!(err.code === 'ERR_HEAPSNAP_LEAK' && err.report.leaks.some((l) => named(l.className) && l.count === count))) {
          missed[name] = (missed[name] ?? 0) + 1;
          t.diagnostic(`run ${run}: ${name}: unexpected: ${err.message}`);
        }
      }
    }
  }
  t.diagnostic(`${RUNS} × (clean + ${Object.keys(leaks).length} leaks) in ${((performance.now() - started) / 1000).toFixed(1)} s; clean decided by ${byMethod.screen} screens, ${byMethod.snapshot} snapshots`);
  assert.equal(falsePositives, 0);
  assert.deepEqual(missed, {});
});

test('5 runs: the screen passes exactly what the three-snapshot method passes', async (t) => {
  const cases = { ...Object.fromEntries(Object.entries(leaks).map(([k, v]) => [k, v.fn])), ...clean, allClean };
  for (let run = 0; run < 5; run++) {
    for (const [name, fn] of Object.entries(cases)) {
      const old = (await threeSnapshotCheck(fn)).leaks.map((l) => `${l.className}×${l.count}`).sort();
      let now = [];
      try {
        await assertNoLeak(fn);
      } catch (err) {
        if (err.code !== 'ERR_HEAPSNAP_LEAK') throw err;
        now = err.report.leaks.map((l) => `${l.className}×${l.count}`).sort();
      }
      assert.deepEqual(now, old, `run ${run}: ${name}`);
    }
  }
  t.diagnostic(`${Object.keys(cases).length} patterns agree over 5 runs`);
});

test('repeated assertions do not grow the JS heap (parsed snapshots live off-heap and are freed)', async (t) => {
  const gc = getGc();
  const heapUsed = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  await assertNoLeak(allClean);
  const sizes = [heapUsed()];
  const totals = [];
  for (let i = 0; i < 5; i++) {
    await assertNoLeak(allClean);
    sizes.push(heapUsed());
  }
  for (let i = 0; i < 2; i++) {
    const s = await takeSnapshot();
    totals.push(s.totalSize);
    s.dispose();
  }
  const growth = sizes[sizes.length - 1] - sizes[0];
  t.diagnostic(`heapUsed after each call (KB): ${sizes.map((s) => (s / 1024).toFixed(0)).join(' → ')}; growth ${(growth / 1024).toFixed(0)} KB; snapshot totals ${totals.join(', ')}`);
  assert.ok(growth < 512 * 1024, `JS heap grew by ${growth} bytes over 5 calls`);
});

test('timings on this process (printed; the budget is checked in benchmark/testing.mjs)', async (t) => {
  const times = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await assertNoLeak(() => new Tracked('x'));
    times.push(performance.now() - t0);
  }
  const h = track(new Tracked('gone'));
  const t0 = performance.now();
  await h.assertCollected();
  const collected = performance.now() - t0;
  t.diagnostic(`assertNoLeak default options: ${times.map((x) => x.toFixed(0)).join(', ')} ms; assertCollected (collected): ${collected.toFixed(0)} ms`);
});
