// Peak memory of capturing this process' heap into a parsed HeapSnapshot, three ways, each in
// a fresh child that first builds the same realistic heap (benchmark/gen/realistic-program.js):
//   stream  — takeSnapshot(): v8.getHeapSnapshot() chunks pushed straight into the native parser
//   file    — writeHeapSnapshot() to a file, then HeapSnapshot.open()
//   string  — what people do without heapsnap: read the snapshot into one JS string, JSON.parse
// Prints wall time and peak RSS (process.resourceUsage().maxRSS) for each.
//   node benchmark/capture.mjs [--scale N]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { scale: { type: 'string', default: '6' } } });
const dir = mkdtempSync(join(tmpdir(), 'heapsnap-capture-bench-'));

const child = (mode) => `
  const { buildApp } = require(${JSON.stringify(join(repo, 'benchmark/gen/realistic-program.js'))});
  const app = buildApp(${Number(values.scale)});
  globalThis.keep = app;
  const hs = require(${JSON.stringify(join(repo, 'index.js'))});
  const fs = require('fs'), v8 = require('v8');
  const base = process.resourceUsage().maxRSS;
  const t0 = performance.now();
  (async () => {
    let nodes;
    if (${JSON.stringify(mode)} === 'stream') { const s = await hs.takeSnapshot(); nodes = s.nodeCount; }
    else if (${JSON.stringify(mode)} === 'file') { const p = hs.writeHeapSnapshot(undefined, { dir: ${JSON.stringify(dir)} }); const s = await hs.HeapSnapshot.open(p); nodes = s.nodeCount; fs.rmSync(p); }
    else { const p = v8.writeHeapSnapshot(${JSON.stringify(join(dir, 'plain.heapsnapshot'))}); const o = JSON.parse(fs.readFileSync(p, 'utf8')); nodes = o.snapshot.node_count; fs.rmSync(p); }
    console.log(JSON.stringify({ ms: performance.now() - t0, baseRss: base * 1024, peakRss: process.resourceUsage().maxRSS * 1024, nodes }));
  })();`;

const rows = [];
for (const mode of ['stream', 'file', 'string']) {
  const out = execFileSync(process.execPath, ['--max-old-space-size=8000', '-e', child(mode)], { encoding: 'utf8' });
  rows.push({ mode, ...JSON.parse(out) });
}
rmSync(dir, { recursive: true, force: true });
const mb = (b) => `${(b / 1048576).toFixed(0)} MB`;
console.log(`capture of a realistic heap (scale ${values.scale}), one fresh process each:`);
console.log('mode     nodes      time      RSS before  peak RSS  added');
for (const r of rows) {
  console.log(`${r.mode.padEnd(8)} ${String(r.nodes).padEnd(10)} ${(r.ms / 1000).toFixed(2).padStart(6)} s  ${mb(r.baseRss).padStart(9)}  ${mb(r.peakRss).padStart(8)}  ${mb(r.peakRss - r.baseRss).padStart(6)}`);
}
const [s, f, j] = rows;
console.log(`stream vs file+open: ${(f.peakRss / s.peakRss).toFixed(2)}x less peak RSS; vs JSON.parse of the text: ${(j.peakRss / s.peakRss).toFixed(2)}x`);
