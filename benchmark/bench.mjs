#!/usr/bin/env node
// heapsnap against memlab on the same snapshots, one tool per child process.
//
//   node benchmark/bench.mjs [--sizes small,medium,large] [--quick] [--only heapsnap|memlab]
//                            [--timeout SECONDS] [--json]
//
// For each snapshot (made by gen/make-snapshots.mjs, reused when present) it runs
//   heapsnap: HeapSnapshot.open(file) (parse, dominators, retained sizes, distances, classes),
//             then summary() and statistics();
//   memlab:   getFullHeapFromFile(file) (parse, shortest paths, dominators, retained sizes),
//             from memlab@2.0.5 installed into .bench/memlab (never a dependency of heapsnap),
//             with --max-old-space-size=16000;
// each in a fresh child that reports its own wall times and peak RSS
// (process.resourceUsage().maxRSS) as JSON. Prints a table per snapshot and writes
// .bench/results.json. Children are run one at a time and killed after --timeout (600 s).
// Sections for findLeaks and the in-test assertions run only once index.js exports them.
// Exit codes: 0 every requested measurement ran, 1 one failed or timed out, 2 usage error.
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeSnapshots } from './gen/make-snapshots.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(here, '..');
const BENCH_DIR = join(REPO, '.bench');
const MEMLAB_DIR = join(BENCH_DIR, 'memlab');
const MEMLAB_VERSION = '2.0.5';
const LOG_DIR = join(BENCH_DIR, 'logs');
const PROGRAM = join(here, 'gen', 'realistic-program.js');
const MARKER = '@@HEAPSNAP_BENCH ';
const TOOLS = {
  heapsnap: { runner: join(here, 'runners', 'heapsnap.cjs'), nodeFlags: [] },
  memlab: { runner: join(here, 'runners', 'memlab.cjs'), nodeFlags: ['--max-old-space-size=16000'] },
};

const say = (line = '') => process.stdout.write(line + '\n');
const note = (line = '') => process.stderr.write(line + '\n');
let show = say; // the human report; goes to stderr under --json so stdout stays one JSON document

function usage(msg) {
  if (msg) note(`bench: ${msg}`);
  note('usage: node benchmark/bench.mjs [--sizes small,medium,large] [--quick] [--only heapsnap|memlab] [--timeout SECONDS] [--json]');
  process.exit(2);
}

function options() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        sizes: { type: 'string' },
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        timeout: { type: 'string', default: '600' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    usage(e.message);
  }
  if (values.help) usage();
  const sizes = values.quick ? ['small'] : (values.sizes ?? 'small,medium,large').split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of sizes) if (!['small', 'medium', 'large'].includes(s)) usage(`unknown size "${s}"`);
  if (values.only && !(values.only in TOOLS)) usage(`--only takes heapsnap or memlab, not "${values.only}"`);
  const timeoutS = Number(values.timeout);
  if (!(timeoutS > 0)) usage('--timeout needs a positive number of seconds');
  return { sizes, tools: values.only ? [values.only] : Object.keys(TOOLS), timeoutMs: timeoutS * 1000, json: values.json };
}

// ---------------------------------------------------------------------------------------------
// Set-up

function heapsnapStatus() {
  if (!existsSync(join(REPO, 'index.js'))) return { ok: false, why: 'index.js is missing' };
  try {
    const api = createRequire(join(REPO, 'index.js'))(join(REPO, 'index.js'));
    return { ok: typeof api.HeapSnapshot?.open === 'function', why: 'index.js has no HeapSnapshot.open', api };
  } catch (e) {
    return { ok: false, why: `index.js failed to load (is the addon built? npm run build): ${e.message.split('\n')[0]}` };
  }
}

