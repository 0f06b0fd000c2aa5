'use strict';
// `heapsnap stats FILE`: DevTools' Statistics view.
const { HeapSnapshot } = require('../snapshot.js');
const { defineCommand, table, formatBytes } = require('./common.js');

module.exports = defineCommand({
  name: 'stats',
  summary: 'Statistics view: code, strings, arrays, typed arrays, system, native',
  usage: 'FILE',
  files: { min: 1, max: 1 },
  description: `
The Statistics view of Chrome DevTools: where the heap's bytes are (code, strings,
JS arrays, typed arrays, system objects, other JS objects, other native memory).`,
  examples: ['heapsnap stats app.heapsnapshot'],
  async run({ values, positionals: [file], out, json, progress }) {
    const snap = await HeapSnapshot.open(file, { onProgress: progress('reading') });
    let s;
    try {
      s = snap.statistics();
    } finally {
      snap.dispose();
    }
    if (values.json) return json({ file, statistics: s }), 0;
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
    out(
      table(rows, [
        { title: 'Category', get: (r) => r[0], align: 'left' },
        { title: 'Size', get: (r) => formatBytes(r[1]) },
        { title: 'Share', get: (r) => (s.total ? ((100 * r[1]) / s.total).toFixed(1) + '%' : '-') },
      ]),
    );
    return 0;
  },
});
