'use strict';
/**
 * `heapsnap capture`: take a heap snapshot of another running Node process from the command line.
 *
 *     main(args, io) → Promise<exit code>
 *       args: the words after `capture`; io: { stdout, stderr } writable streams, and optionally
 *       io.signal (an AbortSignal, e.g. from SIGINT) to cancel.
 *
 * The path of the snapshot goes to stdout (so `$(heapsnap capture --pid 123)` works), everything
 * else to stderr; a progress bar is drawn only when stderr is a TTY. `--json` prints one JSON
 * object instead. Exit codes: 0 captured, 1 the capture (or the summary) failed, 2 bad usage,
 * 130 interrupted (SIGINT: the capture is aborted cleanly, not cut off mid-stream).
 */
const path = require('node:path');
const { parseArgs } = require('node:util');

const HELP = `Usage: heapsnap capture (--pid <pid> | --port <port> | --url <url>) [options]

Take a heap snapshot of another running Node.js process over its inspector, and
print the path of the .heapsnapshot file (mode 0600, written atomically).

Target (exactly one; --pid may be combined with --port):
  --pid <pid>        a local Node.js process. heapsnap checks it is Node, sends it
                     SIGUSR1 to open its inspector if it is not open, and closes the
                     inspector again afterwards
  --port <port>      an inspector already listening on 127.0.0.1:<port>
                     (node --inspect=<port>); with --pid: the port that pid uses
  --url <url>        an inspector WebSocket (ws://host:port/<id>) or discovery URL
                     (http://host:port); the only way to reach a non-loopback host

Options:
  -o, --output <file>  where to write the snapshot (default:
                       Heap.<date>.<time>.<pid>.0.<seq>.heapsnapshot in --dir)
  --dir <dir>          directory for the snapshot (default: the current directory)
  --summary            also print the 20 classes that retain the most memory
  --json               print one JSON object: { path, bytes, target, summary? }
  --timeout <ms>       how long to wait for the inspector (default 10000)
  -h, --help           show this help

Examples:
  heapsnap capture --pid 4242
  heapsnap capture --pid 4242 -o before.heapsnapshot --summary
  heapsnap capture --port 9229 --dir /var/tmp/snaps
  heapsnap capture --url ws://127.0.0.1:9229/0f2c8e4a-... --json

Exit codes: 0 captured, 1 capture failed, 2 bad usage, 130 interrupted.
`;

const OPTIONS = {
  pid: { type: 'string' },
  port: { type: 'string' },
  url: { type: 'string' },
  output: { type: 'string', short: 'o' },
  dir: { type: 'string' },
  summary: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
};

class UsageError extends Error {}

function positiveInt(value, name, max = Number.MAX_SAFE_INTEGER) {
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a positive integer, got '${value}'`);
  const n = Number(value);
  if (n < 1 || n > max) throw new UsageError(`--${name} must be between 1 and ${max}, got ${value}`);
  return n;
}

function parse(args) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err.message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const target = {};
  if (values.pid !== undefined) target.pid = positiveInt(values.pid, 'pid');
  if (values.port !== undefined) target.port = positiveInt(values.port, 'port', 65535);
  if (values.url !== undefined) {
    try {
      const u = new URL(values.url);
      if (!['ws:', 'wss:', 'http:', 'https:'].includes(u.protocol)) throw new Error();
    } catch {
      throw new UsageError(`--url must be a ws://, wss://, http:// or https:// URL, got '${values.url}'`);
    }
    target.url = values.url;
  }
  if (!target.pid && !target.port && !target.url) throw new UsageError('give a target: --pid, --port or --url');
  if (target.url && (target.pid || target.port)) throw new UsageError('--url cannot be combined with --pid or --port');
  const timeout = values.timeout === undefined ? undefined : positiveInt(values.timeout, 'timeout');
  return { target, file: values.output, dir: values.dir, summary: values.summary, json: values.json, timeout };
}

function formatBytes(n) {
  if (!Number.isFinite(n)) return String(n);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** A plain-text table: first column left-aligned, the rest right-aligned. */
function table(headers, rows) {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) =>
    cells
      .map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

function progressBar(stream, label) {
  if (!stream.isTTY) return { update() {}, clear() {} };
  let last = -1;
  return {
    update({ done, total }) {
      const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
      if (pct === last) return;
      last = pct;
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}%`);
    },
    clear() {
      if (last !== -1) stream.write('\r\x1b[K');
    },
  };
}

function describe(target) {
  if (target.pid) return `pid ${target.pid}`;
  if (target.port) return `127.0.0.1:${target.port}`;
  return target.url;
}

async function main(args, io) {
  const { stdout, stderr } = io;
  let opts;
  try {
    opts = parse(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    stderr.write(`heapsnap capture: ${err.message}\nTry 'heapsnap capture --help'.\n`);
    return 2;
  }
  if (opts.help) {
    stdout.write(HELP);
    return 0;
  }

  const { captureRemote } = require('../capture');
  const bar = progressBar(stderr, `capturing ${describe(opts.target)}`);
  // Ctrl-C must not kill us mid-snapshot (a connection cut mid-stream can crash the target):
  // the first SIGINT aborts cleanly, a second one gets Node's default behaviour.
  let signal = io.signal;
  let onSigint = null;
  if (!signal) {
    const ac = new AbortController();
    signal = ac.signal;
    onSigint = () => {
      stderr.write('\nheapsnap capture: interrupted; letting the target finish sending (Ctrl-C again to force)\n');
      ac.abort();
    };
    process.once('SIGINT', onSigint);
  }
  let file;
  try {
    file = await captureRemote(opts.target, {
      file: opts.file,
      dir: opts.dir,
      timeout: opts.timeout,
      signal,
      onProgress: (p) => bar.update(p),
    });
  } catch (err) {
    bar.clear();
    stderr.write(`heapsnap capture: ${err.message}\n`);
    return err.code === 'ERR_HEAPSNAP_INVALID_ARG' ? 2 : err.code === 'ABORT_ERR' ? 130 : 1;
  } finally {
    if (onSigint) process.removeListener('SIGINT', onSigint);
  }
  bar.clear();
  const bytes = require('node:fs').statSync(file).size;

  let summary;
  let summaryError = null;
  if (opts.summary) {
    try {
      const { HeapSnapshotClass } = require('../capture/addon');
      const snap = await HeapSnapshotClass().open(file);
      try {
        summary = snap.summary().slice(0, 20);
      } finally {
        if (typeof snap.dispose === 'function') snap.dispose();
      }
    } catch (err) {
      summaryError = err;
    }
  }

  if (opts.json) {
    const out = { path: file, bytes, target: opts.target };
    if (summary) out.summary = summary;
    if (summaryError) out.error = { code: summaryError.code, message: summaryError.message };
    stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    stdout.write(`${file}\n`);
    if (summary) {
      stdout.write(`\n${path.basename(file)}: ${formatBytes(bytes)}; top ${summary.length} classes by retained size\n`);
      stdout.write(
        table(
          ['Class', 'Count', 'Shallow', 'Retained'],
          summary.map((r) => [r.className, r.count, formatBytes(r.shallowSize), formatBytes(r.retainedSize)]),
        ),
      );
    }
  }
  if (summaryError) {
    stderr.write(`heapsnap capture: captured ${file}, but the summary failed: ${summaryError.message}\n`);
    return 1;
  }
  return 0;
}

module.exports = { main, HELP };
