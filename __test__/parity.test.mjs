// Parity with Chrome DevTools: every number heapsnap shows that DevTools also shows must be
// equal, per node and per class, on real snapshots: the shared fixtures (d8, Chrome) and
// snapshots that Node 20, 22 and 24 write here from a realistic program. The oracle runs
// DevTools' own HeapSnapshot.ts (see ../shared/oracle/README.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { createRequire } from 'node:module';
import { fixtures, hasShared, noShared, oracle } from './support/oracle.mjs';
import { nodeBinaries } from './support/nodes.mjs';
import { realisticSnapshot, tempDir } from './support/programs.mjs';

const require = createRequire(import.meta.url);
const { HeapSnapshot } = require('../index.js');

/** Our numbers in the oracle's shape. */
function ours(snap) {
  const c = snap.columns();
  const nodes = [];
  const idToOrdinal = new Map();
  for (let i = 0; i < c.ids.length; i++) idToOrdinal.set(c.ids[i], i);
  for (let i = 0; i < c.ids.length; i++) {
    let name = snap.nodeAt(i).name;
    if (name.includes('\uFFFD')) name = snap.nodeNameUtf16(i);
    nodes.push([
      c.ids[i],
      c.typeNames[c.types[i]],
      c.classNames[c.classIndexes[i]],
      name.slice(0, 200),
      c.distances[i],
      c.selfSizes[i],
      c.retainedSizes[i],
      c.ids[c.dominators[i]],
      c.detachedness[i],
    ]);
  }
  return { totalSize: snap.totalSize, statistics: snap.statistics(), summary: snap.summary(), nodes };
}

function compare(file, o, s) {
  assert.equal(s.totalSize, o.totalSize, `${file}: totalSize`);
  assert.deepEqual(s.statistics, o.statistics, `${file}: statistics`);
  const mine = new Map(s.summary.map((r) => [r.key, r]));
  assert.equal(s.summary.length, o.summary.length, `${file}: number of classes`);
  for (const r of o.summary) {
    const m = mine.get(r.key);
    assert.ok(m, `${file}: class ${r.key} missing`);
    assert.deepEqual(
      [m.className, m.count, m.shallowSize, m.retainedSize, m.distance],
      [r.name, r.count, r.self, r.retained, r.distance],
      `${file}: class ${r.key} [name, count, shallow, retained, distance]`,
    );
  }
  assert.equal(s.nodes.length, o.nodes.length, `${file}: node count`);
  const diffs = [];
  for (let i = 0; i < o.nodes.length && diffs.length < 10; i++) {
    for (let k = 0; k < o.nodeColumns.length; k++) {
      if (s.nodes[i][k] !== o.nodes[i][k]) {
        diffs.push(`node #${i} ${o.nodeColumns[k]}: ours ${JSON.stringify(s.nodes[i][k])}, DevTools ${JSON.stringify(o.nodes[i][k])}`);
      }
    }
  }
  assert.deepEqual(diffs, [], `${file}: per-node differences`);
}

for (const file of fixtures()) {
  const name = basename(file);
  if (name.includes('truncated')) {
    test(`fixture ${name} is refused with ERR_HEAPSNAP_PARSE naming field and offset`, async () => {
      await assert.rejects(HeapSnapshot.open(file), (e) => {
        assert.equal(e.code, 'ERR_HEAPSNAP_PARSE');
        assert.equal(e.field, 'snapshot.node_count');
        assert.equal(typeof e.offset, 'number');
        assert.match(e.message, /node_count 26688716 .* 23 nodes/);
        return true;
      });
    });
    continue;
  }
  test(`fixture ${name}: per node, per class and Statistics equal DevTools`, async () => {
    const o = oracle(file);
    const snap = await HeapSnapshot.open(file);
    compare(name, o, ours(snap));
    snap.dispose();
  });
}

test('the fixtures are present where CI runs', { skip: noShared }, () => {
  assert.ok(fixtures().length >= 8);
});

const bins = nodeBinaries();
for (const major of ['20', '22', '24']) {
  const bin = bins[major];
  const skip = !hasShared ? noShared : !bin ? `Node ${major} is not installed (scripts/install-nodes.sh)` : false;
  test(`Node ${major} snapshot of a realistic program: everything equals DevTools`, { skip, timeout: 300_000 }, async (t) => {
    const dir = tempDir(t);
    const file = realisticSnapshot(join(dir, `node${major}.heapsnapshot`), { node: bin, scale: 0.3 });
    const o = oracle(file);
    const snap = await HeapSnapshot.open(file);
    // the program's own classes are there, as DevTools sees them
    assert.ok(snap.summary().some((r) => r.className === 'RequestLog'), 'RequestLog class present');
    compare(`node${major}`, o, ours(snap));
    // the streaming parser gives the same snapshot as the file parser
    const { createReadStream } = await import('node:fs');
    const streamed = await HeapSnapshot.fromStream(createReadStream(file, { highWaterMark: 65536 }));
    assert.deepEqual(streamed.summary(), snap.summary());
    assert.deepEqual(streamed.statistics(), snap.statistics());
  });
}

test('CI has Node 22 and 24 for the parity matrix', { skip: process.env.CI ? false : 'only enforced in CI' }, () => {
  assert.ok(bins['22'] && bins['24'], `missing: ${JSON.stringify(bins)}`);
});
