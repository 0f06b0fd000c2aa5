'use strict';
// `heapsnap path FILE @ID`: what keeps one object alive.
const { HeapSnapshot } = require('../snapshot.js');
const { shortLocation } = require('../format.js');
const { defineCommand, UsageError, count, formatBytes, formatDistance, printable: p } = require('./common.js');

module.exports = defineCommand({
  name: 'path',
  summary: 'what keeps one object alive (FILE @ID)',
  usage: 'FILE @ID',
  positionals: { min: 2, max: 2 },
  description: `
The shortest path from a root that keeps object @ID alive, its dominator chain (who
would free it), and its direct retainers.`,
  options: {
    retainers: { type: 'string', value: 'N', parse: count, default: 20, description: 'direct retainers shown' },
  },
  examples: ['heapsnap path app.heapsnapshot @12345'],
  exitCodes: 'Exit codes: 0 ok, 1 no such object, 2 bad usage or unreadable input.',
  async run({ values, positionals: [file, idText], io, out, json, progress }) {
    if (!/^@?\d+$/.test(idText)) throw new UsageError(`not an object id: ${idText}`);
    const id = Number(idText.replace(/^@/, ''));
    const snap = await HeapSnapshot.open(file, { onProgress: progress('reading') });
    try {
      const node = snap.node(id);
      if (!node) {
        io.stderr.write(`heapsnap: no object @${id} in ${p(file)}\n`);
        return 1;
      }
      const path = snap.retainerPath(id);
      const chain = [];
      for (let cur = node; cur && chain.length < 100; ) {
        chain.push(cur);
        if (cur.dominatorId === cur.id) break;
        cur = snap.node(cur.dominatorId);
      }
      const retainers = (snap.retainers(id) ?? []).filter((r) => r.type !== 'weak').slice(0, values.retainers);
      if (values.json) {
        json({ node, path, dominators: chain.map((n) => ({ id: n.id, className: n.className, name: n.name, location: n.location ?? null, retainedSize: n.retainedSize })), retainers });
        return 0;
      }
      const where = node.location ? ` at ${p(shortLocation(node.location))}:${node.location.column}` : '';
      out(`@${node.id} ${p(node.className)} "${p(node.name)}"${where}: shallow ${formatBytes(node.selfSize)}, retained ${formatBytes(node.retainedSize)}, distance ${formatDistance(node)}\n\n`);
      out(`Retainer path:\n  ${path ? p(path.text) : '(no path from a root)'}\n\nDominator chain (freeing any of these frees it):\n`);
      for (const n of chain.slice(1)) out(`  @${n.id} ${p(n.className)}${n.location ? ` (${p(shortLocation(n.location))})` : ''} (retains ${formatBytes(n.retainedSize)})\n`);
      out('\nRetainers:\n');
      for (const r of retainers) {
        const from = snap.node(r.fromId);
        out(`  ${r.type} ${p(r.name)} from @${r.fromId} ${p(from?.className ?? '')} (distance ${formatDistance(from)})\n`);
      }
      return 0;
    } finally {
      snap.dispose();
    }
  },
});
