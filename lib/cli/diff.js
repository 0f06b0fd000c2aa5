'use strict';
// `heapsnap diff BASE CURRENT`: DevTools' Comparison view, with a CI gate on growth.
const { diff } = require('../leaks.js');
const { defineCommand, count, size, table, truncate, formatBytes } = require('./common.js');

module.exports = defineCommand({
  name: 'diff',
  summary: 'Comparison view between two snapshots (BASE CURRENT)',
  usage: 'BASE CURRENT',
  files: { min: 2, max: 2 },
  description: `
The Comparison view of Chrome DevTools: per class, objects added and removed between
two snapshots of one process (matched by object id), sorted by size delta.`,
  options: {
    limit: { type: 'string', value: 'N', parse: count, description: 'classes shown (default 30; all with --json)' },
    'max-growth': { type: 'string', value: 'SIZE', parse: size, description: 'exit 1 when the total size delta exceeds SIZE (e.g. 5MB)' },
    'allow-mismatch': { type: 'boolean', description: 'compare snapshots that look like they come from\ndifferent processes (refused by default)' },
  },
  examples: ['heapsnap diff before.heapsnapshot after.heapsnapshot', 'heapsnap diff before.heapsnapshot after.heapsnapshot --max-growth 5MB'],
  async run({ values, positionals: [base, current], out, json, progress }) {
    const maxGrowth = values['max-growth'];
    const rows = await diff(base, current, { ids: false, allowMismatch: values['allow-mismatch'] === true, onProgress: progress('reading') });
    rows.sort((a, b) => b.sizeDelta - a.sizeDelta);
    const total = rows.reduce((s, r) => s + r.sizeDelta, 0);
    const failed = maxGrowth !== undefined && total > maxGrowth;
    const shown = rows.slice(0, values.limit ?? (values.json ? Infinity : 30));
    if (values.json) {
      json({ base, current, sizeDelta: total, maxGrowth, failed, classes: shown });
    } else {
      out(
        table(shown, [
          { title: 'Class', get: (r) => truncate(r.className, 60), align: 'left' },
          { title: '# New', get: (r) => r.addedCount },
          { title: '# Deleted', get: (r) => r.removedCount },
          { title: '# Delta', get: (r) => (r.countDelta > 0 ? '+' : '') + r.countDelta },
          { title: 'Alloc. Size', get: (r) => formatBytes(r.addedSize) },
          { title: 'Freed Size', get: (r) => formatBytes(r.removedSize) },
          { title: 'Size Delta', get: (r) => (r.sizeDelta > 0 ? '+' : '') + formatBytes(r.sizeDelta) },
        ]),
      );
      if (rows.length > shown.length) out(`… ${rows.length - shown.length} more classes (--limit)\n`);
      out(`\nTotal size delta: ${total > 0 ? '+' : ''}${formatBytes(total)}\n`);
      if (failed) out(`FAIL: growth ${formatBytes(total)} exceeds --max-growth ${formatBytes(maxGrowth)}\n`);
    }
    return failed ? 1 : 0;
  },
});
