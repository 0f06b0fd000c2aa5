'use strict';
// `heapsnap summary FILE`: DevTools' Summary view, classes by retained size.
const { HeapSnapshot } = require('../snapshot.js');
const { shortLocation } = require('../format.js');
const { CLASS_SORTS: SORTS } = require('../explore/model.js'); // the explorer's Summary sorts the same ways
const { defineCommand, UsageError, count, table, truncate, formatDistance, formatBytes, printable } = require('./common.js');

function sortKey(text, flag) {
  if (!Object.hasOwn(SORTS, text)) throw new UsageError(`${flag} must be one of ${Object.keys(SORTS).join(', ')}, got '${text}'`);
  return text;
}

function regex(text, flag) {
  try {
    return new RegExp(text);
  } catch (e) {
    throw new UsageError(`${flag}: ${e.message}`);
  }
}

module.exports = defineCommand({
  name: 'summary',
  summary: 'Summary view: classes by retained size',
  usage: 'FILE',
  files: { min: 1, max: 1 },
  description: `
The Summary view of Chrome DevTools' Memory panel: one row per class (constructor, or
"{a, b}" shape for plain objects), with object count, shallow and retained size and
distance from the roots. Numbers are identical to DevTools'.`,
  options: {
    limit: { type: 'string', value: 'N', parse: count, description: 'classes shown (default 30; all with --json)' },
    sort: { type: 'string', value: 'KEY', parse: sortKey, default: 'retained', description: `order: ${Object.keys(SORTS).join(', ')}` },
    filter: { type: 'string', value: 'REGEX', parse: regex, description: 'only classes whose name matches' },
  },
  examples: [
    'heapsnap summary app.heapsnapshot --limit 20',
    "heapsnap summary app.heapsnapshot --filter '^Request' --sort count",
    'heapsnap summary app.heapsnapshot --json > summary.json',
  ],
  async run({ values, positionals: [file], out, json, progress }) {
    const snap = await HeapSnapshot.open(file, { onProgress: progress('reading') });
    try {
      let rows = snap.summary();
      if (values.filter) rows = rows.filter((r) => values.filter.test(r.className));
      rows.sort(SORTS[values.sort]);
      const shown = rows.slice(0, values.limit ?? (values.json ? Infinity : 30));
      if (values.json) {
        json({ file, nodeCount: snap.nodeCount, edgeCount: snap.edgeCount, totalSize: snap.totalSize, classes: shown });
        return 0;
      }
      out(`${printable(file)}: ${snap.nodeCount} nodes, ${snap.edgeCount} edges, total ${formatBytes(snap.totalSize)}\n\n`);
      out(
        table(shown, [
          { title: 'Class', get: (r) => truncate(r.className + (r.location ? ` (${shortLocation(r.location)})` : ''), 60), align: 'left' },
          { title: 'Count', get: (r) => r.count },
          { title: 'Shallow', get: (r) => formatBytes(r.shallowSize) },
          { title: 'Retained', get: (r) => formatBytes(r.retainedSize) },
          { title: 'Distance', get: (r) => formatDistance(r) },
        ]),
      );
      if (rows.length > shown.length) out(`… ${rows.length - shown.length} more classes (--limit)\n`);
      return 0;
    } finally {
      snap.dispose();
    }
  },
});
