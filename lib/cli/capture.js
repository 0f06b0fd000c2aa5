'use strict';
/**
 * `heapsnap capture`: take a heap snapshot of another running Node process from the command line.
 *
 * The path of the snapshot goes to stdout (so `$(heapsnap capture --pid 123)` works), everything
 * else to stderr. `io.signal` (an AbortSignal) may cancel; otherwise the first SIGINT, SIGTERM or
 * SIGHUP aborts the capture cleanly rather than cutting it off mid-stream (a connection cut
 * mid-snapshot can crash the target) and closes an inspector we opened; a second one gets Node's
 * default behaviour (the watchdog heapsnap installed in the target then closes its inspector).
 */
const fs = require('node:fs');
const path = require('node:path');
const { captureRemote } = require('../capture/index.js');
const { HeapSnapshot } = require('../snapshot.js');
const { defineCommand, UsageError, positive, port, table, formatBytes } = require('./common.js');

function inspectorUrl(text, flag) {
  let u;
  try {
    u = new URL(text);
  } catch {
    u = null;
  }
  if (!u || !['ws:', 'wss:', 'http:', 'https:'].includes(u.protocol)) {
    throw new UsageError(`${flag} must be a ws://, wss://, http:// or https:// URL, got '${text}'`);
  }
  return text;
}

function describe(target) {
  if (target.pid) return `pid ${target.pid}`;
  if (target.port) return `127.0.0.1:${target.port}`;
  return target.url;
}

/** The 20 classes that retain the most, or the error that prevented it. */
async function topClasses(file, progress) {
  try {
    const snap = await HeapSnapshot.open(file, { onProgress: progress });
    try {
      return { summary: snap.summary({ limit: 20 }) };
    } finally {
      snap.dispose();
    }
  } catch (error) {
    return { error };
  }
}

