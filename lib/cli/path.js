'use strict';
// `heapsnap path FILE @ID`: what keeps one object alive.
const { parse, run, json, formatBytes, UsageError, distanceText } = require('./common.js');

const HELP = `Usage: heapsnap path FILE @ID [--retainers N] [--json]

The shortest path from a root that keeps object @ID alive, its dominator chain (who
would free it), and its direct retainers.

Example:
  heapsnap path app.heapsnapshot @12345
`;

async function main(args, io) {
  return run(io, HELP, async () => {
    const { values, positionals } = parse(args, { retainers: { type: 'string' } }, { min: 2, max: 2 });
    if (values.help) return io.stdout.write(HELP), 0;
    const id = Number(String(positionals[1]).replace(/^@/, ''));
    if (!Number.isInteger(id) || id < 0) throw new UsageError(`not an object id: ${positionals[1]}`);
    const { HeapSnapshot } = require('../../index.js');
    const snap = await HeapSnapshot.open(positionals[0]);
    const node = snap.node(id);
    if (!node) {
      io.stderr.write(`heapsnap: no object @${id} in ${positionals[0]}\n`);
      return 1;
    }
    const path = snap.retainerPath(id);
    const chain = [];
    for (let cur = node; cur && chain.length < 100; ) {
      chain.push(cur);
      if (cur.dominatorId === cur.id) break;
      cur = snap.node(cur.dominatorId);
    }
    const retainers = (snap.retainers(id) ?? []).filter((r) => r.type !== 'weak').slice(0, Number(values.retainers ?? 20));
    if (values.json) {
      json(io, { node, path, dominators: chain.map((n) => ({ id: n.id, className: n.className, name: n.name, retainedSize: n.retainedSize })), retainers });
    } else {
      io.stdout.write(`@${node.id} ${node.className} "${node.name}": shallow ${formatBytes(node.selfSize)}, retained ${formatBytes(node.retainedSize)}, distance ${distanceText(node.distance)}\n\n`);
      io.stdout.write(`Retainer path:\n  ${path.text}\n\nDominator chain (freeing any of these frees it):\n`);
      for (const n of chain.slice(1)) io.stdout.write(`  @${n.id} ${n.className} (retains ${formatBytes(n.retainedSize)})\n`);
      io.stdout.write('\nRetainers:\n');
      for (const r of retainers) {
        const from = snap.node(r.fromId);
        io.stdout.write(`  ${r.type} ${r.name} from @${r.fromId} ${from?.className ?? ''} (distance ${distanceText(from?.distance ?? -5)})\n`);
      }
    }
    snap.dispose();
    return 0;
  });
}

module.exports = { main, HELP };
