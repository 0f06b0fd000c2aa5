// The three-snapshot leak check that assertNoLeak ran before its screen: a heap snapshot after
// warmup, after round 1 and after round 2, then findLeaks on the files and the same verdict rules
// (lib/testing/assert-no-leak.js `judge`). The tests compare the screen against it (a leak it
// reports must never pass the screen) and benchmark/testing.mjs times it.
import v8 from 'node:v8';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { findLeaks } = require('../../lib/leaks.js');
const { settle } = require('../../lib/testing/settle.js');
const { judge } = require('../../lib/testing/assert-no-leak.js');

/** → { candidates, leaks } as assertNoLeak computes them. */
export async function threeSnapshotCheck(fn, { iterations = 10, warmup = 2 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heapsnap-test-'));
  // The names exist before the first snapshot, so no string made for them is new in a later one.
  const files = ['1', '2', '3'].map((n) => path.join(dir, `${n}.heapsnapshot`));
  try {
    for (const [i, file] of files.entries()) {
      if (i > 0) for (let k = 0; k < iterations; k++) await fn();
      await settle();
      v8.writeHeapSnapshot(file);
    }
    const report = await findLeaks({ baseline: files[0], target: files[1], final: files[2] }, { includeSystem: true, profile: 'assertion' });
    return judge(report, { iterations, ignored: () => false });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
