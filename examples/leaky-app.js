#!/usr/bin/env node
'use strict';
/**
 * A small service with a real leak, used by `heapsnap demo`: it handles "requests" in
 * process (no network), and every request registers a listener on a shared event bus that is
 * never removed, so each request's context (user, headers, a 2 KB body) stays alive.
 *
 *     node examples/leaky-app.js OUTDIR [--requests N] [--fixed]
 *
 * Writes OUTDIR/baseline.heapsnapshot (after warm-up), OUTDIR/target.heapsnapshot (after N
 * requests) and OUTDIR/final.heapsnapshot (after the requests finished and were cleaned up),
 * each 0600, with heapsnap's writeHeapSnapshot (atomic; a link planted in OUTDIR is never
 * followed). With --fixed, the cleanup also removes the listeners: no leak.
 */
const path = require('node:path');
// heapsnap's own writer, not the package entry: the app's heap stays free of the native addon.
const { writeHeapSnapshot } = require('../lib/capture/write-heap-snapshot.js');
const { EventEmitter } = require('node:events');
const { parseArgs } = require('node:util');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { requests: { type: 'string', default: '200' }, fixed: { type: 'boolean' } },
});
const outDir = positionals[0];
if (!outDir) {
  console.error('usage: leaky-app.js OUTDIR [--requests N] [--fixed]');
  process.exit(2);
}

class RequestContext {
  constructor(id, user) {
    this.id = id;
    this.user = user;
    this.headers = { 'user-agent': 'demo/1.0', accept: 'application/json', 'x-request-id': `req-${id}` };
    this.body = JSON.stringify({ id, items: Array.from({ length: 20 }, (_, i) => `item-${id}-${i}`) }).padEnd(2048);
  }
}

class Server {
  constructor() {
    this.bus = new EventEmitter();
    this.bus.setMaxListeners(0);
    this.pending = new Map();
    this.handled = 0;
  }
  handle(id) {
    const ctx = new RequestContext(id, `user${id % 17}`);
    this.pending.set(id, ctx);
    // The leak: a per-request listener on a long-lived bus, never removed.
    const onConfigChange = () => ctx.headers.accept;
    this.bus.on('config', onConfigChange);
    ctx.unsubscribe = () => this.bus.removeListener('config', onConfigChange);
    this.handled++;
  }
  finish(id, fixed) {
    const ctx = this.pending.get(id);
    if (fixed) ctx.unsubscribe();
    this.pending.delete(id);
  }
}

function snapshot(name) {
  const file = path.join(outDir, `${name}.heapsnapshot`);
  return writeHeapSnapshot(file);
}

const server = (globalThis.server = new Server());
const n = Number(values.requests);
for (let i = 0; i < 10; i++) server.handle(-i - 1), server.finish(-i - 1, true); // warm-up
// The first call also warms up the writer: code that runs for the first time after a snapshot is
// compiled then, and would show up in the next snapshot as new objects. So the baseline is taken twice.
snapshot('baseline');
snapshot('baseline');
for (let i = 0; i < n; i++) server.handle(i);
snapshot('target');
for (let i = 0; i < n; i++) server.finish(i, values.fixed);
snapshot('final');
