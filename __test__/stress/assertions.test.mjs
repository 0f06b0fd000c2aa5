// Long runs of heapsnap's test-suite assertions (lib/testing), moved out of `npm test` into
// `npm run test:stress` (CI runs both): assertNoLeak's determinism over 50 runs, the JS heap over
// repeated calls, and the time each call takes on this process (printed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { leaky, allClean } from '../support/leak-patterns.mjs';

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

test(`assertNoLeak is deterministic: ${RUNS} runs, no false positive, every leak caught`, async (t) => {
  let falsePositives = 0;
  let caught = 0;
  const started = performance.now();
  for (let run = 0; run < RUNS; run++) {
    try {
      await assertNoLeak(allClean);
    } catch (err) {
      falsePositives++;
      t.diagnostic(`run ${run}: false positive: ${err.message}`);
    }
    try {
      await assertNoLeak(leaky);
    } catch (err) {
      if (err.code === 'ERR_HEAPSNAP_LEAK' && err.report.leaks.some((l) => l.className === 'Leaky' && l.count === 10)) caught++;
      else t.diagnostic(`run ${run}: unexpected: ${err.message}`);
    }
  }
  t.diagnostic(`${RUNS} × (clean + leaky) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  assert.equal(falsePositives, 0);
  assert.equal(caught, RUNS);
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
