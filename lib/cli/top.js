'use strict';
// `heapsnap top FILE`: the largest objects by retained size, with their dominator chains.
const { parse, run, json, table, truncate, formatBytes } = require('./common.js');

const HELP = `Usage: heapsnap top FILE [--limit N] [--json]

The objects that retain the most memory (excluding roots and V8 internals), each with
the chain of objects that dominate it.

Example:
  heapsnap top app.heapsnapshot --limit 10
`;

async function main(args, io) {
  return run(io, HELP, async () => {
    const { values, positionals } = parse(args, { limit: { type: 'string' } }, { min: 1, max: 1 });
    if (values.help) return io.stdout.write(HELP), 0;
    const limit = Number(values.limit ?? 15);
    const { HeapSnapshot } = require('../../index.js');
    const snap = await HeapSnapshot.open(positionals[0]);
    const c = snap.columns();
    const skip = new Set(['synthetic', 'hidden', 'array', 'code', 'object shape']);
    const order = [];
    for (let i = 0; i < c.ids.length; i++) {
      if (skip.has(c.typeNames[c.types[i]]) || c.distances[i] < 0 || c.distances[i] >= 100000000) continue;
      order.push(i);
    }
    order.sort((a, b) => c.retainedSizes[b] - c.retainedSizes[a]);
    const rows = order.slice(0, limit).map((i) => {
      const n = snap.nodeAt(i);
      const chain = [];
      for (let d = c.dominators[i]; chain.length < 6; d = c.dominators[d]) {
        chain.push(c.classNames[c.classIndexes[d]]);
        if (c.dominators[d] === d) break;
      }
      return { id: n.id, className: n.className, name: n.name, retainedSize: n.retainedSize, shallowSize: n.selfSize, dominators: chain };
    });
    snap.dispose();
    if (values.json) return json(io, rows), 0;
    io.stdout.write(
      table(rows, [
        { title: 'Object', get: (r) => `@${r.id} ${truncate(r.className, 40)}`, align: 'left' },
        { title: 'Retained', get: (r) => formatBytes(r.retainedSize) },
        { title: 'Shallow', get: (r) => formatBytes(r.shallowSize) },
        { title: 'Dominated by', get: (r) => truncate(r.dominators.join(' ← '), 60), align: 'left' },
      ]),
    );
    return 0;
  });
}

module.exports = { main, HELP };
