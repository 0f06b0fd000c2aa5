// Native memory over many cycles, moved out of `npm test` into `npm run test:stress` (CI runs
// both): dispose() hands a snapshot's memory back, so RSS stays flat over 20 open/dispose cycles.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repo } from '../support/oracle.mjs';
import { realisticSnapshot } from '../support/programs.mjs';

let dir, big;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'heapsnap-mem-'));
  big = realisticSnapshot(join(dir, 'big.heapsnapshot'), { scale: 6 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

// The first cycle warms the allocator's per-thread arenas (a one-time few MB); from then on,
// RSS must stay flat: a leak of a snapshot would add its full size per cycle.
test('dispose() returns native memory: RSS stays flat over 20 open/dispose cycles', async () => {
  const script = `
    const { HeapSnapshot } = require(${JSON.stringify(join(repo, 'index.js'))});
    const rss = [];
    for (let i = 0; i < 20; i++) { const s = HeapSnapshot.openSync(${JSON.stringify(big)}); s.summary(); s.dispose(); rss.push(process.memoryUsage.rss()); }
    console.log(JSON.stringify(rss));`;
  const rss = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
  // A snapshot not freed would add about 1.5x its file size per cycle (18 cycles: ~27 files);
  // allocator noise on a loaded machine is a few MB. Allow less than half of one file in all.
  const size = statSync(big).size;
  const grown = rss.at(-1) - rss[1];
  assert.ok(grown < size / 2, `RSS ${(rss[1] / 1e6).toFixed(0)} MB after the 2nd cycle, ${(rss.at(-1) / 1e6).toFixed(0)} MB after the 20th (file ${(size / 1e6).toFixed(0)} MB)`);
});
