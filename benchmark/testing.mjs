// Timings of heapsnap's test-suite assertions (lib/testing) next to what they replace and what a
// user would pick instead, measured in the same run, on a small test process and on one holding
// a ~50 MB heap (benchmark/gen/realistic-program.js):
//
//   heapsnap   assertNoLeak passing (the screen, no heap snapshot) and failing (one snapshot),
//              the calls alone, one heap snapshot + analysis (the floor of a failing check),
//              track().assertCollected() and expectInstances() passing, each next to V8's
//              floor for it (one full GC; v8.queryObjects, the same heap walk, count only)
//   before     the three-snapshot assertNoLeak that preceded the screen
//              (__test__/support/three-snapshots.mjs), passing and failing
//   memlab     2.0.5 (installed into .bench/memlab, never a dependency): tagObject +
//              takeNodeMinimalHeap + hasObjectWithTag (its in-test check), and three
//              v8.writeHeapSnapshot + findLeaksBySnapshotFilePaths (its leak finder)
//
//   node benchmark/testing.mjs [--runs N] [--heaps small,50mb] [--only heapsnap|memlab] [--json]
//
// Each tool and heap runs in a child process of its own. Prints medians and ratios, and the
// targets of issue 14 beside them (reported, not enforced: timings depend on the machine and its
// load, which the header shows). Exit code 0 when every measurement ran, 1 otherwise.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const here = fileURLToPath(new URL('.', import.meta.url));
const { MARKER, now, report, fail } = require('./runners/report.cjs');

const HEAPS = { small: 0, '50mb': 50 };
const CALLS = 10; // assertNoLeak's default iterations

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    heaps: { type: 'string', default: 'small,50mb' },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
    child: { type: 'string' },
    heap: { type: 'string' },
  },
});
const RUNS = Math.max(1, Number(values.runs) || 5);

// ---- the code under test, the same in every child ---------------------------------------------

class Item {
  constructor(i) {
    this.i = i;
  }
}
const store = [];
let cache;
const clean = () => {
  cache ??= new Map([[1, new Item(1)]]);
  return new Item(2).i + cache.size;
};
const leaky = () => void store.push(new Item(3));

/** Builds the test process's heap: nothing, or the realistic app at the scale that makes ≈ `mb` MB. */
function buildHeap(mb) {
  if (mb) {
    const { buildApp } = require('./gen/realistic-program.js');
    globalThis.__heapsnapBenchApp = buildApp(Math.max(1, Math.round((mb - 3.3) / 3.75)));
  }
  return +(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1);
}

async function median(fn, runs = RUNS) {
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t0 = now();
    await fn();
    ms.push(now() - t0);
  }
  ms.sort((a, b) => a - b);
  return Math.round(ms[ms.length >> 1]);
}

const expectLeak = (p) =>
  p.then(
    () => {
      throw new Error('the leaky function passed');
    },
    (e) => {
      if (e.code !== 'ERR_HEAPSNAP_LEAK') throw e;
    },
  );

async function heapsnapChild(heap) {
  const api = require('../index.js');
  const { threeSnapshotCheck } = await import('../__test__/support/three-snapshots.mjs');
  const heapMB = buildHeap(HEAPS[heap]);
  const rows = {};
  const methods = {};
  // The calls a passing assertNoLeak makes: warmup 2 + three rounds of 10, awaited one by one.
  rows.calls = await median(async () => {
    for (let i = 0; i < 2 + 3 * CALLS; i++) await clean();
  });
  const first = await (async () => {
    const t0 = now();
    const r = await api.assertNoLeak(clean);
    methods.first = r.method;
    return Math.round(now() - t0);
  })();
  rows.passFirst = first;
  rows.pass = await median(async () => {
    const r = await api.assertNoLeak(clean);
    methods.pass = r.method;
  });
  rows.snapshot = await median(async () => (await api.takeSnapshot()).dispose(), Math.min(RUNS, 3));
  rows.fail = await median(() => expectLeak(api.assertNoLeak(leaky)), Math.min(RUNS, 3));
  rows.threePass = await median(async () => {
    const r = await threeSnapshotCheck(clean);
    if (r.leaks.length) throw new Error('three snapshots: false positive');
  }, Math.min(RUNS, 3));
  rows.threeFail = await median(async () => {
    const r = await threeSnapshotCheck(leaky);
    if (!r.leaks.length) throw new Error('three snapshots: missed the leak');
  }, Math.min(RUNS, 3));
  rows.collected = await median(() => api.track(new Item(4)).assertCollected());
  // V8's floor for proving an object collected: the one full GC the fast path runs
  const { getGc } = require('../lib/testing/settle.js');
  rows.fullGc = await median(() => getGc()());
  globalThis.__benchKept = [new Item(5), new Item(6)];
  const count = await api.countInstances('Item');
  rows.instances = await median(() => api.expectInstances('Item', count), Math.min(RUNS, 3));
  rows.instancesByClass = await median(() => api.expectInstances(Item, count));
  // V8's floor for any exact count without a snapshot: Node's own v8.queryObjects (20.13+, 22+),
  // the same collect-all-garbage + heap walk, returning only a number (it counts subclasses too)
  const { default: v8 } = await import('node:v8');
  if (typeof v8.queryObjects === 'function') {
    const emit = process.emitWarning;
    process.emitWarning = () => {}; // its one-time ExperimentalWarning
    try {
      rows.queryObjects = await median(() => v8.queryObjects(Item));
    } finally {
      process.emitWarning = emit;
    }
  }
  report({ tool: 'heapsnap', heap, heapMB, rows, methods });
}

