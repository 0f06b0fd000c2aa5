'use strict';
// `heapsnap summary FILE`: DevTools' Summary view, classes by retained size.
const { parse, table, truncate, distanceText, progress, run, json, formatBytes } = require('./common.js');

const HELP = `Usage: heapsnap summary FILE [--limit N] [--sort retained|shallow|count|distance|name] [--filter REGEX] [--json]

The Summary view of Chrome DevTools' Memory panel: one row per class (constructor, or
"{a, b}" shape for plain objects), with object count, shallow and retained size and
distance from the roots. Numbers are identical to DevTools'.

Examples:
  heapsnap summary app.heapsnapshot --limit 20
  heapsnap summary app.heapsnapshot --filter '^Request' --sort count
  heapsnap summary app.heapsnapshot --json > summary.json
`;

const SORTS = {
  retained: (a, b) => b.retainedSize - a.retainedSize,
  shallow: (a, b) => b.shallowSize - a.shallowSize,
  count: (a, b) => b.count - a.count,
  distance: (a, b) => a.distance - b.distance,
  name: (a, b) => (a.className < b.className ? -1 : a.className > b.className ? 1 : 0),
};

async function main(args, io) {
  return run(io, HELP, async () => {
    const { values, positionals } = parse(
      args,
      { limit: { type: 'string' }, sort: { type: 'string' }, filter: { type: 'string' } },
      { min: 1, max: 1 },
    );
    if (values.help) return io.stdout.write(HELP), 0;
    const sort = values.sort ?? 'retained';
    if (!SORTS[sort]) throw new (require('./common.js').UsageError)(`--sort must be one of ${Object.keys(SORTS).join(', ')}`);
    const limit = values.limit === undefined ? (values.json ? Infinity : 30) : Number(values.limit);
    if (!(limit >= 0)) throw new (require('./common.js').UsageError)('--limit must be a number');
    let filter;
    try {
      filter = values.filter ? new RegExp(values.filter) : null;
    } catch (e) {
      throw new (require('./common.js').UsageError)(`--filter: ${e.message}`);
    }
    const { HeapSnapshot } = require('../../index.js');
    const snap = await HeapSnapshot.open(positionals[0], { onProgress: progress(io, 'parsing') });
    let rows = snap.summary();
    if (filter) rows = rows.filter((r) => filter.test(r.className));
    rows.sort(SORTS[sort]);
    const shown = rows.slice(0, limit);
    if (values.json) {
      json(io, { file: positionals[0], nodeCount: snap.nodeCount, edgeCount: snap.edgeCount, totalSize: snap.totalSize, classes: shown });
    } else {
      io.stdout.write(`${positionals[0]}: ${snap.nodeCount} nodes, ${snap.edgeCount} edges, total ${formatBytes(snap.totalSize)}\n\n`);
      io.stdout.write(
        table(shown, [
          { title: 'Class', get: (r) => truncate(r.className, 60), align: 'left' },
          { title: 'Count', get: (r) => r.count },
          { title: 'Shallow', get: (r) => formatBytes(r.shallowSize) },
          { title: 'Retained', get: (r) => formatBytes(r.retainedSize) },
          { title: 'Distance', get: (r) => distanceText(r.distance) },
        ]),
      );
      if (rows.length > shown.length) io.stdout.write(`… ${rows.length - shown.length} more classes (--limit)\n`);
    }
    snap.dispose();
    return 0;
  });
}

module.exports = { main, HELP };
