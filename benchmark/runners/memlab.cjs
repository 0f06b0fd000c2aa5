'use strict';
// One memlab 2.0.5 measurement in a process of its own (run with --max-old-space-size=16000).
//
//   node memlab.cjs <task> '<json args>'
//   task open       { memlabDir, file }    getFullHeapFromFile(file) from @memlab/heap-analysis:
//                   parse + shortest paths to roots + dominators + retained sizes (its
//                   loadProcessedSnapshot → utils.getSnapshotFromFile + analysis.preparePathFinder)
//   task findLeaks  { memlabDir, files }   findLeaksBySnapshotFilePaths(base, target, final)
//   task asserts    { memlabDir, program } tagObject + takeNodeMinimalHeap + hasObjectWithTag
//
// memlab is loaded from .bench/memlab (installed by bench.mjs), never from the package's deps.
// Phases are timed by wrapping the functions getFullHeapFromFile calls, so the call under test
// is memlab's public API, unchanged.
const path = require('node:path');
const os = require('node:os');
const fs = require('node:fs');
const { createRequire } = require('node:module');
const { now, timed, report, fail } = require('./report.cjs');

function load(memlabDir) {
  const req = createRequire(path.join(memlabDir, 'package.json'));
  const core = req('@memlab/core');
  core.config.muteConsole = true; // progress goes to stdout otherwise
  return { req, core, version: req('@memlab/core/package.json').version };
}

function wrap(obj, name, phase, phases) {
  const orig = obj && obj[name];
  if (typeof orig !== 'function') return;
  obj[name] = function wrapped(...args) {
    const t0 = now();
    const done = (v) => { phases.push({ phase, ms: now() - t0 }); return v; };
    const r = orig.apply(this, args);
    return r && typeof r.then === 'function' ? r.then(done) : done(r);
  };
}

async function open({ memlabDir, file }) {
  const t0 = now();
  const { req, core, version } = load(memlabDir);
  const { getFullHeapFromFile } = req('@memlab/heap-analysis');
  const loadMs = now() - t0;
  const rssAfterLoadBytes = process.memoryUsage.rss();
  const inner = [];
  wrap(core.utils, 'getSnapshotFromFile', '  parse', inner);
  wrap(core.TraceFinder && core.TraceFinder.prototype, 'annotateShortestPaths', '  shortest paths', inner);
  wrap(core.TraceFinder && core.TraceFinder.prototype, 'calculateAllNodesRetainedSizes', '  dominators + retained sizes', inner);
  const [heap, workMs] = await timed(() => getFullHeapFromFile(file));
  const phases = [{ phase: 'getFullHeapFromFile', ms: workMs }, ...inner.map((p) => ({ ...p, sub: true }))];
  const root = heap.nodes.get(0);
  report({ tool: 'memlab', version, task: 'open', loadMs, rssAfterLoadBytes, workMs, phases,
    checks: { nodes: heap.nodes.length, edges: heap.edges.length, rootRetainedSize: root ? root.retainedSize : null } });
}

async function findLeaks({ memlabDir, files }) {
  const { req, version } = load(memlabDir);
  const api = req('@memlab/api');
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'memlab-bench-'));
  try {
    const [result, workMs] = await timed(() => api.findLeaksBySnapshotFilePaths(files[0], files[1], files[2], { workDir, consoleMode: 'SILENT' }));
    report({ tool: 'memlab', version, task: 'findLeaks', workMs, phases: [{ phase: 'findLeaksBySnapshotFilePaths', ms: workMs }],
      checks: { leaks: Array.isArray(result) ? result.length : null } });
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

async function asserts({ memlabDir, program }) {
  const { core, version } = load(memlabDir);
  const { buildApp } = require(program);
  globalThis.__heapsnapBenchApp = buildApp(1);
  let victim = { payload: new Array(1000).fill('x') };
  core.tagObject(victim, 'bench-victim');
  victim = null;
  const [heap, heapMs] = await timed(() => core.takeNodeMinimalHeap());
  const [present, tagMs] = await timed(() => heap.hasObjectWithTag('bench-victim'));
  report({ tool: 'memlab', version, task: 'asserts', workMs: heapMs + tagMs,
    phases: [{ phase: 'takeNodeMinimalHeap', ms: heapMs }, { phase: 'hasObjectWithTag', ms: tagMs }], checks: { victimPresent: present } });
}

const tasks = { open, findLeaks, asserts };
const [task, json] = process.argv.slice(2);
if (!tasks[task]) fail(new Error(`unknown task ${task}`));
else tasks[task](JSON.parse(json)).catch(fail);
