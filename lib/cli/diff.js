'use strict';
// `heapsnap diff BASE CURRENT`: DevTools' Comparison view, with a CI gate on growth.
const { parse, run, json, table, truncate, formatBytes, UsageError } = require('./common.js');
const { parseBytes } = require('../format.js');

const HELP = `Usage: heapsnap diff BASE CURRENT [--limit N] [--max-growth SIZE] [--json]

The Comparison view of Chrome DevTools: per class, objects added and removed between
two snapshots of one process (matched by object id), sorted by size delta.

  --max-growth SIZE   exit 1 when the total size delta exceeds SIZE (e.g. 5MB)

Examples:
  heapsnap diff before.heapsnapshot after.heapsnapshot
  heapsnap diff before.heapsnapshot after.heapsnapshot --max-growth 5MB
`;

async function main(args, io) {
  return run(io, HELP, async () => {
    const { values, positionals } = parse(args, { limit: { type: 'string' }, 'max-growth': { type: 'string' } }, { min: 2, max: 2 });
    if (values.help) return io.stdout.write(HELP), 0;
    const maxGrowth = values['max-growth'] === undefined ? undefined : parseBytes(values['max-growth']);
    if (Number.isNaN(maxGrowth)) throw new UsageError(`--max-growth: not a size: ${values['max-growth']}`);
    const { diff } = require('../../index.js');
    const rows = await diff(positionals[0], positionals[1], { ids: false });
    rows.sort((a, b) => b.sizeDelta - a.sizeDelta);
    const total = rows.reduce((s, r) => s + r.sizeDelta, 0);
    const failed = maxGrowth !== undefined && total > maxGrowth;
    const limit = values.limit === undefined ? (values.json ? Infinity : 30) : Number(values.limit);
    if (values.json) {
      json(io, { base: positionals[0], current: positionals[1], sizeDelta: total, maxGrowth, failed, classes: rows.slice(0, limit) });
    } else {
      io.stdout.write(
        table(rows.slice(0, limit), [
          { title: 'Class', get: (r) => truncate(r.className, 60), align: 'left' },
          { title: '# New', get: (r) => r.addedCount },
          { title: '# Deleted', get: (r) => r.removedCount },
          { title: '# Delta', get: (r) => (r.countDelta > 0 ? '+' : '') + r.countDelta },
          { title: 'Alloc. Size', get: (r) => formatBytes(r.addedSize) },
          { title: 'Freed Size', get: (r) => formatBytes(r.removedSize) },
          { title: 'Size Delta', get: (r) => (r.sizeDelta > 0 ? '+' : '') + formatBytes(r.sizeDelta) },
        ]),
      );
      io.stdout.write(`\nTotal size delta: ${total > 0 ? '+' : ''}${formatBytes(total)}\n`);
      if (failed) io.stdout.write(`FAIL: growth ${formatBytes(total)} exceeds --max-growth ${formatBytes(maxGrowth)}\n`);
    }
    return failed ? 1 : 0;
  });
}

module.exports = { main, HELP };
