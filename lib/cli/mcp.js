'use strict';
// `heapsnap mcp`: a Model Context Protocol server on stdin/stdout, for coding agents.
const { parse, run, UsageError } = require('./common.js');

const HELP = `Usage: heapsnap mcp [--max-open N]

Serves heapsnap's analyses to a coding agent over the Model Context Protocol (stdio
transport: JSON-RPC 2.0, one message per line on stdin/stdout). The agent starts this
command itself; add it to the agent's MCP settings, e.g.

  { "mcpServers": { "heapsnap": { "command": "npx", "args": ["heapsnap", "mcp"] } } }

Tools: summary, statistics, instances, node, edges, retainers, retainer_path,
retainer_tree, dominated, diff, diff_objects, leaks, growth, duplicated_strings, search,
close. Each takes the snapshot's \`path\`; opened snapshots are kept (at most --max-open,
default 4; the least recently used is freed), so follow-up questions answer at once.

  --max-open N   snapshots kept open at once (each takes about 1.5 × its file size)

Nothing is written to stdout but protocol messages; the server exits when stdin closes.
`;

async function main(args, io) {
  return run(io, HELP, async () => {
    const { values } = parse(args, { 'max-open': { type: 'string' } }, { min: 0, max: 0 });
    if (values.help) return io.stdout.write(HELP), 0;
    const maxOpen = values['max-open'] === undefined ? 4 : Number(values['max-open']);
    if (!Number.isSafeInteger(maxOpen) || maxOpen < 1) throw new UsageError('--max-open must be a whole number ≥ 1');
    const { McpServer } = require('../mcp/protocol.js');
    const { createTools } = require('../mcp/tools.js');
    const { SnapshotStore } = require('../explore/store.js');
    const store = new SnapshotStore({ maxOpen });
    const server = new McpServer({
      name: 'heapsnap',
      title: 'heapsnap: V8 heap snapshots',
      version: require('../../package.json').version,
      instructions:
        'Tools to read V8 heap snapshots (.heapsnapshot files, e.g. from heapsnap capture, node --heapsnapshot-signal, ' +
        'v8.writeHeapSnapshot or Chrome DevTools). Start with summary (largest classes), then instances of a suspicious ' +
        'class, then retainer_path or retainer_tree of one of its objects to see what keeps it alive. With two snapshots ' +
        'of one process use diff; with three (before an action, after it, after undoing it) use leaks. Sizes are bytes; ' +
        'ids are written @12345. Lists are paged with limit/offset.',
      tools: createTools(store),
    });
    await server.listen(io.stdin ?? process.stdin, io.stdout);
    store.close();
    return 0;
  });
}

module.exports = { main, HELP };