module.exports = defineCommand({
  name: 'capture',
  summary: 'snapshot another Node process (--pid, --port, --url)',
  usage: '(--pid PID | --port PORT | --url URL)',
  description: `
Take a heap snapshot of another running Node.js process over its inspector, and
print the path of the .heapsnapshot file (mode 0600, written atomically).

Target (exactly one; --pid may be combined with --port):
  --pid     a local Node.js process. If it runs heapsnap's capture agent
            (node --require heapsnap/agent app.js), the snapshot comes over the agent's
            private Unix socket: no inspector, no TCP port, only its user or root may ask.
            Otherwise heapsnap checks it is Node, sends it SIGUSR1 to open its inspector
            (127.0.0.1:9229 unless its --inspect-port says otherwise), and closes the
            inspector again afterwards
  --port    an inspector already listening on 127.0.0.1:PORT (node --inspect=PORT);
            with --pid: the port that pid uses
  --url     an inspector WebSocket (ws://host:port/<id>) or discovery URL
            (http://host:port); the only way to reach a non-loopback host

SIGUSR1 and its side effects (the --pid path without the agent):
  - while the inspector is open (the whole capture: seconds, minutes for big heaps)
    ANY local user can connect to it and run code in the process as its user;
    heapsnap says so on stderr before it signals
  - an inspector that would listen beyond loopback (--inspect-port=0.0.0.0:N, also
    from NODE_OPTIONS) is refused unless --allow-public-inspector is given
  - the process's own process.on('SIGUSR1') handlers run too; a process that does not
    handle SIGUSR1 would be killed by it, so heapsnap refuses pids that are not Node,
    do not catch SIGUSR1 (--disable-sigusr1), or are stopped
  - a watchdog installed in the process closes the inspector when heapsnap goes away
    (killed, crashed) or 10 minutes pass; if the inspector cannot be closed, heapsnap
    exits 1 naming the open port and how to close it

Allocation stacks (where each leaked object was allocated: "allocated in f at file.js:12"):
  --track-allocations needs the capture agent in the target (an inspector session
  stops tracking when it closes). Take the baseline with it, run the suspect action,
  capture again (those snapshots carry the stacks), and end with --stop-tracking:
  while tracking, allocation is slower and the process does not exit on its own.`,
  options: {
    pid: { type: 'string', value: 'PID', parse: positive, description: 'a local Node.js process' },
    port: { type: 'string', value: 'PORT', parse: port, description: 'an inspector on 127.0.0.1' },
    url: { type: 'string', value: 'URL', parse: inspectorUrl, description: 'an inspector WebSocket or discovery URL' },
    output: {
      type: 'string',
      short: 'o',
      value: 'FILE',
      description: 'where to write the snapshot (default:\nHeap.<date>.<time>.<pid>.0.<seq>.heapsnapshot in --dir)',
    },
    dir: { type: 'string', value: 'DIR', description: 'directory for the snapshot (default: the current directory)' },
    summary: { type: 'boolean', description: 'also print the 20 classes that retain the most memory' },
    timeout: { type: 'string', value: 'MS', parse: positive, description: 'how long to wait for the inspector (default 10000)' },
    'allow-public-inspector': { type: 'boolean', description: "send SIGUSR1 even when the pid's inspector would\nlisten beyond loopback (see below)" },
    'track-allocations': { type: 'boolean', description: 'turn allocation tracking on in the target (agent only)\nand leave it on: later captures carry allocation stacks' },
    'stop-tracking': { type: 'boolean', description: 'turn allocation tracking off after this capture' },
  },
  examples: [
    'heapsnap capture --pid 4242',
    'heapsnap capture --pid 4242 -o before.heapsnapshot --summary',
    'heapsnap capture --port 9229 --dir /var/tmp/snaps',
    'heapsnap capture --url ws://127.0.0.1:9229/0f2c8e4a-... --json   (prints { path, bytes, target, summary? })',
    'heapsnap capture --pid 4242 --track-allocations -o base.heapsnapshot   (agent: stacks from here on)',
  ],
  exitCodes: 'Exit codes: 0 captured, 1 capture (or summary) failed, 2 bad usage, 130 interrupted.',
  async run({ values, io, out, bar, progress }) {
    const target = {};
    if (values.pid !== undefined) target.pid = values.pid;
    if (values.port !== undefined) target.port = values.port;
    if (values.url !== undefined) target.url = values.url;
    if (!target.pid && !target.port && !target.url) throw new UsageError('give a target: --pid, --port or --url');
    if (target.url && (target.pid || target.port)) throw new UsageError('--url cannot be combined with --pid or --port');
    if (values['track-allocations'] && values['stop-tracking']) throw new UsageError('--track-allocations and --stop-tracking cannot be combined');
    let trackAllocations;
    if (values['track-allocations']) trackAllocations = true;
    if (values['stop-tracking']) trackAllocations = false;

    let signal = io.signal;
    let onSignal = null;
    const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    if (!signal) {
      const ac = new AbortController();
      signal = ac.signal;
      onSignal = (name) => {
        io.stderr.write(`\nheapsnap: ${name === 'SIGINT' ? 'interrupted' : `got ${name}`}; letting the target finish sending and closing its inspector (${name === 'SIGINT' ? 'Ctrl-C' : name} again to force)\n`);
        for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
        ac.abort();
      };
      for (const s of STOP_SIGNALS) process.once(s, onSignal);
    }
    const capturing = bar(`capturing ${describe(target)}`);
    let file;
    try {
      file = await captureRemote(target, {
        file: values.output,
        dir: values.dir,
        timeout: values.timeout,
        signal,
        allowPublicInspector: values['allow-public-inspector'] === true,
        trackAllocations,
        onNotice: (message) => {
          capturing.clear();
          io.stderr.write(`heapsnap: ${message}\n`);
        },
        onProgress: ({ done, total }) => capturing.update({ fraction: total ? done / total : 0 }),
      });
    } finally {
      capturing.clear();
      if (onSignal) for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
    }
    const bytes = fs.statSync(file).size;
    const { summary, error } = values.summary ? await topClasses(file, progress('reading')) : {};

    if (values.json) {
      const result = { path: file, bytes, target };
      if (summary) result.summary = summary;
      if (error) result.error = { code: error.code, message: error.message };
      out(`${JSON.stringify(result)}\n`);
    } else {
      out(`${file}\n`);
      if (summary) {
        out(`\n${path.basename(file)}: ${formatBytes(bytes)}; top ${summary.length} classes by retained size\n`);
        out(
          table(summary, [
            { title: 'Class', get: (r) => r.className, align: 'left' },
            { title: 'Count', get: (r) => r.count },
            { title: 'Shallow', get: (r) => formatBytes(r.shallowSize) },
            { title: 'Retained', get: (r) => formatBytes(r.retainedSize) },
          ]),
        );
      }
    }
    if (error) {
      io.stderr.write(`heapsnap: captured ${file}, but the summary failed: ${error.message}\n`);
      return 1;
    }
    return 0;
  },
});
