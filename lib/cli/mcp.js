'use strict';
// `heapsnap mcp`: a Model Context Protocol server on stdin/stdout, for coding agents.
const { McpServer } = require('../mcp/protocol.js');
const { createTools } = require('../mcp/tools.js');
const { SnapshotStore } = require('../explore/store.js');
const { defineCommand, positive } = require('./common.js');

module.exports = defineCommand({
  name: 'mcp',
  summary: 'MCP server over stdio, for coding agents',
  description: `
Serves heapsnap's analyses to a coding agent over the Model Context Protocol (stdio
transport: JSON-RPC 2.0, one message per line on stdin/stdout). The agent starts this
command itself; add it to the agent's MCP settings, e.g.

  { "mcpServers": { "heapsnap": { "command": "npx", "args": ["heapsnap", "mcp"] } } }

Tools: summary, statistics, instances, node, edges, retainers, retainer_path,
retainer_tree, dominated, diff, diff_objects, leaks, growth, duplicated_strings, search,
close. Each takes the snapshot's \`path\`; opened snapshots are kept (at most --max-open;
the least recently used is freed), so follow-up questions answer at once.

Nothing is written to stdout but protocol messages; the server exits when stdin closes.`,
  options: {
    'max-open': { type: 'string', value: 'N', parse: positive, default: 4, description: 'snapshots kept open at once (each takes about 1.5 × its file size)' },
  },
  async run({ values, io }) {
    const store = new SnapshotStore({ maxOpen: values['max-open'] });
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
  },
});
