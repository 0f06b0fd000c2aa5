'use strict';
// `heapsnap dupes FILE`: duplicated strings, by the memory they take.
const { HeapSnapshot } = require('../snapshot.js');
const { defineCommand, count, table, truncate, formatBytes } = require('./common.js');

module.exports = defineCommand({
  name: 'dupes',
  summary: 'duplicated strings, by the memory they take',
  usage: 'FILE',
  files: { min: 1, max: 1 },
  description: `
Strings whose text occurs more than once in the heap (DevTools' "Duplicated strings"),
with how many copies and the memory they take: candidates for interning or a lookup map.`,
  options: {
    limit: { type: 'string', value: 'N', parse: count, description: 'strings shown (default 25; 1000 with --json)' },
  },
  examples: ['heapsnap dupes app.heapsnapshot --limit 20'],
  async run({ values, positionals: [file], out, json, progress }) {
    const snap = await HeapSnapshot.open(file, { onProgress: progress('reading') });
    let groups;
    try {
      groups = snap.duplicatedStrings({ limit: values.limit ?? (values.json ? 1000 : 25) });
    } finally {
      snap.dispose();
    }
    if (values.json) return json(groups), 0;
    if (!groups.length) return out('No duplicated strings.\n'), 0;
    out(
      table(groups, [
        { title: 'String', get: (g) => JSON.stringify(truncate(g.value, 60)), align: 'left' },
        { title: 'Copies', get: (g) => g.count },
        { title: 'Shallow', get: (g) => formatBytes(g.totalSelfSize) },
        { title: 'Retained', get: (g) => formatBytes(g.totalRetainedSize) },
      ]),
    );
    return 0;
  },
});
