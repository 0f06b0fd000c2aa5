'use strict';
/**
 * What every CLI command is made of. A command is a spec; `defineCommand(spec)` turns it into
 * `{ main(args, io) → exit code, HELP, spec }`:
 *
 *     module.exports = defineCommand({
 *       name: 'top',
 *       summary: 'largest objects by retained size',        // the line in `heapsnap --help`
 *       usage: 'FILE',                                       // after `heapsnap top`
 *       files: { min: 1, max: 1 },                          // positionals: snapshot files, checked readable
 *       description: 'The objects that retain the most…',   // the paragraph under Usage
 *       options: { limit: { type: 'string', value: 'N', parse: count, default: 15, description: 'objects shown' } },
 *       examples: ['heapsnap top app.heapsnapshot --limit 10'],
 *       async run({ values, positionals, io, out, json, progress }) { … return 0; },
 *     });
 *
 * A command with subcommands (`heapsnap budget save|check`) gives `subcommands: { save: {…},
 * check: {…} }` instead of usage/files/options/run; each is a spec of its own (named
 * `budget save`), and `heapsnap budget --help` lists them all.
 *
 * One schema serves `util.parseArgs` and the option lines of `--help`, so they cannot drift
 * apart. `--json` and `-h, --help` are added to every command. An option's `parse(text, flag)`
 * turns its text into a value or throws a UsageError, so a typo such as `--limit abc` exits 2
 * with a message instead of printing an empty result with exit 0.
 *
 * Output: results on stdout (tables, or JSON with --json); a progress bar on stderr only when
 * stderr is a TTY (cleared before anything is printed); errors as one line on stderr.
 * Exit codes: 0 ok, 1 a check failed (or the operation itself, e.g. a capture), 2 bad usage or
 * unreadable input, 130 interrupted.
 */
const fs = require('node:fs');
const { parseArgs } = require('node:util');
const { formatBytes, formatDistance, parseBytes, printable } = require('../format.js');
const { isArgumentError } = require('../errors.js');

class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------
// Option values

/** An integer >= 0 (`--limit`). */
function count(text, flag) {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a whole number (0 or more), got '${text}'`);
  return Number(text);
}

/** An integer >= 1 (`--requests`, `--timeout`, `--pid`). */
function positive(text, flag) {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${flag} must be a whole number of at least 1, got '${text}'`);
  return Number(text);
}

/** A TCP port, 1..65535. */
function port(text, flag) {
  const n = positive(text, flag);
  if (n > 65535) throw new UsageError(`${flag} must be between 1 and 65535, got ${text}`);
  return n;
}

/** A TCP port to listen on, 0 (any free port) to 65535. */
function listenPort(text, flag) {
  const n = count(text, flag);
  if (n > 65535) throw new UsageError(`${flag} must be between 0 and 65535, got ${text}`);
  return n;
}

/** A size: "5MB", "512KB", "1.5GB", "1048576" (KB/MB/GB are 1024-based). */
function size(text, flag) {
  const n = parseBytes(text);
  if (Number.isNaN(n)) throw new UsageError(`${flag} must be a size such as 5MB, 512KB or 1048576, got '${text}'`);
  return n;
}

