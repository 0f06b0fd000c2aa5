'use strict';
/**
 * `heapsnap report`: write a self-contained HTML report (no network, one file) of one snapshot,
 * a comparison of two, or the leaks across three.
 *
 * The report's path goes to stdout (`--json`: `{ "output": path, "bytes": n }`), errors to
 * stderr as one line; `-o -` writes the report itself to stdout instead. The file is written with
 * the package's one writer (lib/fs.js: a regular file atomically, mode 0600 — reports describe a
 * process's memory and may hold its data; a device or FIFO such as /dev/null in place).
 */
const path = require('node:path');
const { HeapSnapshot } = require('../snapshot.js');
const { diff, findLeaks } = require('../leaks.js');
const { writeWhole } = require('../fs.js');
const { renderReport } = require('../report/html.js');
const { defineCommand, UsageError } = require('./common.js');

function nonEmpty(text, flag) {
  if (text === '') throw new UsageError(`${flag} must not be empty`);
  return text;
}

/** Opens, analyses and shapes what renderReport needs. */
async function collect(files, onProgress) {
  const summaryOf = (snap) => ({
    snapshot: { nodeCount: snap.nodeCount, edgeCount: snap.edgeCount, totalSize: snap.totalSize },
    summary: snap.summary(),
    statistics: snap.statistics(),
  });
  const main = files.length === 2 ? files[0] : files[files.length - 1];
  const snap = await HeapSnapshot.open(main, { onProgress });
  try {
    if (files.length === 1) return { files, ...summaryOf(snap) };
    if (files.length === 2) {
      const [file, base] = files;
      const rows = await diff(base, snap, { ids: false, onProgress });
      return { files: [base, file], ...summaryOf(snap), diff: rows };
    }
    const [baseline, target] = files;
    const leaks = await findLeaks({ baseline, target, final: snap }, { onProgress });
    return { files, ...summaryOf(snap), leaks };
  } finally {
    snap.dispose();
  }
}

module.exports = defineCommand({
  name: 'report',
  summary: 'self-contained HTML report (FILE [BASE] | BASELINE TARGET FINAL)',
  usage: 'FILE [BASE | BASELINE TARGET FINAL]',
  files: { min: 1, max: 3 },
  description: `
Write a self-contained HTML report (inline CSS/JS/SVG, no network) of heap snapshots.

  heapsnap report FILE                        summary and statistics of FILE
  heapsnap report FILE BASE                   FILE compared against BASE: growth per class,
                                              plus the summary of FILE
  heapsnap report BASELINE TARGET FINAL       leaks: objects allocated between BASELINE and
                                              TARGET still alive in FINAL, with retainer
                                              paths, plus the summary of FINAL`,
  options: {
    output: {
      type: 'string',
      short: 'o',
      value: 'FILE',
      parse: nonEmpty,
      description: 'where to write the report (default: <last file>.html in the\ncurrent directory); written atomically, mode 0600; - for stdout',
    },
    title: { type: 'string', value: 'TEXT', description: "the report's title" },
    redact: {
      type: 'boolean',
      description:
        'hide strings that may be data (string contents, object previews\n' +
        'and data-like property names in retainer paths, data-like keys\n' +
        'in {…} class names, directories of file names); each becomes\n' +
        '‹redacted len=N sha256=xxxxxxxx›. Use for reports that leave the machine',
    },
  },
  examples: [
    'heapsnap report app.heapsnapshot -o app.html',
    'heapsnap report after.heapsnapshot before.heapsnapshot -o growth.html --title "After 1k requests"',
    'heapsnap report s1.heapsnapshot s2.heapsnapshot s3.heapsnapshot -o leaks.html --redact',
  ],
  exitCodes: 'Exit codes: 0 written, 1 unexpected failure, 2 bad usage, unreadable input or unwritable output.\n(--json prints { "output": path, "bytes": n } instead of the path.)',
  async run({ values, positionals: files, out, progress }) {
    const last = files[files.length - 1];
    const toStdout = values.output === '-';
    const output = toStdout ? '-' : path.resolve(values.output ?? `${path.basename(last).replace(/\.heapsnapshot$/i, '')}.html`);
    const data = await collect(files, progress('reading'));
    const html = renderReport(data, { title: values.title, redact: values.redact });
    if (toStdout) {
      out(html);
      return 0;
    }
    let bytes;
    try {
      bytes = await writeWhole(output, html, { what: 'the report' });
    } catch (err) {
      err.exitCode = 2; // an unwritable output is bad input, like an unreadable snapshot
      throw err;
    }
    out(values.json ? `${JSON.stringify({ output, bytes })}\n` : `${output}\n`);
    return 0;
  },
});