async function memlabChild(heap) {
  const { MEMLAB_DIR } = await import('./memlab.mjs');
  const req = createRequire(`${MEMLAB_DIR}/package.json`);
  const core = req('@memlab/core');
  core.config.muteConsole = true;
  const memlabApi = req('@memlab/api');
  const version = req('@memlab/core/package.json').version;
  const v8 = await import('node:v8');
  const fs = await import('node:fs');
  const path = await import('node:path');
  const heapMB = buildHeap(HEAPS[heap]);
  const rows = {};
  // Its in-test check: is the tagged object still in the heap?
  rows.tagged = await median(async () => {
    let victim = new Item(7);
    core.tagObject(victim, 'bench-victim');
    victim = null;
    const snap = await core.takeNodeMinimalHeap();
    if (snap.hasObjectWithTag('bench-victim')) throw new Error('memlab: the dropped object is still tagged');
  }, Math.min(RUNS, 3));
  // Its leak finder on Node: three heap snapshots around the same rounds, then its analysis.
  let found = null;
  rows.findLeaks = await median(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memlab-bench-'));
    try {
      const files = ['1', '2', '3'].map((n) => path.join(dir, `${n}.heapsnapshot`));
      for (let i = 0; i < 2; i++) leaky();
      for (const [k, file] of files.entries()) {
        if (k) for (let i = 0; i < CALLS; i++) leaky();
        v8.writeHeapSnapshot(file);
      }
      const leaks = await memlabApi.findLeaksBySnapshotFilePaths(files[0], files[1], files[2], { workDir: path.join(dir, 'work'), consoleMode: 'SILENT' });
      found = Array.isArray(leaks) ? leaks.length : null;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, Math.min(RUNS, 3));
  report({ tool: 'memlab', version, heap, heapMB, rows, found });
}

// ---- the parent -----------------------------------------------------------------------------

function runChild(tool, heap) {
  const flags = tool === 'memlab' ? ['--max-old-space-size=16000'] : [];
  const r = spawnSync(process.execPath, [...flags, fileURLToPath(import.meta.url), '--child', tool, '--heap', heap, '--runs', String(RUNS)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: 1_800_000,
  });
  const line = r.stdout.split('\n').reverse().find((l) => l.startsWith(MARKER));
  if (!line) return { error: `${tool} ${heap}: no result (exit ${r.status}${r.signal ? `, ${r.signal}` : ''})\n${r.stderr.slice(-2000)}` };
  return JSON.parse(line.slice(MARKER.length));
}

const fmt = (ms) => (ms == null ? '—' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms} ms`);
const x = (a, b) => (a == null || b == null || !b ? '—' : `${(a / b).toFixed(2)}×`);
const verdict = (ok) => (ok ? 'ok' : 'OVER');

function print(results, info) {
  const out = [];
  out.push(`heapsnap test assertions — ${info.node}, ${info.cpus} CPUs, load ${info.loadavg.join(' ')}, ${RUNS} runs (medians)`);
  for (const heap of Object.keys(results)) {
    const { heapsnap: h, memlab: m } = results[heap];
    out.push('');
    if (h?.error || m?.error) out.push(`  ${h?.error ?? ''}${m?.error ?? ''}`);
    const r = h?.rows ?? {};
    out.push(`${heap} test process (JS heap ${h?.heapMB ?? m?.heapMB ?? '?'} MB)`);
    const passTarget = heap === 'small' ? 100 : 500;
    const floor = r.snapshot;
    const rows = [
      ['calls alone (warmup 2 + 3 × 10, awaited)', r.calls, ''],
      [`assertNoLeak passing, first call (${h?.methods?.first ?? '?'})`, r.passFirst, r.passFirst != null ? `+${fmt(r.passFirst - r.calls)} over the calls` : ''],
      [`assertNoLeak passing (${h?.methods?.pass ?? '?'})`, r.pass, r.pass != null ? `+${fmt(r.pass - r.calls)} over the calls; target ≤ ${fmt(passTarget)}: ${verdict(r.pass - r.calls <= passTarget)}` : ''],
      ['one heap snapshot + analysis (takeSnapshot)', floor, ''],
      ['assertNoLeak failing (one snapshot)', r.fail, `${x(r.fail, floor)} the snapshot + analysis; target ≤ 1.5×: ${verdict(r.fail <= 1.5 * floor)}`],
      ['before: three-snapshot assertNoLeak, passing', r.threePass, `${x(r.threePass, r.pass)} today's passing check`],
      ['before: three-snapshot assertNoLeak, failing', r.threeFail, `${x(r.threeFail, r.fail)} today's failing check`],
      ['track().assertCollected() passing', r.collected, `target ≤ 50 ms: ${verdict(r.collected <= 50)}`],
      ["V8's floor for proving it collected: one full GC", r.fullGc, r.fullGc != null ? `assertCollected is ${x(r.collected, r.fullGc)} this` : ''],
      ['expectInstances(\'Item\', n) passing (by name: one snapshot)', r.instances, `${x(r.instances, floor)} the snapshot + analysis`],
      ['expectInstances(Item, n) passing (by constructor: no snapshot)', r.instancesByClass, r.instancesByClass != null ? `target ≤ 50 ms: ${verdict(r.instancesByClass <= 50)}` : ''],
      ["V8's floor for an exact count: v8.queryObjects(Item)", r.queryObjects, r.queryObjects != null ? `expectInstances by constructor is ${x(r.instancesByClass, r.queryObjects)} this` : 'not in this Node'],
    ];
    if (m && !m.error) {
      rows.push([`memlab ${m.version}: tagObject + takeNodeMinimalHeap + hasObjectWithTag`, m.rows.tagged, `${x(m.rows.tagged, r.collected)} assertCollected; ${x(m.rows.tagged, r.pass)} assertNoLeak passing`]);
      rows.push([`memlab ${m.version}: 3 × writeHeapSnapshot + findLeaksBySnapshotFilePaths`, m.rows.findLeaks, `${x(m.rows.findLeaks, r.fail)} assertNoLeak failing; found ${m.found} leak(s) (its default filter looks for browser leaks)`]);
    }
    const w = Math.max(...rows.map((row) => row[0].length));
    for (const [name, ms, note] of rows) out.push(`  ${name.padEnd(w)}  ${fmt(ms).padStart(8)}  ${note}`);
  }
  return out.join('\n');
}

