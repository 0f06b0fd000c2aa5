#!/usr/bin/env node
'use strict';
// The heapsnap CLI: `heapsnap <command> [args]`. Each command lives in lib/cli/<command>.js and
// returns its exit code: 0 ok, 1 a check failed (leak found, growth over a limit, capture
// failed), 2 bad usage or unreadable input.

const COMMANDS = {
  summary: 'Summary view: classes by retained size',
  stats: 'Statistics view: code, strings, arrays, typed arrays, system, native',
  diff: 'Comparison view between two snapshots (BASE CURRENT)',
  leaks: 'leak clusters with retainer paths (BASELINE TARGET FINAL)',
  growth: 'classes and collections growing at every step (F1 F2 F3 ...)',
  path: 'what keeps one object alive (FILE @ID)',
  top: 'largest objects by retained size, with their dominators',
  dupes: 'duplicated strings, by the memory they take',
  capture: 'snapshot another Node process (--pid, --port, --url)',
  report: 'self-contained HTML report (FILE [BASE] | BASELINE TARGET FINAL)',
  demo: 'run a bundled leaky program, find its leak, write a report',
  explore: 'local web UI: Summary, Retainers, Comparison, Dominators… (FILE [BASE])',
  mcp: 'MCP server over stdio, for coding agents',
  budget: 'heap budget for CI (save FILE | check BUDGET FILE)',
};

const USAGE = `Usage: heapsnap <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([k, v]) => `  ${k.padEnd(9)} ${v}`)
  .join('\n')}

Every command takes --json and --help. Exit codes: 0 ok, 1 check failed, 2 usage/input error.
`;

async function cli(argv, io = { stdout: process.stdout, stderr: process.stderr }) {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.stdout.write(USAGE);
    return cmd ? 0 : 2;
  }
  if (cmd === '--version' || cmd === '-v') {
    io.stdout.write(require('../package.json').version + '\n');
    return 0;
  }
  if (!Object.hasOwn(COMMANDS, cmd)) {
    io.stderr.write(`heapsnap: unknown command '${cmd}'\n\n${USAGE}`);
    return 2;
  }
  let mod;
  try {
    mod = require(`../lib/cli/${cmd}.js`);
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND') throw e;
    io.stderr.write(`heapsnap: the '${cmd}' command is not available in this build\n`);
    return 2;
  }
  return mod.main(rest, io);
}

module.exports = { cli };

if (require.main === module) {
  cli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`heapsnap: ${err && err.stack ? err.stack : err}\n`);
      process.exitCode = 2;
    },
  );
}
