'use strict';
/**
 * `heapsnap report`: write a self-contained HTML report (no network, one file) of one snapshot,
 * a comparison of two, or the leaks across three.
 *
 *     main(args, io) → Promise<exit code>
 *       args: the words after `report`; io: { stdout, stderr } writable streams.
 *
 * The report's path goes to stdout (`--json`: `{ "output": path, "bytes": n }`), errors to
 * stderr as one line. The file is written atomically (a temporary name beside it, then
 * rename) with mode 0600: reports describe a process's memory and may hold its data.
 * Exit codes: 0 written, 1 unexpected failure, 2 bad usage, unreadable input or output path.
 */
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');

const HELP = `Usage: heapsnap report FILE [BASE | BASELINE TARGET FINAL] [options]

Write a self-contained HTML report (inline CSS/JS/SVG, no network) of heap snapshots.

  heapsnap report FILE                        summary and statistics of FILE
  heapsnap report FILE BASE                   FILE compared against BASE: growth per class,
                                              plus the summary of FILE
  heapsnap report BASELINE TARGET FINAL       leaks: objects allocated between BASELINE and
                                              TARGET still alive in FINAL, with retainer
                                              paths, plus the summary of FINAL

Options:
  -o, --output <file>  where to write the report (default: <last file>.html in the
                       current directory); written atomically, mode 0600
  --title <text>       the report's title
  --redact             hide strings that may be data (string contents, object previews
                       and data-like property names in retainer paths, data-like keys
                       in {…} class names, directories of file names); each becomes
                       ‹redacted len=N sha256=xxxxxxxx›. Use for reports that leave the machine
  --json               print { "output": path, "bytes": n } instead of the path
  -h, --help           show this help

Examples:
  heapsnap report app.heapsnapshot -o app.html
  heapsnap report after.heapsnapshot before.heapsnapshot -o growth.html --title "After 1k requests"
  heapsnap report s1.heapsnapshot s2.heapsnapshot s3.heapsnapshot -o leaks.html --redact

Exit codes: 0 written, 1 unexpected failure, 2 bad usage or unreadable input.
`;

const OPTIONS = {
  output: { type: 'string', short: 'o' },
  title: { type: 'string' },
  redact: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

class UsageError extends Error {}

function parse(args) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err.message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  if (positionals.length === 0) throw new UsageError('report needs 1, 2 or 3 snapshot files (see --help)');
  if (positionals.length > 3) throw new UsageError(`report takes at most 3 snapshot files, got ${positionals.length}`);
  if (values.output === '') throw new UsageError('--output must not be empty');
  for (const f of positionals) {
    try {
      fs.accessSync(f, fs.constants.R_OK);
      if (!fs.statSync(f).isFile()) throw new Error('not a file');
    } catch (err) {
      throw new UsageError(`cannot read snapshot '${f}': ${err.code || err.message}`);
    }
  }
  const last = positionals[positionals.length - 1];
  const output = values.output ?? `${path.basename(last).replace(/\.heapsnapshot$/i, '')}.html`;
  return { files: positionals, output: path.resolve(output), title: values.title, redact: values.redact, json: values.json };
}

/** Opens, analyses and shapes what renderReport needs. */
async function collect(files) {
  const { HeapSnapshot, diff, findLeaks } = require('../../index.js');
  const summaryOf = (snap) => ({
    snapshot: { nodeCount: snap.nodeCount, edgeCount: snap.edgeCount, totalSize: snap.totalSize },
    summary: snap.summary(),
    statistics: snap.statistics(),
  });
  if (files.length === 1) {
    const snap = await HeapSnapshot.open(files[0]);
    try {
      return { files, ...summaryOf(snap) };
    } finally {
      snap.dispose();
    }
  }
  if (files.length === 2) {
    const [file, base] = files;
    const snap = await HeapSnapshot.open(file);
    try {
      const rows = await diff(base, snap, { ids: false });
      return { files: [base, file], ...summaryOf(snap), diff: rows };
    } finally {
      snap.dispose();
    }
  }
  const [baseline, target, final] = files;
  const snap = await HeapSnapshot.open(final);
  try {
    const leaks = await findLeaks({ baseline, target, final: snap });
    return { files, ...summaryOf(snap), leaks };
  } finally {
    snap.dispose();
  }
}

/** Writes `text` to `file` whole or not at all, mode 0600. Returns the byte count. */
function writeAtomic(file, text) {
  const tmp = `${file}.tmp-${process.pid}`;
  const buf = Buffer.from(text, 'utf8');
  try {
    fs.rmSync(tmp, { force: true });
    fs.writeFileSync(tmp, buf, { mode: 0o600, flag: 'wx' });
    fs.chmodSync(tmp, 0o600); // whatever the umask or a filesystem's defaults
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  return buf.length;
}

function oneLine(err) {
  return String(err && err.message ? err.message : err).split('\n')[0];
}

async function main(args, io) {
  const { stdout, stderr } = io;
  let opts;
  try {
    opts = parse(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    stderr.write(`heapsnap report: ${err.message}\n`);
    return 2;
  }
  if (opts.help) {
    stdout.write(HELP);
    return 0;
  }

  let data;
  try {
    data = await collect(opts.files);
  } catch (err) {
    const input = /^ERR_HEAPSNAP|^ENOENT|^EACCES|^EISDIR/.test(String(err.code || ''));
    stderr.write(`heapsnap report: ${input ? 'cannot read snapshot: ' : ''}${oneLine(err)}${err.code ? ` (${err.code})` : ''}\n`);
    return input ? 2 : 1;
  }

  const { renderReport } = require('../report/html.js');
  const html = renderReport(data, { title: opts.title, redact: opts.redact });
  let bytes;
  try {
    bytes = writeAtomic(opts.output, html);
  } catch (err) {
    stderr.write(`heapsnap report: cannot write '${opts.output}': ${oneLine(err)}\n`);
    return 2;
  }
  stdout.write(opts.json ? `${JSON.stringify({ output: opts.output, bytes })}\n` : `${opts.output}\n`);
  return 0;
}

module.exports = { main, HELP };
