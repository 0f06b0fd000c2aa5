'use strict';
// `heapsnap path FILE @ID`: what keeps one object alive.
const { HeapSnapshot } = require('../snapshot.js');
const { shortLocation } = require('../format.js');
const { defineCommand, UsageError, count, positive, formatBytes, formatDistance, printable: p } = require('./common.js');

/** ` (server.js:12)` for a node with a location, '' otherwise. */
const where = (n) => (n.location ? ` (${p(shortLocation(n.location))})` : '');

module.exports = defineCommand({
  name: 'path',
  summary: 'what keeps one object alive (FILE @ID)',
  usage: 'FILE @ID',
  positionals: { min: 2, max: 2 },
  description: `
The shortest path from a root that keeps object @ID alive (among equally short ones,
the one through the program's own code), its dominator chain (who would free it), and
its direct retainers. --all prints DevTools' retainers tree instead, cut at --depth
levels and --max-nodes entries.`,
  options: {
    retainers: { type: 'string', value: 'N', parse: count, default: 20, description: 'direct retainers shown' },
    all: { type: 'boolean', description: "DevTools' retainers tree instead of one path" },
    depth: { type: 'string', value: 'N', parse: count, default: 4, description: 'levels of the retainers tree (--all)' },
    'max-nodes': { type: 'string', value: 'N', parse: positive, default: 200, description: 'entries of the retainers tree (--all)' },
  },
  examples: ['heapsnap path app.heapsnapshot @12345', 'heapsnap path app.heapsnapshot @12345 --all --depth 6'],
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
      if (values.all) {
        const tree = snap.retainerTree(id, { depth: values.depth, maxNodes: values['max-nodes'] });
        if (values.json) return json({ node, tree }), 0;
        out(`Retainers of @${node.id} ${p(node.className)}${where(node)} (nearest to a root first; depth ${values.depth}, ${values['max-nodes']} entries at most):\n`);
        const walk = (t, level) => {
          for (const c of t.children) {
            const n = c.node;
            const tail = c.cycle ? ' (cycle)' : c.omitted ? ` … ${c.omitted} more` : '';
            out(`${'  '.repeat(level)}${p(c.edge.label)} in ${p(n.className)} @${n.id}${where(n)}, distance ${formatDistance(n)}${tail}\n`);
            walk(c, level + 1);
          }
        };
        walk(tree, 1);
        if (tree.omitted) out(`  … ${tree.omitted} more\n`);
        return 0;
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
      const at = node.location ? ` at ${p(shortLocation(node.location))}:${node.location.column}` : '';
      out(`@${node.id} ${p(node.className)} "${p(node.name)}"${at}: shallow ${formatBytes(node.selfSize)}, retained ${formatBytes(node.retainedSize)}, distance ${formatDistance(node)}\n\n`);
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
