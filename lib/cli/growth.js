'use strict';
// `heapsnap growth F1 F2 F3 …`: classes and collections growing at every step.
const { findGrowth } = require('../leaks.js');
const { defineCommand, count, table, truncate, formatBytes, printable } = require('./common.js');

module.exports = defineCommand({
  name: 'growth',
  summary: 'classes and collections growing at every step (F1 F2 F3 ...)',
  usage: 'F1 F2 [F3 ...]',
  files: { min: 2, max: Infinity },
  description: `
Across snapshots of one process taken in order, the classes whose instance count and the
collections (Array, Map, Set, objects) whose number of entries grew at every step: the
signature of unbounded growth.`,
  options: {
    limit: { type: 'string', value: 'N', parse: count, default: 20, description: 'classes and collections shown' },
  },
  examples: ['heapsnap growth s1.heapsnapshot s2.heapsnapshot s3.heapsnapshot'],
  async run({ values, positionals, out, json, progress }) {
    const g = await findGrowth(positionals, { limit: values.limit, onProgress: progress('reading') });
    if (values.json) return json(g), 0;
    out('Classes growing at every step:\n');
    out(
      g.classes.length
        ? table(g.classes, [
            { title: 'Class', get: (r) => truncate(r.className, 50), align: 'left' },
            { title: 'Counts', get: (r) => r.counts.join(' → '), align: 'left' },
            { title: 'Shallow', get: (r) => r.sizes.map((n) => formatBytes(n)).join(' → '), align: 'left' },
          ])
        : '  none\n',
    );
    out('\nCollections growing at every step:\n');
    if (!g.collections.length) out('  none\n');
    for (const c of g.collections) {
      out(`  ${printable(c.className)} @${c.id}: ${c.sizes.join(' → ')} entries, retains ${formatBytes(c.retainedSizes.at(-1))}\n    ${printable(c.path.text)}\n`);
    }
    return 0;
  },
});
