'use strict';
// `heapsnap top FILE`: the largest objects by retained size, with their dominator chains.
const { HeapSnapshot } = require('../snapshot.js');
const { shortLocation } = require('../format.js');
const { defineCommand, count, table, truncate, formatBytes } = require('./common.js');

const SKIP_TYPES = new Set(['synthetic', 'hidden', 'array', 'code', 'object shape']);

module.exports = defineCommand({
  name: 'top',
  summary: 'largest objects by retained size, with their dominators',
  usage: 'FILE',
  files: { min: 1, max: 1 },
  description: `
The objects that retain the most memory (excluding roots and V8 internals), each with
the chain of objects that dominate it.`,
  options: {
    limit: { type: 'string', value: 'N', parse: count, default: 15, description: 'objects shown' },
  },
  examples: ['heapsnap top app.heapsnapshot --limit 10'],
  async run({ values, positionals: [file], out, json, progress }) {
    const snap = await HeapSnapshot.open(file, { onProgress: progress('reading') });
    let rows;
    try {
      const c = snap.columns();
      const user = c.reachabilityNames.indexOf('user');
      const order = [];
      for (let i = 0; i < c.ids.length; i++) {
        if (SKIP_TYPES.has(c.typeNames[c.types[i]]) || c.reachability[i] !== user) continue;
        order.push(i);
      }
      order.sort((a, b) => c.retainedSizes[b] - c.retainedSizes[a]);
      rows = order.slice(0, values.limit).map((i) => {
        const n = snap.nodeAt(i);
        const chain = [];
        for (let d = c.dominators[i]; chain.length < 6; d = c.dominators[d]) {
          chain.push(c.classNames[c.classIndexes[d]]);
          if (c.dominators[d] === d) break;
        }
        return { id: n.id, className: n.className, name: n.name, location: n.location ?? null, retainedSize: n.retainedSize, shallowSize: n.selfSize, dominators: chain };
      });
    } finally {
      snap.dispose();
    }
    if (values.json) return json(rows), 0;
    out(
      table(rows, [
        { title: 'Object', get: (r) => `@${r.id} ${truncate(r.className, 40)}${r.location ? ` (${shortLocation(r.location)})` : ''}`, align: 'left' },
        { title: 'Retained', get: (r) => formatBytes(r.retainedSize) },
        { title: 'Shallow', get: (r) => formatBytes(r.shallowSize) },
        { title: 'Dominated by', get: (r) => truncate(r.dominators.join(' ← '), 60), align: 'left' },
      ]),
    );
    return 0;
  },
});
