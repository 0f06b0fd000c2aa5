#!/usr/bin/env node
'use strict';
// The heapsnap CLI: `heapsnap <command> [args]`. Each command is lib/cli/<command>.js, defined on
// lib/cli/common.js (its --help comes from its option schema), and returns its exit code:
// 0 ok, 1 a check failed (leak found, growth over a limit, capture failed), 2 bad usage or
// unreadable input, 130 interrupted.

const COMMANDS = ['summary', 'stats', 'diff', 'leaks', 'growth', 'path', 'top', 'dupes', 'capture', 'report', 'demo', 'explore', 'mcp', 'budget', 'cache'];

const command = (name) => require(`../lib/cli/${name}.js`);

function usage() {
  const lines = COMMANDS.map((name) => `  ${name.padEnd(9)} ${command(name).spec.summary}`);
  return `Usage: heapsnap <command> [options]

Commands:
${lines.join('\n')}

Every command takes --json and --help. Exit codes: 0 ok, 1 check failed, 2 usage/input error.
Analyses of snapshots of 16 MB and more are kept in a cache (heapsnap cache info); --no-cache
on any command skips it.
`;
}

async function cli(argv, io = { stdout: process.stdout, stderr: process.stderr }) {
  const noCache = argv.includes('--no-cache');
  require('../lib/cache/index.js').setDefault(!noCache);
  const [cmd, ...rest] = argv.filter((a) => a !== '--no-cache');
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.stdout.write(usage());
    return cmd ? 0 : 2;
  }
  if (cmd === '--version' || cmd === '-v') {
    io.stdout.write(require('../package.json').version + '\n');
    return 0;
  }
  if (!COMMANDS.includes(cmd)) {
    io.stderr.write(`heapsnap: unknown command '${cmd}' (see 'heapsnap --help')\n`);
    return 2;
  }
  return command(cmd).main(rest, io);
}

/**
 * `stream`, but once its reader has gone (EPIPE: `heapsnap summary … | head`) further writes are
 * dropped quietly instead of ending in a stack trace. The command still runs to its end, so its
 * exit code (a leak found, a limit exceeded) is not lost.
 */
function quietWhenClosed(stream) {
  let closed = false;
  stream.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
    closed = true;
  });
  return {
    write: (text) => (closed ? true : stream.write(text)),
    get isTTY() {
      return stream.isTTY;
    },
  };
}

module.exports = { cli, COMMANDS };

if (require.main === module) {
  const io = { stdout: quietWhenClosed(process.stdout), stderr: quietWhenClosed(process.stderr) };
  cli(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      io.stderr.write(`heapsnap: ${err && err.stack ? err.stack : err}\n`);
      process.exitCode = 1;
    },
  );
}
