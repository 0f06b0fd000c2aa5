'use strict';
// What every CLI command shares: argument parsing with usage errors (exit 2), tables with
// units, JSON output, progress on stderr only when it is a TTY, and error → exit code.

const { parseArgs } = require('node:util');
const { formatBytes } = require('../format.js');

class UsageError extends Error {}

/** util.parseArgs with `--json` and `--help` always known; throws UsageError on bad input. */
function parse(args, options = {}, { min = 0, max = Infinity } = {}) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...options },
    });
  } catch (e) {
    throw new UsageError(e.message);
  }
  if (!parsed.values.help && (parsed.positionals.length < min || parsed.positionals.length > max)) {
    throw new UsageError(`expected ${min === max ? min : `${min} to ${max === Infinity ? 'more' : max}`} file argument(s), got ${parsed.positionals.length}`);
  }
  return parsed;
}

function distanceText(d) {
  return d >= 0 && d < 100000000 ? String(d) : '−';
}

/** Renders rows as an aligned text table. `cols`: [{ title, get, align }] */
function table(rows, cols) {
  const cells = rows.map((r) => cols.map((c) => String(c.get(r))));
  const widths = cols.map((c, i) => Math.max(c.title.length, ...cells.map((row) => row[i].length)));
  const line = (vals) =>
    vals.map((v, i) => (cols[i].align === 'left' ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd();
  return [line(cols.map((c) => c.title)), line(widths.map((w) => '─'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}

function truncate(s, n) {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

/** A progress callback that draws a bar on stderr when it is a TTY, and nothing otherwise. */
function progress(io, label) {
  if (!io.stderr.isTTY) return undefined;
  let last = '';
  return (p) => {
    const frac = p.totalBytes ? p.bytesRead / p.totalBytes : 0;
    const width = 30;
    const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
    const text = `\r${label} ${bar} ${(frac * 100).toFixed(0).padStart(3)}% ${p.phase}`;
    if (text !== last) io.stderr.write(text + (p.phase === 'done' ? '\r' + ' '.repeat(text.length) + '\r' : ''));
    last = text;
  };
}

/** Runs a command body: usage errors and unreadable input exit 2 with one line on stderr. */
async function run(io, help, body) {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`heapsnap: ${e.message}\n\n${help}`);
      return 2;
    }
    if (e && typeof e.code === 'string' && /^(ERR_HEAPSNAP|ENOENT|EACCES|EISDIR|ERR_INVALID)/.test(e.code)) {
      io.stderr.write(`heapsnap: ${e.message}${e.code ? ` [${e.code}]` : ''}\n`);
      return 2;
    }
    throw e;
  }
}

function json(io, value) {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

module.exports = { UsageError, parse, table, truncate, distanceText, progress, run, json, formatBytes };
