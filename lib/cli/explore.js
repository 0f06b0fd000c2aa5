'use strict';
// `heapsnap explore FILE [BASE]`: the local web explorer.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { startExplorer } = require('../explore/server.js');
const { defineCommand, listenPort } = require('./common.js');

/**
 * Opens `url` in the user's browser without putting the token on a command line (where other
 * users can read it in the process list): a 0600 page in a fresh 0700 directory redirects to it,
 * and the browser is given that file. Removed a minute later or at exit.
 */
function openBrowser(url, io) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heapsnap-explore-'));
  const page = path.join(dir, 'open.html');
  const esc = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  fs.writeFileSync(page, `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${esc(url)}"><title>heapsnap</title><a href="${esc(url)}">Open the explorer</a>\n`, { mode: 0o600, flag: 'wx' });
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  setTimeout(cleanup, 60_000).unref();
  process.once('exit', cleanup);
  const target = require('node:url').pathToFileURL(page).href;
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [target]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', target]] : ['xdg-open', [target]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true, windowsHide: true });
    child.on('error', () => io.stderr.write('heapsnap: could not open a browser; open the URL above yourself\n'));
    child.unref();
  } catch {
    io.stderr.write('heapsnap: could not open a browser; open the URL above yourself\n');
  }
}

module.exports = defineCommand({
  name: 'explore',
  summary: 'local web UI: Summary, Retainers, Comparison, Dominators… (FILE [BASE])',
  usage: 'FILE [BASE] | BASELINE TARGET FINAL',
  files: { min: 1, max: 3 },
  description: `
Opens FILE in a local web explorer with the views of Chrome DevTools' Memory panel:
Summary (class → objects → references), Retainers, Containment, Dominators, Statistics,
Comparison with BASE (or a snapshot picked in the page), Leaks (with BASELINE and TARGET),
Duplicated strings; an object inspector; search by @id, class name or string; links that
keep what you are looking at; keyboard navigation (? in the page lists the keys).

The server listens on 127.0.0.1 only, behind a secret token in the URL (printed on stdout;
anyone who has it can read the snapshot), and makes no requests anywhere. Stop it with Ctrl-C.
--json prints { url, port } instead of the bare URL.`,
  options: {
    port: { type: 'string', value: 'N', parse: listenPort, default: 0, description: 'listen on port N (0: a free port)' },
    'no-open': { type: 'boolean', description: 'do not open a browser' },
  },
  examples: ['heapsnap explore app.heapsnapshot', 'heapsnap explore after.heapsnapshot before.heapsnapshot --no-open'],
  async run({ values, positionals, io, out, json }) {
    const { port } = values;
    const files =
      positionals.length === 3
        ? { file: positionals[2], base: positionals[0], baseline: positionals[0], target: positionals[1] }
        : { file: positionals[0], base: positionals[1] };
    let ex;
    try {
      ex = await startExplorer({ ...files, port, log: (m) => io.stderr.write(m + '\n') });
    } catch (e) {
      if (e.code === 'EADDRINUSE' || e.code === 'EACCES') {
        io.stderr.write(`heapsnap: cannot listen on 127.0.0.1:${port}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}\n`);
        return 2;
      }
      throw e;
    }
    if (values.json) json({ url: ex.url, port: ex.port });
    else out(ex.url + '\n');
    if (io.stderr.isTTY) io.stderr.write(`heapsnap: analysing ${files.file} (the page shows the progress); Ctrl-C stops the server\n`);
    ex.ready.then(
      () => io.stderr.isTTY && io.stderr.write('heapsnap: ready\n'),
      (e) => io.stderr.write(`heapsnap: ${e.message}${e.code ? ` [${e.code}]` : ''}\n`),
    );
    if (!values['no-open']) openBrowser(ex.url, io);
    await new Promise((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await ex.close();
    return 0;
  },
});
