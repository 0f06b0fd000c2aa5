'use strict';
// `heapsnap dupes FILE`: duplicated strings, by the memory they take.
const { parse, run, json, table, truncate, formatBytes } = require('./common.js');

const HELP = `Usage: heapsnap dupes FILE [--limit N] [--json]

Strings whose text occurs more than once in the heap (DevTools' "Duplicated strings"),
with how many copies and the memory they take: candidates for interning or a lookup map.

Example:
  heapsnap dupes app.heapsnapshot --limit 20
`;

async function main(args, io) {
  return run(io, HELP, async () => {
    const { values, positionals } = parse(args, { limit: { type: 'string' } }, { min: 1, max: 1 });
    if (values.help) return io.stdout.write(HELP), 0;
    const { HeapSnapshot } = require('../../index.js');
    const snap = await HeapSnapshot.open(positionals[0]);
    const groups = snap.duplicatedStrings({ limit: Number(values.limit ?? (values.json ? 1000 : 25)) });
    snap.dispose();
    if (values.json) return json(io, groups), 0;
    if (!groups.length) return io.stdout.write('No duplicated strings.\n'), 0;
    io.stdout.write(
      table(groups, [
        { title: 'String', get: (g) => JSON.stringify(truncate(g.value, 60)), align: 'left' },
        { title: 'Copies', get: (g) => g.count },
        { title: 'Shallow', get: (g) => formatBytes(g.totalSelfSize) },
        { title: 'Retained', get: (g) => formatBytes(g.totalRetainedSize) },
      ]),
    );
    return 0;
  });
}

module.exports = { main, HELP };
