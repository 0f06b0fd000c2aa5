'use strict';
// `heapsnap demo`: runs a bundled leaky program, takes baseline/target/final snapshots of it,
// finds the leak, prints it with its retainer path and the Summary, and writes an HTML report.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { HeapSnapshot } = require('../snapshot.js');
const { findLeaks, formatLeaks } = require('../leaks.js');
const { writeFileAtomic } = require('../fs.js');
const { renderReport } = require('../report/html.js');
const { defineCommand, positive, table, truncate, formatBytes, distanceText } = require('./common.js');

module.exports = defineCommand({
  name: 'demo',
  summary: 'run a bundled leaky program, find its leak, write a report',
  description: `
Runs examples/leaky-app.js (a small service that leaks one listener and its request
context per request), captures three heap snapshots of it, finds the leak and prints it
with the path that keeps it alive, then writes heapsnap-demo-report.html.
--fixed runs the corrected program: no leak is found.`,
  options: {
    requests: { type: 'string', value: 'N', parse: positive, default: 200, description: 'requests the program handles' },
    fixed: { type: 'boolean', description: 'run the corrected program' },
    keep: { type: 'string', value: 'DIR', description: 'keep the three snapshots in DIR' },
  },
  examples: ['heapsnap demo', 'heapsnap demo --fixed'],
  async run({ values, out, json, progress }) {
    const dir = values.keep ? path.resolve(values.keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'heapsnap-demo-'));
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const app = path.join(__dirname, '..', '..', 'examples', 'leaky-app.js');
    const say = (s) => values.json || out(s);
    try {
      say(`1. Running ${path.relative(process.cwd(), app)} (${values.requests} requests${values.fixed ? ', fixed version' : ''}) and capturing baseline, target, final...\n`);
      const appArgs = [app, dir, '--requests', String(values.requests)];
      if (values.fixed) appArgs.push('--fixed');
      execFileSync(process.execPath, appArgs, { stdio: ['ignore', 'ignore', 'inherit'] });
      const files = ['baseline', 'target', 'final'].map((n) => path.join(dir, `${n}.heapsnapshot`));
      const t0 = process.hrtime.bigint();
      const final = await HeapSnapshot.open(files[2], { onProgress: progress('reading') });
      try {
        const report = await findLeaks({ baseline: files[0], target: files[1], final });
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        say(`2. Analysed ${final.nodeCount} nodes / ${final.edgeCount} edges of the final snapshot in ${ms.toFixed(0)} ms.\n\n`);
        say('3. Leaks (new since baseline, alive at target, still alive after cleanup):\n\n');
        say(formatLeaks(report, { limit: 5 }));
        const summary = final.summary();
        say('4. Summary of the final snapshot (top 10 classes by retained size):\n\n');
        say(
          table(summary.slice(0, 10), [
            { title: 'Class', get: (r) => truncate(r.className, 50), align: 'left' },
            { title: 'Count', get: (r) => r.count },
            { title: 'Shallow', get: (r) => formatBytes(r.shallowSize) },
            { title: 'Retained', get: (r) => formatBytes(r.retainedSize) },
            { title: 'Distance', get: (r) => distanceText(r.distance) },
          ]),
        );
        const reportPath = path.resolve('heapsnap-demo-report.html');
        const html = renderReport(
          { files, snapshot: { nodeCount: final.nodeCount, edgeCount: final.edgeCount, totalSize: final.totalSize }, summary, statistics: final.statistics(), leaks: report },
          { title: 'heapsnap demo: leaky-app' },
        );
        writeFileAtomic(reportPath, html, { what: 'the report' });
        say(`\n5. HTML report: ${reportPath}\n`);
        if (values.keep) say(`Snapshots kept in ${dir}\n`);
        if (values.json) json({ snapshots: values.keep ? files : null, report: reportPath, leaks: report });
        return 0;
      } finally {
        final.dispose();
      }
    } finally {
      if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
    }
  },
});
