// Timings of heapsnap's test-suite assertions (lib/testing) on a small test process, next to
// the floor they are built on (one V8 heap snapshot written by V8 itself) and the budgets in
// issue 5: assertNoLeak with default options ≤ 0.5 s, assertCollected ≤ 0.2 s.
//
//   node benchmark/testing.mjs [--runs N] [--json]
//
// Prints a table (median and max of N runs per case); exit code 0 (timings are reported, not
// enforced: they depend on the machine and its load, which the table shows).
import v8 from 'node:v8';
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const api = require('../index.js');
const testing = typeof api.assertNoLeak === 'function' ? api : require('../lib/testing/index.js');
const { assertNoLeak, track, assertCollected, countInstances } = testing;

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, json: { type: 'boolean', default: false } } });
const RUNS = Math.max(1, Number(values.runs) || 5);

class Item {
  constructor(i) {
    this.i = i;
  }
}
const store = [];
let cache;
const cases = {
  'v8.writeHeapSnapshot (floor: one snapshot)': () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'heapsnap-bench-'));
    try {
      v8.writeHeapSnapshot(join(dir, 'x.heapsnapshot'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  'assertNoLeak, clean fn (default options)': () =>
    assertNoLeak(() => {
      cache ??= new Map([[1, new Item(1)]]);
      return new Item(2).i + cache.size;
    }),
  'assertNoLeak, leaky fn (throws LeakError)': () => assertNoLeak(() => void store.push(new Item(3))).catch((e) => {
    if (e.code !== 'ERR_HEAPSNAP_LEAK') throw e;
  }),
  'assertCollected, collected (no snapshot)': () => track(new Item(4)).assertCollected(),
  'assertCollected, still alive (one snapshot)': () => {
    const kept = new Item(5);
    globalThis.benchKept = kept;
    return assertCollected(track(kept)).catch((e) => {
      if (e.code !== 'ERR_HEAPSNAP_LEAK') throw e;
    }).finally(() => delete globalThis.benchKept);
  },
  'countInstances (one snapshot)': () => countInstances('Item'),
};
const budgets = { 'assertNoLeak, clean fn (default options)': 500, 'assertCollected, collected (no snapshot)': 200 };

const rows = [];
for (const [name, fn] of Object.entries(cases)) {
  await fn(); // first call: loads and compiles what the case needs
  const ms = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  rows.push({ case: name, medianMs: Math.round(ms[ms.length >> 1]), maxMs: Math.round(ms[ms.length - 1]), budgetMs: budgets[name] ?? null });
}
const floor = rows[0].medianMs;
for (const r of rows) r.xFloor = Math.round((r.medianMs / floor) * 10) / 10;
const heap = v8.getHeapStatistics();
const info = { node: process.version, cpus: os.cpus().length, loadavg: os.loadavg().map((x) => x.toFixed(2)), heapUsedMB: +(heap.used_heap_size / 2 ** 20).toFixed(1), runs: RUNS };

if (values.json) {
  console.log(JSON.stringify({ info, rows }, null, 2));
} else {
  console.log(`heapsnap test assertions — ${info.node}, ${info.cpus} CPUs, load ${info.loadavg.join(' ')}, JS heap ${info.heapUsedMB} MB, ${RUNS} runs`);
  const w = Math.max(...rows.map((r) => r.case.length));
  console.log(`${'case'.padEnd(w)}  median     max  × snapshot  budget`);
  for (const r of rows) {
    const budget = r.budgetMs == null ? '' : `${r.budgetMs} ms ${r.medianMs <= r.budgetMs ? 'ok' : 'OVER'}`;
    console.log(`${r.case.padEnd(w)}  ${String(r.medianMs).padStart(6)}  ${String(r.maxMs).padStart(6)}  ${String(r.xFloor).padStart(10)}  ${budget}`);
  }
  console.log('memlab 2.0.5 for comparison (landscape §1.6, same VM type): takeNodeMinimalHeap 0.8–1.3 s per call, growing over repeated calls.');
}
