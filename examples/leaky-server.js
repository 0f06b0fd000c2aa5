#!/usr/bin/env node
'use strict';
/**
 * A small HTTP server with a classic leak, to capture and analyse with heapsnap.
 *
 * Every request creates a `RequestLog` (method, url, headers, a timestamp and a 1 KiB payload
 * string) and pushes it onto a module-level array that is never trimmed: the heap grows by about
 * 1.3 KiB per request, and the retainer path is `logs` → Array → RequestLog.
 *
 *     node examples/leaky-server.js [--port 0] [--snapshot-dir DIR] [--keep N]
 *
 * It listens on 127.0.0.1 only (port 0 = any free port) and prints exactly one line when ready:
 *
 *     leaky-server listening on http://127.0.0.1:<port>/ pid <pid>
 *
 * With --snapshot-dir it also installs heapsnap's signal handler: `kill -USR2 <pid>` writes a
 * snapshot into DIR (keeping the last N), and prints `snapshot <path>` for each one.
 *
 * Endpoints: `GET /` (leaks one RequestLog), `GET /leak?n=100` (leaks n, at most 100000),
 * `GET /stats` (JSON { logs, heapUsed }; does not leak). SIGTERM/SIGINT close it cleanly.
 */
const http = require('node:http');
const { parseArgs } = require('node:util');

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'snapshot-dir': { type: 'string' },
    keep: { type: 'string' },
  },
});

class RequestLog {
  constructor(req) {
    this.method = req.method;
    this.url = req.url;
    this.headers = { ...req.headers };
    this.at = Date.now();
    this.payload = `request ${req.url} `.padEnd(1024, '.');
  }
}

const logs = []; // the leak: never trimmed

if (values['snapshot-dir']) {
  const { installSignalHandler } = require('../lib/capture');
  installSignalHandler({
    dir: values['snapshot-dir'],
    keep: values.keep ? Number(values.keep) : undefined,
    onSnapshot: (file) => console.log(`snapshot ${file}`),
    onError: (err) => console.error(`snapshot failed: ${err.code} ${err.message}`),
  });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname === '/stats') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ logs: logs.length, heapUsed: process.memoryUsage().heapUsed }));
    return;
  }
  const n = url.pathname === '/leak' ? Math.min(Math.max(Number(url.searchParams.get('n')) || 1, 1), 100000) : 1;
  for (let i = 0; i < n; i++) logs.push(new RequestLog(req));
  res.setHeader('content-type', 'text/plain');
  res.end(`logged ${logs.length}\n`);
});

server.listen(Number(values.port), '127.0.0.1', () => {
  console.log(`leaky-server listening on http://127.0.0.1:${server.address().port}/ pid ${process.pid}`);
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
