// The comparison, leak finding and growth run off the JS thread (the explorer and the MCP
// server keep answering while they work): the binding returns promises, a dispose() while the
// work runs neither fails nor waits, and the answers equal the ones of a snapshot kept open.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { repo } from './support/oracle.mjs';

const require = createRequire(import.meta.url);
const native = require('../binding.js');
const { HeapSnapshot, diff, findLeaks, findGrowth } = require('../index.js');

let dir, base, target, final;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'heapsnap-tasks-'));
  execFileSync(process.execPath, [join(repo, '__test__', 'fixtures', 'leak-scenario.js'), 'requestArray', 'leaky', dir, '20']);
  [base, target, final] = ['baseline', 'target', 'final'].map((n) => join(dir, `${n}.heapsnapshot`));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('diffSnapshots, findLeaksNative and findGrowthNative return promises; dispose() meanwhile is fine', async () => {
  const want = {
    diff: await diff(base, final),
    leaks: await findLeaks({ baseline: base, target, final }),
    growth: await findGrowth([base, target, final]),
  };
  assert.ok(want.diff.some((r) => r.className === 'RequestRecord' && r.addedCount === 20));
  assert.ok(want.leaks.clusters.length > 0);

  const [b, t, f] = [base, target, final].map((p) => native.openFileSync(p));
  const ids = [b, t].map((s) => s.idSet());
  const work = {
    diff: native.diffSnapshots(b, f),
    leaks: native.findLeaksNative(ids[0], ids[1], f, {}),
    growth: native.findGrowthNative([b, t, f]),
  };
  for (const p of Object.values(work)) assert.ok(p instanceof Promise);
  // The work holds the analyses, not the JS objects: disposing them now neither throws nor
  // changes the answers (the memory goes when the work ends).
  for (const s of [b, t, f]) s.dispose();
  assert.deepEqual(await work.diff, want.diff);
  assert.deepEqual(await work.leaks, want.leaks);
  assert.deepEqual(await work.growth, want.growth);

  // After dispose(), new work is refused with the house's error.
  assert.throws(() => native.diffSnapshots(b, b), { code: 'ERR_HEAPSNAP_DISPOSED' });
  assert.throws(() => native.findLeaksNative(ids[0], ids[1], f), { code: 'ERR_HEAPSNAP_DISPOSED' });
  assert.throws(() => native.findGrowthNative([b, f]), { code: 'ERR_HEAPSNAP_DISPOSED' });
});

test('the public API on open snapshots: the same answers, and an AbortSignal is honoured', async () => {
  const [a, c] = await Promise.all([HeapSnapshot.open(base), HeapSnapshot.open(final)]);
  try {
    assert.deepEqual(await diff(a, c), await diff(base, final));
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await assert.rejects(diff(a, c, { signal: ac.signal }), { name: 'AbortError' });
    await assert.rejects(findGrowth([a, c], { signal: ac.signal }), { name: 'AbortError' });
  } finally {
    a.dispose();
    c.dispose();
  }
});
