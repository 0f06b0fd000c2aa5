'use strict';
// One heapsnap measurement in a process of its own, so its peak RSS is heapsnap's alone.
//
//   node heapsnap.cjs <task> '<json args>'
//   task open       { repo, file }                    HeapSnapshot.open + summary() + statistics()
//   task findLeaks  { repo, files: [base, target, final] }   HOOK: runs only once index.js has it
//   task asserts    { repo, program }                 HOOK: assertNoLeak / assertCollected timing
//
// Prints one MARKER line of JSON (see report.cjs): wall times in ms measured here, around the
// work only (loading the addon is reported apart as loadMs), and this process's peak RSS.
const path = require('node:path');
const { now, timed, report, fail } = require('./report.cjs');

function plainNumbers(obj) {
  if (!obj || typeof obj !== 'object') return null;
  const out = {};
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === 'number' || typeof v === 'bigint') out[k] = Number(v);
  }
  return Object.keys(out).length ? out : null;
}

async function open({ repo, file }) {
  const t0 = now();
  const hs = require(path.join(repo, 'index.js'));
  const loadMs = now() - t0;
  const rssAfterLoadBytes = process.memoryUsage.rss();
  const phases = [];
  const w0 = now();
  const [snap, openMs] = await timed(() => hs.HeapSnapshot.open(file));
  phases.push({ phase: 'open', ms: openMs });
  // s.timings: the engine's own per-phase milliseconds inside open (parse, graph, dominators…).
  const engine = plainNumbers(snap.timings);
  if (engine) for (const [k, ms] of Object.entries(engine)) phases.push({ phase: `  open: ${k}`, ms, sub: true });
  const [summary, summaryMs] = await timed(() => snap.summary());
  phases.push({ phase: 'summary()', ms: summaryMs });
  const [statistics, statisticsMs] = await timed(() => snap.statistics());
  phases.push({ phase: 'statistics()', ms: statisticsMs });
  const workMs = now() - w0;
  const summaryRows = Array.isArray(summary) ? summary.length : Array.isArray(summary?.rows) ? summary.rows.length : null;
  const num = (v) => (typeof v === 'number' || typeof v === 'bigint' ? Number(v) : null);
  report({ tool: 'heapsnap', task: 'open', loadMs, rssAfterLoadBytes, workMs, phases,
    checks: { nodes: num(snap.nodeCount), edges: num(snap.edgeCount), totalSize: num(snap.totalSize), summaryRows,
      statistics: statistics && typeof statistics === 'object' ? JSON.parse(JSON.stringify(statistics)) : null } });
}

// findLeaks({ baseline, target, final }) → { clusters, totals } (index.d.ts); "leaks reported"
// is the number of leaked top-level objects.
async function findLeaks({ repo, files }) {
  const hs = require(path.join(repo, 'index.js'));
  if (typeof hs.findLeaks !== 'function') return report({ tool: 'heapsnap', task: 'findLeaks', skipped: 'no findLeaks export' });
  const [baseline, target, final] = files;
  const [result, workMs] = await timed(() => hs.findLeaks({ baseline, target, final }));
  const leaks = result?.totals?.topLevel ?? null;
  report({ tool: 'heapsnap', task: 'findLeaks', workMs, phases: [{ phase: 'findLeaks', ms: workMs }], checks: { leaks, clusters: result?.clusters?.length ?? null } });
}

// In-test assertions (index.d.ts): `track(object).assertCollected()` on an object that was let
// go, and `assertNoLeak(fn)` on a function that leaves nothing behind, both against the scale-1
// application heap of realistic-program.js.
async function asserts({ repo, program }) {
  const hs = require(path.join(repo, 'index.js'));
  const { buildApp } = require(program);
  globalThis.__heapsnapBenchApp = buildApp(1);
  const phases = [];
  if (typeof hs.assertCollected === 'function') {
    let victim = { payload: new Array(1000).fill('x') };
    const handle = hs.track(victim, 'victim');
    victim = null;
    const [, ms] = await timed(() => handle.assertCollected());
    phases.push({ phase: 'assertCollected', ms });
  }
  if (typeof hs.assertNoLeak === 'function') {
    const [, ms] = await timed(() => hs.assertNoLeak(async () => { JSON.stringify(globalThis.__heapsnapBenchApp.users.slice(0, 10)); }));
    phases.push({ phase: 'assertNoLeak', ms });
  }
  if (!phases.length) return report({ tool: 'heapsnap', task: 'asserts', skipped: 'no assertCollected/assertNoLeak export' });
  report({ tool: 'heapsnap', task: 'asserts', workMs: phases.reduce((a, p) => a + p.ms, 0), phases });
}

const tasks = { open, findLeaks, asserts };
const [task, json] = process.argv.slice(2);
if (!tasks[task]) fail(new Error(`unknown task ${task}`));
else tasks[task](JSON.parse(json)).catch(fail);