function installedMemlabVersion() {
  try {
    return JSON.parse(readFileSync(join(MEMLAB_DIR, 'node_modules', 'memlab', 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

async function ensureMemlab() {
  const have = installedMemlabVersion();
  if (have === MEMLAB_VERSION && existsSync(join(MEMLAB_DIR, 'node_modules', '@memlab', 'heap-analysis', 'package.json'))) {
    note(`memlab ${have}: reusing ${MEMLAB_DIR}`);
    return;
  }
  mkdirSync(MEMLAB_DIR, { recursive: true });
  // Its own package.json, so npm can never mistake the repo's for the project to install into.
  if (!existsSync(join(MEMLAB_DIR, 'package.json'))) {
    writeFileSync(join(MEMLAB_DIR, 'package.json'), JSON.stringify({ name: 'heapsnap-bench-memlab', private: true }, null, 2) + '\n');
  }
  const args = ['install', '--prefix', MEMLAB_DIR, `memlab@${MEMLAB_VERSION}`, '--no-audit', '--no-fund', '--save-exact'];
  note(`memlab: PUPPETEER_SKIP_DOWNLOAD=1 npm ${args.join(' ')}`);
  await new Promise((ok, bad) => {
    const child = spawn('npm', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' }, shell: process.platform === 'win32' });
    child.on('error', bad);
    child.on('close', (code) => (code === 0 ? ok() : bad(new Error(`npm install exited with ${code}`))));
  });
  if (installedMemlabVersion() !== MEMLAB_VERSION) throw new Error(`memlab ${MEMLAB_VERSION} did not install into ${MEMLAB_DIR}`);
}

/** Reads the file once so that neither tool pays for a cold page cache. */
function warmPageCache(file) {
  return new Promise((ok, bad) => {
    createReadStream(file, { highWaterMark: 16 << 20 }).on('data', () => {}).on('end', ok).on('error', bad);
  });
}

// ---------------------------------------------------------------------------------------------
// Children

function runChild(tool, task, args, { timeoutMs, logName }) {
  const { runner, nodeFlags } = TOOLS[tool];
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = join(LOG_DIR, `${logName}.log`);
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...nodeFlags, runner, task, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timedOut = false;
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    const finish = (code, signal, spawnError) => {
      clearTimeout(timer);
      const childWallMs = performance.now() - t0;
      writeFileSync(logFile, `$ ${process.execPath} ${[...nodeFlags, runner, task, JSON.stringify(args)].join(' ')}\n--- stdout\n${out}\n--- stderr\n${err}\n`);
      const line = out.split('\n').filter((l) => l.startsWith(MARKER)).pop();
      let result = null;
      try { result = line ? JSON.parse(line.slice(MARKER.length)) : null; } catch { /* reported below */ }
      let error = null;
      if (spawnError) error = spawnError.message;
      else if (timedOut) error = `timed out after ${timeoutMs / 1000} s`;
      else if (result?.error) error = result.error.split('\n')[0];
      else if (!result) error = `exited with ${signal ?? code} without a result (${err.trim().split('\n').slice(-1)[0] || 'no stderr'}); log: ${logFile}`;
      done({ tool, task, ok: !error, error, childWallMs, exitCode: code, signal, log: logFile, ...(result && !result.error ? result : {}) });
    };
    child.on('error', (e) => finish(null, null, e));
    child.on('close', (code, signal) => finish(code, signal, null));
  });
}

// ---------------------------------------------------------------------------------------------
// Output

const MB = 1e6;
const fmtMs = (ms) => (ms == null ? '' : ms < 1000 ? `${ms.toFixed(ms < 10 ? 2 : 0)} ms` : `${(ms / 1000).toFixed(2)} s`);
const fmtMB = (bytes) => (bytes == null ? '' : `${Math.round(bytes / MB).toLocaleString('en-US')} MB`);
const fmtX = (x) => (x == null || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(x < 10 ? 2 : 1)}x`);

function rowsOf(run, fileBytes) {
  if (!run.ok) return [[run.tool, 'FAILED', '', '', '', '', run.error]];
  if (run.skipped) return [[run.tool, 'skipped', '', '', '', '', run.skipped]];
  const rows = run.phases.map((p) => [run.tool, p.phase, fmtMs(p.ms), '', '', '']);
  const mbps = fileBytes ? (fileBytes / MB) / (run.workMs / 1000) : null;
  rows.push([run.tool, 'total (timed in child)', fmtMs(run.workMs), fmtMB(run.maxRssBytes), mbps ? mbps.toFixed(1) : '', fileBytes ? `${(run.maxRssBytes / fileBytes).toFixed(2)}x` : '']);
  rows.push([run.tool, 'child process wall', fmtMs(run.childWallMs), '', '', '', run.loadMs != null ? `(loading the tool: ${fmtMs(run.loadMs)}; RSS once loaded: ${fmtMB(run.rssAfterLoadBytes)})` : '']);
  return rows;
}

function table(rows, header) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? '').length)));
  const right = [false, false, true, true, true, true, false];
  return all.map((r) => r.map((c, i) => (right[i] ? String(c ?? '').padStart(widths[i]) : String(c ?? '').padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

function extraRows(run, detail = '') {
  if (!run.ok || run.skipped) return rowsOf(run, null);
  return [
    ...run.phases.map((p) => [run.tool, p.phase, fmtMs(p.ms), '', '', '']),
    [run.tool, 'total (timed in child)', fmtMs(run.workMs), fmtMB(run.maxRssBytes), '', '', detail],
    [run.tool, 'child process wall', fmtMs(run.childWallMs), '', '', ''],
  ];
}

function ratios(runs) {
  const h = runs.heapsnap;
  const m = runs.memlab;
  if (!h?.ok || !m?.ok || h.skipped || m.skipped) return null;
  return {
    timeInChild: m.workMs / h.workMs,
    childWall: m.childWallMs / h.childWallMs,
    peakRss: m.maxRssBytes / h.maxRssBytes,
  };
}

function printSnapshot(entry) {
  show();
  show(`== ${entry.name}: ${entry.file.slice(REPO.length + 1)}  ${(entry.bytes / MB).toFixed(1)} MB` +
    (entry.scale != null ? `  (realistic-program --scale ${entry.scale}${entry.writtenBy ? `, written by Node ${entry.writtenBy}` : ''})` : '') + ' ==');
  const rows = [];
  for (const run of Object.values(entry.runs)) rows.push(...rowsOf(run, entry.bytes));
  show(table(rows, ['tool', 'phase', 'wall', 'peak RSS', 'MB/s', 'RSS/file', '']));
  const r = entry.ratios;
  if (r) show(`memlab / heapsnap: ${fmtX(r.timeInChild)} time (timed in child), ${fmtX(r.childWall)} time (child wall), ${fmtX(r.peakRss)} peak RSS`);
  const h = entry.runs.heapsnap?.checks;
  const m = entry.runs.memlab?.checks;
  const n = (v) => (v == null ? '?' : v.toLocaleString('en-US'));
  if (h && m) {
    show(`same graph? nodes ${n(h.nodes)} / ${n(m.nodes)}, edges ${n(h.edges)} / ${n(m.edges)} (heapsnap / memlab); ` +
      `heapsnap total size ${n(h.totalSize)} B, memlab root retained size ${n(m.rootRetainedSize)} B`);
  }
}

// ---------------------------------------------------------------------------------------------
// Extra sections: hooks that run only once heapsnap exports the functions.

async function extras({ status, tools, timeoutMs, results }) {
  const api = status.api ?? {};
  show();
  show('== findLeaks on three snapshots (baseline, target, final) ==');
  if (typeof api.findLeaks === 'function') {
    const [set] = await makeSnapshots({ sizes: ['leak'], log: note });
    const files = set.files.map((f) => f.file);
    const runs = {};
    runs.heapsnap = await runChild('heapsnap', 'findLeaks', { repo: REPO, files }, { timeoutMs, logName: 'leak-heapsnap-findLeaks' });
    if (tools.includes('memlab')) runs.memlab = await runChild('memlab', 'findLeaks', { memlabDir: MEMLAB_DIR, files }, { timeoutMs, logName: 'leak-memlab-findLeaks' });
    const rows = Object.values(runs).flatMap((run) => extraRows(run, `leaks reported: ${run.checks?.leaks ?? 'n/a'}`));
    show(table(rows, ['tool', 'phase', 'wall', 'peak RSS', '', '', '']));
    show('(memlab runs with its default leak filter, which targets browser leaks; see benchmark/README.md)');
    results.extras.findLeaks = { files, runs, ratios: ratios(runs) };
  } else {
    show('skipped: index.js has no findLeaks export yet');
    results.extras.findLeaks = { skipped: 'no findLeaks export' };
  }

  show();
  show('== in-test assertions (assertNoLeak / assertCollected) ==');
  if (typeof api.assertNoLeak === 'function' || typeof api.assertCollected === 'function') {
    const runs = {};
    runs.heapsnap = await runChild('heapsnap', 'asserts', { repo: REPO, program: PROGRAM }, { timeoutMs, logName: 'asserts-heapsnap' });
    if (tools.includes('memlab')) runs.memlab = await runChild('memlab', 'asserts', { memlabDir: MEMLAB_DIR, program: PROGRAM }, { timeoutMs, logName: 'asserts-memlab' });
    const rows = Object.values(runs).flatMap((run) => extraRows(run));
    show(table(rows, ['tool', 'phase', 'wall', 'peak RSS', '', '', '']));
    results.extras.asserts = { runs };
  } else {
    show('skipped: index.js has neither assertNoLeak nor assertCollected yet');
    results.extras.asserts = { skipped: 'no assertNoLeak/assertCollected export' };
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const opts = options();
  if (opts.json) show = note;
  const results = {
    generatedAt: new Date().toISOString(),
    machine: { platform: `${os.platform()} ${os.release()}`, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, totalMemBytes: os.totalmem(), node: process.version },
    options: { sizes: opts.sizes, tools: opts.tools, timeoutMs: opts.timeoutMs },
    snapshots: [],
    extras: {},
  };
  let failed = false;

  const status = heapsnapStatus();
  let tools = opts.tools;
  if (tools.includes('heapsnap') && !status.ok) {
    note(`heapsnap: not measured — ${status.why}`);
    results.heapsnapUnavailable = status.why;
    tools = tools.filter((t) => t !== 'heapsnap');
    if (opts.tools.length === 1) failed = true;
  }
  if (tools.includes('memlab')) await ensureMemlab();

  const sets = await makeSnapshots({ sizes: opts.sizes, log: note });
  for (const set of sets) {
    const { file, bytes } = set.files[0];
    await warmPageCache(file);
    const entry = { name: set.name, file, bytes, scale: set.scale, writtenBy: set.meta?.node ?? null, runs: {} };
    for (const tool of tools) {
      note(`${set.name}: running ${tool} ...`);
      const args = tool === 'heapsnap' ? { repo: REPO, file } : { memlabDir: MEMLAB_DIR, file };
      const run = await runChild(tool, 'open', args, { timeoutMs: opts.timeoutMs, logName: `${set.name}-${tool}` });
      if (!run.ok) failed = true;
      entry.runs[tool] = run;
    }
    entry.ratios = ratios(entry.runs);
    results.snapshots.push(entry);
    printSnapshot(entry);
    mkdirSync(BENCH_DIR, { recursive: true });
    writeFileSync(join(BENCH_DIR, 'results.json'), JSON.stringify(results, null, 2) + '\n'); // partial results survive a crash
  }

  if (status.ok) await extras({ status, tools, timeoutMs: opts.timeoutMs, results });
  else results.extras = { skipped: `heapsnap not available: ${status.why}` };

  writeFileSync(join(BENCH_DIR, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  if (opts.json) say(JSON.stringify(results, null, 2));
  else { show(); show(`results: ${join(BENCH_DIR, 'results.json')}`); }
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  note(`bench: ${e.stack || e.message}`);
  process.exitCode = 1;
});
