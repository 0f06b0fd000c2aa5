'use strict';
// `heapsnap stats FILE`: DevTools' Statistics view.
const { parse, run, json, progress, table, formatBytes } = require('./common.js');

const HELP = `Usage: heapsnap stats FILE [--json]

The Statistics view of Chrome DevTools: where the heap's bytes are (code, strings,
JS arrays, typed arrays, system objects, other JS objects, other native memory).

Example:
  heapsnap stats app.heapsnapshot
`;

async function main(args, io) {
  return run(io, HELP, async () => {
    const { values, positionals } = parse(args, {}, { min: 1, max: 1 });
    if (values.help) return io.stdout.write(HELP), 0;
    const { HeapSnapshot } = require('../../index.js');
    const snap = await HeapSnapshot.open(positionals[0], { onProgress: progress(io, 'parsing') });
    const s = snap.statistics();
    snap.dispose();
    if (values.json) return json(io, { file: positionals[0], statistics: s }), 0;
    const otherJs = s.v8heap.total - s.v8heap.code - s.v8heap.strings - s.v8heap.jsArrays - s.v8heap.system;
    const rows = [
      ['Code', s.v8heap.code],
      ['Strings', s.v8heap.strings],
      ['JS arrays', s.v8heap.jsArrays],
      ['Typed arrays', s.native.typedArrays],
      ['System objects', s.v8heap.system],
      ['Other JS objects', otherJs],
      ['Other non-JS objects', s.native.total - s.native.typedArrays],
      ['Total', s.total],
    ];
    io.stdout.write(
      table(rows, [
        { title: 'Category', get: (r) => r[0], align: 'left' },
        { title: 'Size', get: (r) => formatBytes(r[1]) },
        { title: 'Share', get: (r) => (s.total ? ((100 * r[1]) / s.total).toFixed(1) + '%' : '-') },
      ]),
    );
    return 0;
  });
}

module.exports = { main, HELP };