async function main() {
  const heaps = values.heaps.split(',').map((s) => s.trim()).filter(Boolean);
  for (const heap of heaps) if (!(heap in HEAPS)) throw new Error(`--heaps takes ${Object.keys(HEAPS).join(', ')}, not "${heap}"`);
  const tools = values.only ? [values.only] : ['heapsnap', 'memlab'];
  if (tools.includes('memlab')) await (await import('./memlab.mjs')).ensureMemlab();
  const results = {};
  for (const heap of heaps) {
    results[heap] = {};
    for (const tool of tools) {
      process.stderr.write(`${tool}, ${heap} heap …\n`);
      results[heap][tool] = runChild(tool, heap);
    }
  }
  const info = { node: process.version, cpus: os.cpus().length, loadavg: os.loadavg().map((l) => l.toFixed(2)), runs: RUNS };
  if (values.json) console.log(JSON.stringify({ info, results }, null, 2));
  else console.log(print(results, info));
  const failed = Object.values(results).some((byTool) => Object.values(byTool).some((r) => r.error));
  process.exitCode = failed ? 1 : 0;
}

if (values.child === 'heapsnap') heapsnapChild(values.heap).catch(fail);
else if (values.child === 'memlab') memlabChild(values.heap).catch(fail);
else
  main().catch((e) => {
    console.error(e.stack);
    process.exitCode = 1;
  });