const COMMON_OPTIONS = {
  json: { type: 'boolean', description: 'print JSON instead of text' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

// ---------------------------------------------------------------------------------------------
// Help

function optionLines(options) {
  const rows = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value || 'VALUE'}` : ''}`;
    let text = o.description || '';
    if (o.default !== undefined) text += ` (default ${o.default})`;
    if (o.multiple) text += ' (repeatable)';
    return [flag, text];
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}${text.split('\n').join(`\n  ${' '.repeat(width)}`)}`).join('\n');
}

function usageLine(spec) {
  return `heapsnap ${spec.name}${spec.usage ? ` ${spec.usage}` : ''} [options]`;
}

function helpText(spec) {
  const subs = spec.subcommands ? Object.values(spec.subcommands) : null;
  const usage = subs ? subs.map((sub, i) => `${i ? '       ' : 'Usage: '}${usageLine(sub)}`).join('\n') : `Usage: ${usageLine(spec)}`;
  const parts = [usage, '', spec.description.trim()];
  if (subs) {
    for (const sub of subs) parts.push('', `Options of ${sub.name}:`, optionLines({ ...sub.options, ...COMMON_OPTIONS }));
  } else {
    parts.push('', 'Options:', optionLines({ ...spec.options, ...COMMON_OPTIONS }));
  }
  if (spec.examples && spec.examples.length) parts.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  parts.push('', spec.exitCodes || 'Exit codes: 0 ok, 1 check failed, 2 bad usage or unreadable input.');
  return parts.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Parsing

function parse(spec, args) {
  const options = { ...spec.options, ...COMMON_OPTIONS };
  const schema = {};
  for (const [name, o] of Object.entries(options)) {
    schema[name] = { type: o.type };
    if (o.short) schema[name].short = o.short;
    if (o.multiple) schema[name].multiple = true;
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options: schema, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e.message.split('\n')[0]);
  }
  const values = { ...parsed.values };
  if (values.help) return { values, positionals: parsed.positionals };
  for (const [name, o] of Object.entries(options)) {
    const flag = `--${name}`;
    if (values[name] === undefined) {
      if (o.default !== undefined) values[name] = o.default;
      continue;
    }
    if (o.type === 'string' && o.parse) values[name] = o.multiple ? values[name].map((v) => o.parse(v, flag)) : o.parse(values[name], flag);
  }
  const { min = 0, max = 0 } = spec.files || spec.positionals || {};
  const n = parsed.positionals.length;
  if (n < min || n > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    const noun = spec.files ? 'snapshot file' : 'argument';
    throw new UsageError(max === 0 ? `unexpected argument '${parsed.positionals[0]}'` : `expected ${want} ${noun}${want === '1' ? '' : 's'}, got ${n}`);
  }
  if (spec.files) {
    for (const f of parsed.positionals) {
      try {
        if (!fs.statSync(f).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
        fs.accessSync(f, fs.constants.R_OK);
      } catch (err) {
        throw Object.assign(new Error(`cannot read snapshot '${f}': ${err.code || err.message}`), { exitCode: 2 });
      }
    }
  }
  return { values, positionals: parsed.positionals };
}

// ---------------------------------------------------------------------------------------------
// Output

/** Renders rows as an aligned text table. `cols`: [{ title, get, align: 'left' }]. Cells are `printable`. */
function table(rows, cols) {
  const cells = rows.map((r) => cols.map((c) => printable(c.get(r))));
  const widths = cols.map((c, i) => Math.max(c.title.length, ...cells.map((row) => row[i].length)));
  const line = (vals) => vals.map((v, i) => (cols[i].align === 'left' ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd();
  return [line(cols.map((c) => c.title)), line(widths.map((w) => '─'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}

function truncate(s, n) {
  s = String(s);
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

const SPINNER = ['|', '/', '-', '\\'];

/**
 * The one progress bar, on a TTY stream only: `label [#####.....]  42% parse`. Once the bytes are
 * all read it names the analysis pass and keeps moving — a spinner and the seconds spent in the
 * current pass — so a long analysis never looks stuck: `100% analyze: dominators / 2.4s`.
 * `update({ fraction, phase, step })`; `clear()` before printing results.
 */
class ProgressBar {
  constructor(stream, label) {
    this.stream = stream;
    this.label = label;
    this.shown = false;
    this.phase = null;
    this.phaseStart = 0;
    this.tick = 0;
  }

  update({ fraction, phase = '', step = null }) {
    if (phase === 'done') return this.clear();
    const stage = step ? `${phase}: ${step}` : phase;
    if (stage !== this.phase) {
      this.phase = stage;
      this.phaseStart = Date.now();
    }
    const f = Number.isFinite(fraction) ? Math.max(0, Math.min(1, fraction)) : 0;
    const width = 30;
    const filled = Math.round(f * width);
    let text = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
    if (stage) text += ` ${stage}`;
    const seconds = (Date.now() - this.phaseStart) / 1000;
    if (f >= 1 && stage && seconds >= 0.5) text += ` ${SPINNER[this.tick++ % SPINNER.length]} ${seconds.toFixed(1)}s`;
    this.stream.write(`\r${text}\x1b[K`);
    this.shown = true;
  }

  clear() {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
    this.phase = null;
  }
}

/** The bar's null twin, for a stderr that is not a TTY. */
const NO_BAR = { update() {}, clear() {} };

function progressBar(io, label) {
  return io.stderr.isTTY ? new ProgressBar(io.stderr, label) : NO_BAR;
}

/** An `onProgress` for the API's { phase, bytesRead, totalBytes }, or undefined off a TTY. */
function taskProgress(bar) {
  if (bar === NO_BAR) return undefined;
  return (p) => bar.update({ fraction: p.totalBytes ? p.bytesRead / p.totalBytes : 0, phase: p.phase, step: p.step });
}

// ---------------------------------------------------------------------------------------------
// Running

const INPUT_ERRORS = /^(ERR_HEAPSNAP_\w+|ENOENT|EACCES|EISDIR|ENOTDIR|EPERM)$/;
/** Codes of an operation that failed (exit 1), as opposed to bad input (exit 2). */
const OPERATION_ERRORS = new Set(['ERR_HEAPSNAP_CAPTURE', 'ERR_HEAPSNAP_WORKER', 'ERR_HEAPSNAP_UNSUPPORTED', 'ERR_HEAPSNAP_LEAK']);

function oneLine(message) {
  return printable(String(message).split('\n')[0]);
}

/** The exit code and the stderr line for an error thrown by a command. */
function failure(spec, e) {
  if (e instanceof UsageError || isArgumentError(e)) {
    return [2, `heapsnap: ${oneLine(e.message)} (see 'heapsnap ${spec.name ? `${spec.name} ` : ''}--help')`];
  }
  if (e && typeof e.exitCode === 'number') return [e.exitCode, `heapsnap: ${oneLine(e.message)}${e.code ? ` [${e.code}]` : ''}`];
  if (e && e.code === 'ABORT_ERR') return [130, 'heapsnap: interrupted'];
  if (e && OPERATION_ERRORS.has(e.code)) return [1, `heapsnap: ${oneLine(e.message)} [${e.code}]`];
  if (e && typeof e.code === 'string' && INPUT_ERRORS.test(e.code)) return [2, `heapsnap: ${oneLine(e.message)} [${e.code}]`];
  return [1, `heapsnap: ${e && e.stack ? String(e.stack).split('\n').map(printable).join('\n') : printable(e)}`];
}

/** A command from its spec (see the top of this file). */
function defineCommand(spec) {
  if (spec.subcommands) {
    for (const [name, sub] of Object.entries(spec.subcommands)) {
      sub.name = `${spec.name} ${name}`;
      sub.options = sub.options || {};
      sub.description = sub.description || spec.description;
      sub.examples = sub.examples || spec.examples;
      sub.exitCodes = sub.exitCodes || spec.exitCodes;
    }
  }
  spec.options = spec.options || {};
  const HELP = helpText(spec);
  async function main(args, io) {
    if (spec.subcommands) {
      const [name, ...rest] = args;
      if (name === '--help' || name === '-h' || name === 'help') {
        io.stdout.write(HELP);
        return 0;
      }
      const sub = Object.hasOwn(spec.subcommands, name ?? '') ? spec.subcommands[name] : null;
      if (!sub) {
        const names = Object.keys(spec.subcommands).join(' or ');
        const why = name === undefined ? `${spec.name} needs a subcommand: ${names}` : `unknown ${spec.name} subcommand '${name}' (${names})`;
        const [code, line] = failure(spec, new UsageError(why));
        io.stderr.write(line + '\n');
        return code;
      }
      return runSpec(sub, HELP, rest, io);
    }
    return runSpec(spec, HELP, args, io);
  }
  return { main, HELP, spec };
}

/** Parses `args` for `spec` and runs it; `HELP` is what --help prints. */
async function runSpec(spec, HELP, args, io) {
  const bars = [];
  const ctx = {
    io,
    /** Writes text to stdout, clearing any progress bar first. */
    out(text) {
      for (const b of bars) b.clear();
      io.stdout.write(text);
    },
    json(value) {
      ctx.out(JSON.stringify(value, null, 2) + '\n');
    },
    /** A progress bar on stderr (a no-op off a TTY). */
    bar(label) {
      const b = progressBar(io, label);
      bars.push(b);
      return b;
    },
    /** An `onProgress` callback for the API, drawing a bar labelled `label`. */
    progress(label) {
      return taskProgress(ctx.bar(label));
    },
  };
  try {
    const { values, positionals } = parse(spec, args);
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    return await spec.run({ ...ctx, values, positionals });
  } catch (e) {
    for (const b of bars) b.clear();
    const [code, line] = failure(spec, e);
    io.stderr.write(line + '\n');
    return code;
  }
}

// ---------------------------------------------------------------------------------------------
// The older, imperative shape, kept only while commands written against it are on their way in;
// new commands are specs:
// `run(io, HELP, async () => { const { values } = parse(args, options, { min, max }); … })`.
// Errors map to exit codes as above; a usage error prints the help after its line.

function legacyParse(args, options = {}, { min = 0, max = Infinity } = {}) {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...options } });
  } catch (e) {
    throw new UsageError(e.message.split('\n')[0]);
  }
  if (!parsed.values.help && (parsed.positionals.length < min || parsed.positionals.length > max)) {
    throw new UsageError(`expected ${min === max ? min : `${min} to ${max === Infinity ? 'more' : max}`} file argument(s), got ${parsed.positionals.length}`);
  }
  return parsed;
}

async function legacyRun(io, help, body) {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`heapsnap: ${e.message}\n\n${help}`);
      return 2;
    }
    const [code, line] = failure({ name: '' }, e);
    io.stderr.write(line + '\n');
    return code;
  }
}

function legacyJson(io, value) {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

module.exports = {
  defineCommand,
  UsageError,
  count,
  positive,
  port,
  listenPort,
  size,
  table,
  truncate,
  formatDistance,
  formatBytes,
  printable,
  progressBar,
  parse: legacyParse,
  run: legacyRun,
  json: legacyJson,
};
