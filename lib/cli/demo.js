'use strict';
// `heapsnap demo`: runs a bundled leaky program, takes baseline/target/final snapshots of it,
// finds the leak, prints it with its retainer path and the Summary (and what their words mean),
// and writes an HTML report. Everything goes into one directory outside the working tree; the
// final snapshot stays there so that the ids printed can be looked up.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { HeapSnapshot } = require('../snapshot.js');
const { findLeaks, formatLeaks } = require('../leaks.js');
const { writeWhole } = require('../fs.js');
const { renderReport } = require('../report/html.js');
const { defineCommand, positive, table, truncate, formatBytes, formatDistance } = require('./common.js');

/** One line for each word the output above uses. */
const GLOSSARY = `Reading this:
  shallow           memory the object itself takes
  retained          memory freed if the object went away: itself and all that only it keeps alive
  distance          references on the shortest path from a GC root (the global object) to it
  cluster           leaked objects of one class kept alive by the same path, reported as one
  system / Context  V8's store of the variables a closure captured (shown as {context} in paths)
`;

module.exports = defineCommand({
  name: 'demo',
  summary: 'run a bundled leaky program, find its leak, write a report',
  description: `
Runs examples/leaky-app.js (a small service that leaks one listener and its request
context per request), captures three heap snapshots of it, finds the leak and prints it
with the path that keeps it alive, then writes report.html. The final snapshot and the
report stay in a new directory under the system's temporary directory (or --keep DIR,
which also keeps the baseline and target snapshots); nothing is written where you are.
--fixed runs the corrected program: no leak is found.`,
  options: {
    requests: { type: 'string', value: 'N', parse: positive, default: 200, description: 'requests the program handles' },
    fixed: { type: 'boolean', description: 'run the corrected program' },
    keep: { type: 'string', value: 'DIR', description: 'write the three snapshots and the report into DIR' },
  },
  examples: ['heapsnap demo', 'heapsnap demo --fixed'],
  async run({ values, out, json, progress }) {
    const dir = values.keep ? path.resolve(values.keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'heapsnap-demo-'));
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      return await demo({ values, out, json, progress, dir });
    } catch (err) {
      if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  },
});

async function demo({ values, out, json, progress, dir }) {
  const app = path.join(__dirname, '..', '..', 'examples', 'leaky-app.js');
  const say = (s) => values.json || out(s);
  say(`1. Running ${path.relative(process.cwd(), app)} (${values.requests} requests${values.fixed ? ', fixed version' : ''}) and capturing baseline, target, final...\n`);
  const appArgs = [app, dir, '--requests', String(values.requests)];
  if (values.fixed) appArgs.push('--fixed');
  execFileSync(process.execPath, appArgs, { stdio: ['ignore', 'ignore', 'inherit'] });
  const files = ['baseline', 'target', 'final'].map((n) => path.join(dir, `${n}.heapsnapshot`));
  const t0 = process.hrtime.bigint();
  const final = await HeapSnapshot.open(files[2], { onProgress: progress('reading') });
  let report;
  let summary;
  try {
    report = await findLeaks({ baseline: files[0], target: files[1], final });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    say(`2. Analysed ${final.nodeCount} nodes / ${final.edgeCount} edges of the final snapshot in ${ms.toFixed(0)} ms.\n\n`);
    say('3. Leaks (new since baseline, alive at target, still alive after cleanup):\n\n');
    say(formatLeaks(report, { limit: 5 }));
    summary = final.summary();
    say('4. Summary of the final snapshot (top 10 classes by retained size):\n\n');
    say(
      table(summary.slice(0, 10), [
        { title: 'Class', get: (r) => truncate(r.className, 50), align: 'left' },
        { title: 'Count', get: (r) => r.count },
        { title: 'Shallow', get: (r) => formatBytes(r.shallowSize) },
        { title: 'Retained', get: (r) => formatBytes(r.retainedSize) },
        { title: 'Distance', get: (r) => formatDistance(r) },
      ]),
    );
    say(`\n${GLOSSARY}`);
    const reportPath = path.join(dir, 'report.html');
    const html = renderReport(
      { files, snapshot: { nodeCount: final.nodeCount, edgeCount: final.edgeCount, totalSize: final.totalSize }, summary, statistics: final.statistics(), leaks: report },
      { title: 'heapsnap demo: leaky-app' },
    );
    await writeWhole(reportPath, html, { what: 'the report' });
    // the ids printed above are ids of the final snapshot: it stays; the other two go unless --keep
    if (!values.keep) for (const f of files.slice(0, 2)) fs.rmSync(f, { force: true });
    const kept = values.keep ? files : [files[2]];
    say(`\n5. HTML report: ${reportPath}\n`);
    say(`   Snapshot${kept.length > 1 ? 's' : ''} kept: ${kept.join(', ')}${values.keep ? '' : ` (remove ${dir} when done)`}\n`);
    const id = report.clusters[0]?.sampleIds[0];
    if (id !== undefined) say(`   Next: heapsnap path ${files[2]} @${id}   (why object @${id} is alive)\n`);
    if (values.json) json({ dir, snapshots: kept, report: reportPath, leaks: report });
    return 0;
  } finally {
    final.dispose();
  }
}

