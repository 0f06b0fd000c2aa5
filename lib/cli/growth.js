'use strict';
// `heapsnap growth F1 F2 F3 …`: classes and collections growing at every step.
const { parse, run, json, table, truncate, formatBytes } = require('./common.js');

const HELP = `Usage: heapsnap growth F1 F2 F3 ... [--limit N] [--json]

Across snapshots of one process taken in order, the classes whose instance count and the
collections (Array, Map, Set, objects) whose number of entries grew at every step: the
signature of unbounded growth.

Example:
  heapsnap growth s1.heapsnapshot s2.heapsnapshot s3.heapsnapshot
`;

async function main(args, io) {
  return run(io, HELP, async () => {
    const { values, positionals } = parse(args, { limit: { type: 'string' } }, { min: 2 });
    if (values.help) return io.stdout.write(HELP), 0;
    const { findGrowth } = require('../../index.js');
    const g = await findGrowth(positionals, { limit: values.limit ? Number(values.limit) : 20 });
    if (values.json) return json(io, g), 0;
    io.stdout.write('Classes growing at every step:\n');
    io.stdout.write(
      g.classes.length
        ? table(g.classes, [
            { title: 'Class', get: (r) => truncate(r.className, 50), align: 'left' },
            { title: 'Counts', get: (r) => r.counts.join(' → '), align: 'left' },
            { title: 'Shallow', get: (r) => r.sizes.map(formatBytes).join(' → '), align: 'left' },
          ])
        : '  none\n',
    );
    io.stdout.write('\nCollections growing at every step:\n');
    if (!g.collections.length) io.stdout.write('  none\n');
    for (const c of g.collections) {
      io.stdout.write(`  ${c.className} @${c.id}: ${c.sizes.join(' → ')} entries, retains ${formatBytes(c.retainedSizes.at(-1))}\n    ${c.path.text}\n`);
    }
    return 0;
  });
}

module.exports = { main, HELP };
