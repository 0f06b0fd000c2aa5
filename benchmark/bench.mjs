#!/usr/bin/env node
// heapsnap against the tools a user would otherwise pick, on the same snapshots, in the same run,
// one tool per child process, interleaved run by run:
//
//   node benchmark/bench.mjs [--sizes small,medium,large|none] [--quick] [--runs N]
//                            [--only heapsnap,heap-snapshot,memlab] [--heap-snapshot DIR]
//                            [--scale N[,N…]] [--scale-source large|medium] [--leak-copies N]
//                            [--timeout S] [--json]
//
//   heapsnap:      HeapSnapshot.open(file) (parse, dominators, retained sizes, distances,
//                  classes, statistics), then summary() and statistics();
//   heap-snapshot: `heap-snapshot summary FILE` (open + dominators + retained + the Summary), a
//                  Rust port of DevTools, built by cargo from a source checkout you point at
//                  (--heap-snapshot DIR or HEAP_SNAPSHOT_SRC=DIR; see heap-snapshot.mjs);
//   memlab:        getFullHeapFromFile(file) (parse, shortest paths, dominators, retained
//                  sizes), memlab@2.0.5 installed into .bench/memlab (never a dependency).
// Each child reports its own phases; the parent measures whole-process wall (spawn to exit) and
// peak RSS (ru_maxrss). Prints, per snapshot, medians over --runs (default 3; memlab runs once on
// the large one), ratios against heapsnap from the same run, RSS/file and the issue-15 targets.
// --scale N writes (once, into .bench/snapshots) a snapshot of N copies of the source's graph
// (gen/replicate.mjs) and prints s/GB and RSS/file per N, so cost per GB can be compared
// across sizes. --leak-copies N also times heapsnap's findLeaks on the leak series replicated N
// times (N = 33 gives three ~365 MB files; one id stride for the three, so an object keeps its id
// across them). Writes .bench/results.json.
// Exit codes: 0 every requested measurement ran, 1 one failed or timed out, 2 usage error.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeSnapshots, SNAPSHOT_DIR } from './gen/make-snapshots.mjs';
import { ensureMemlab as installMemlab, MEMLAB_DIR, MEMLAB_VERSION } from './memlab.mjs';
import { buildHeapSnapshot, ENV_VAR as HEAP_SNAPSHOT_ENV, HOW_TO as HEAP_SNAPSHOT_HOW_TO, runHeapSnapshot } from './heap-snapshot.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(here, '..');
const BENCH_DIR = join(REPO, '.bench');
const LOG_DIR = join(BENCH_DIR, 'logs');
const PROGRAM = join(here, 'gen', 'realistic-program.js');
const REPLICATE = join(here, 'gen', 'replicate.mjs');
const MARKER = '@@HEAPSNAP_BENCH ';
const ALL_TOOLS = ['heapsnap', 'heap-snapshot', 'memlab'];
const NODE_TOOLS = {
  heapsnap: { runner: join(here, 'runners', 'heapsnap.cjs'), nodeFlags: [] },
  memlab: { runner: join(here, 'runners', 'memlab.cjs'), nodeFlags: ['--max-old-space-size=16000'] },
};
// Issue 15's targets, printed beside the figures.
const TARGETS = { heapSnapshot: [2, 3], memlab: [12, 20], rssPerFile: [1.2, 1.0], rssFromBytes: 1e9 };
// Peak RSS / file seen so far, to skip a run that would not fit in the memory left.
// Peak RSS / file expected from 1 GB up (heapsnap measured 1.18-1.30x), with a margin: a tool whose
// run would not fit in the free memory is skipped, not swapped to death.
const EXPECTED_RSS_PER_FILE = { heapsnap: 1.4, 'heap-snapshot': 2.8, memlab: 4.5 };

const say = (line = '') => process.stdout.write(line + '\n');
const note = (line = '') => process.stderr.write(line + '\n');
let show = say; // the human report; goes to stderr under --json so stdout stays one JSON document

const USAGE = 'usage: node benchmark/bench.mjs [--sizes small,medium,large|none] [--file PATH[,PATH...]] [--quick] [--runs N] [--memlab-runs N]\n' +
  '         [--only heapsnap,heap-snapshot,memlab] [--heap-snapshot DIR] [--scale N[,N...]] [--scale-source large|medium]\n' +
  '         [--scale-runs N] [--leak-copies N] [--timeout SECONDS] [--json]';

function usage(msg) {
  if (msg) note(`bench: ${msg}`);
  note(USAGE);
  process.exit(2);
}

function positiveInt(v, what) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) usage(`${what} needs a positive integer, not "${v}"`);
  return n;
}

function options() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        sizes: { type: 'string' },
        file: { type: 'string' },
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        runs: { type: 'string', default: '3' },
        'memlab-runs': { type: 'string' },
        'heap-snapshot': { type: 'string' },
        scale: { type: 'string' },
        'scale-source': { type: 'string', default: 'large' },
        'scale-runs': { type: 'string', default: '1' },
        'leak-copies': { type: 'string' },
        timeout: { type: 'string', default: '900' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    usage(e.message);
  }
  if (values.help) usage();
  const scale = values.scale ? values.scale.split(',').map((x) => positiveInt(x.trim(), '--scale')) : [];
  // --file: snapshots of your own (a real application's), measured like the sizes, after them
  const files = values.file ? values.file.split(',').map((f) => resolve(f.trim())).filter(Boolean) : [];
  for (const f of files) {
    let st = null;
    try { st = statSync(f); } catch {}
    if (!st || !st.isFile()) usage(`--file: ${f} is not a readable file`);
  }
  let sizes = values.quick ? ['small'] : (values.sizes ?? (scale.length || files.length ? 'none' : 'small,medium,large')).split(',').map((s) => s.trim()).filter(Boolean);
  if (sizes.length === 1 && sizes[0] === 'none') sizes = [];
  for (const s of sizes) if (!['small', 'medium', 'large'].includes(s)) usage(`unknown size "${s}"`);
  const tools = values.only ? values.only.split(',').map((t) => t.trim()).filter(Boolean) : ALL_TOOLS;
  for (const t of tools) if (!ALL_TOOLS.includes(t)) usage(`--only takes ${ALL_TOOLS.join(', ')}, not "${t}"`);
  if (!['large', 'medium'].includes(values['scale-source'])) usage('--scale-source takes large or medium');
  const timeoutS = Number(values.timeout);
  if (!(timeoutS > 0)) usage('--timeout needs a positive number of seconds');
  return {
    sizes, files, tools, scale, scaleSource: values['scale-source'], json: values.json, timeoutMs: timeoutS * 1000,
    runs: positiveInt(values.runs, '--runs'),
    memlabRuns: values['memlab-runs'] ? positiveInt(values['memlab-runs'], '--memlab-runs') : null,
    scaleRuns: positiveInt(values['scale-runs'], '--scale-runs'),
    leakCopies: values['leak-copies'] ? positiveInt(values['leak-copies'], '--leak-copies') : 1,
    heapSnapshotDir: values['heap-snapshot'] ?? process.env[HEAP_SNAPSHOT_ENV] ?? null,
  };
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

/** Reads the file once so that no tool pays for a cold page cache. */
function warmPageCache(file) {
  return new Promise((ok, bad) => {
    createReadStream(file, { highWaterMark: 16 << 20 }).on('data', () => {}).on('end', ok).on('error', bad);
  });
}

/** Bytes of memory the kernel says a new process could use now (Linux), else os.freemem(). */
function availableMemory() {
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch { /* not Linux */ }
  return os.freemem();
}

// ---------------------------------------------------------------------------------------------
// Children

function runNodeChild(tool, task, args, { timeoutMs, logName }) {
  const { runner, nodeFlags } = NODE_TOOLS[tool];
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

/** One measurement of `tool` on `file`. */
function measure(tool, file, { timeoutMs, logName, heapSnapshot }) {
  mkdirSync(LOG_DIR, { recursive: true });
  if (tool === 'heap-snapshot') return runHeapSnapshot(heapSnapshot.bin, file, { timeoutMs, logFile: join(LOG_DIR, `${logName}.log`) });
  const args = tool === 'heapsnap' ? { repo: REPO, file } : { memlabDir: MEMLAB_DIR, file };
  return runNodeChild(tool, 'open', args, { timeoutMs, logName });
}

// ---------------------------------------------------------------------------------------------
// Medians

const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

/** Folds the runs of one tool into medians (of the successful runs). */
function aggregate(tool, runs) {
  const good = runs.filter((r) => r.ok && !r.skipped);
  const failed = runs.find((r) => !r.ok);
  const skipped = runs.find((r) => r.skipped);
  if (!good.length) return { tool, ok: false, error: failed?.error ?? null, skipped: skipped?.skipped ?? null, runs: runs.length };
  const names = [];
  for (const r of good) for (const p of r.phases ?? []) if (!names.includes(p.phase)) names.push(p.phase);
  const phases = names.map((phase) => ({ phase, ms: median(good.map((r) => r.phases.find((p) => p.phase === phase)?.ms)),
    sub: good[0].phases.find((p) => p.phase === phase)?.sub ?? false }));
  const walls = good.map((r) => r.childWallMs);
  return {
    tool, ok: !failed, error: failed?.error ?? null, runs: runs.length, okRuns: good.length,
    wallMs: median(walls), wallMin: Math.min(...walls), wallMax: Math.max(...walls),
    workMs: median(good.map((r) => r.workMs)), maxRssBytes: median(good.map((r) => r.maxRssBytes)),
    loadMs: median(good.map((r) => r.loadMs)), rssAfterLoadBytes: median(good.map((r) => r.rssAfterLoadBytes)),
    rssNote: good[0].rssNote ?? null, phases, checks: good[0].checks ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// Output

const MB = 1e6;
const fmtMs = (ms) => (ms == null ? '' : ms < 1000 ? `${ms.toFixed(ms < 10 ? 2 : 0)} ms` : `${(ms / 1000).toFixed(2)} s`);
const fmtMB = (bytes) => (bytes == null ? 'n/a' : `${Math.round(bytes / MB).toLocaleString('en-US')} MB`);
const fmtX = (x) => (x == null || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(x < 10 ? 2 : 1)}x`);

function table(rows, header, right) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => (right[i] ? String(c ?? '').padStart(widths[i]) : String(c ?? '').padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

/** Ratios of each tool's medians to heapsnap's (same run). */
function ratiosOf(agg) {
  const h = agg.heapsnap;
  if (!h?.ok) return {};
  const out = {};
  for (const [tool, a] of Object.entries(agg)) {
    if (tool === 'heapsnap' || !a.okRuns) continue;
    out[tool] = {
      wall: a.wallMs / h.wallMs,
      work: a.workMs != null && h.workMs ? a.workMs / h.workMs : null,
      peakRss: a.maxRssBytes && h.maxRssBytes ? a.maxRssBytes / h.maxRssBytes : null,
    };
  }
  return out;
}

function verdict(x, [target, moon], lowerIsBetter = false) {
  if (x == null || !Number.isFinite(x)) return 'n/a';
  const met = lowerIsBetter ? x <= target : x >= target;
  const moonMet = lowerIsBetter ? x <= moon : x >= moon;
  return `${fmtX(x)} (target ${lowerIsBetter ? '≤' : '≥'} ${target}x: ${met ? 'met' : 'not met'}${moonMet ? ', moonshot met' : ''})`;
}

function printSnapshot(entry) {
  show();
  show(`== ${entry.name}: ${entry.file.startsWith(REPO + '/') ? entry.file.slice(REPO.length + 1) : entry.file}  ${(entry.bytes / MB).toFixed(1)} MB` +
    (entry.scale != null ? `  (realistic-program --scale ${entry.scale}${entry.writtenBy ? `, written by Node ${entry.writtenBy}` : ''})` : '') +
    (entry.copies ? `  (${entry.copies} copies of ${entry.source})` : '') + ' ==');
  const rows = [];
  for (const a of Object.values(entry.tools)) {
    if (!a.okRuns) {
      rows.push([a.tool, a.skipped ? 'skipped' : 'FAILED', a.skipped ?? a.error ?? '']);
      continue;
    }
    const ratio = a.tool === 'heapsnap' ? '1.00x' : fmtX(entry.ratios[a.tool]?.wall);
    rows.push([a.tool, `${a.okRuns}${a.okRuns < a.runs ? `/${a.runs}` : ''}`,
      `${fmtMs(a.wallMs)}${a.okRuns > 1 ? ` (${fmtMs(a.wallMin)}–${fmtMs(a.wallMax)})` : ''}`,
      fmtMs(a.workMs), fmtMB(a.maxRssBytes), a.maxRssBytes ? `${(a.maxRssBytes / entry.bytes).toFixed(2)}x` : 'n/a',
      ((entry.bytes / MB) / (a.wallMs / 1000)).toFixed(1), ratio, a.error ? `(a run failed: ${a.error})` : '']);
  }
  show(table(rows, ['tool', 'runs', 'process wall: median (min–max)', 'in child', 'peak RSS', 'RSS/file', 'MB/s', 'wall ÷ heapsnap', ''],
    [false, true, true, true, true, true, true, true, false]));
  show('phases (medians):');
  for (const a of Object.values(entry.tools)) {
    if (!a.okRuns) continue;
    const parts = [];
    for (const p of a.phases) {
      if (p.sub) continue;
      const subs = a.phases.filter((q) => q.sub && a.phases.indexOf(q) > a.phases.indexOf(p) &&
        !a.phases.slice(a.phases.indexOf(p) + 1, a.phases.indexOf(q)).some((x) => !x.sub));
      const subText = subs.length ? ` [${subs.map((q) => `${q.phase.replace(/^\s*(open: )?/, '')} ${fmtMs(q.ms)}`).join(', ')}]` : '';
      parts.push(`${p.phase} ${fmtMs(p.ms)}${subText}`);
    }
    if (a.tool === 'heapsnap' && a.loadMs != null) parts.push(`(loading the addon ${fmtMs(a.loadMs)}, RSS once loaded ${fmtMB(a.rssAfterLoadBytes)})`);
    if (a.tool === 'memlab' && a.loadMs != null) parts.push(`(loading memlab ${fmtMs(a.loadMs)}, RSS once loaded ${fmtMB(a.rssAfterLoadBytes)})`);
    if (a.rssNote) parts.push(`(${a.rssNote})`);
    show(`  ${a.tool}: ${parts.join('; ')}`);
  }
  const h = entry.tools.heapsnap?.checks;
  const m = entry.tools.memlab?.checks;
  const n = (v) => (v == null ? '?' : v.toLocaleString('en-US'));
  if (h && m) {
    show(`same graph? nodes ${n(h.nodes)} / ${n(m.nodes)}, edges ${n(h.edges)} / ${n(m.edges)} (heapsnap / memlab); ` +
      `heapsnap total size ${n(h.totalSize)} B, memlab root retained size ${n(m.rootRetainedSize)} B`);
  } else if (h) {
    show(`graph: ${n(h.nodes)} nodes, ${n(h.edges)} edges, total size ${n(h.totalSize)} B`);
  }
  const r = entry.ratios;
  const hs = entry.tools.heapsnap;
  const t = [];
  if (r['heap-snapshot']) t.push(`heap-snapshot ÷ heapsnap ${verdict(r['heap-snapshot'].wall, TARGETS.heapSnapshot)}`);
  let floor = null;
  const hsWall = entry.tools['heap-snapshot']?.okRuns ? entry.tools['heap-snapshot'].wallMs : null;
  if (hsWall != null && entry.nodeStartMs != null && hs?.wallMs && entry.nodeStartMs > 0.05 * hs.wallMs) {
    // What the 2x target leaves for heapsnap once Node itself has started, and the ratio with
    // Node's start taken out of heapsnap's wall (a figure for the engine + addon, not the target).
    const budget = hsWall / TARGETS.heapSnapshot[0] - entry.nodeStartMs;
    floor = `Node's own start here (node -e 0, same minutes): ${fmtMs(entry.nodeStartMs)} of heapsnap's ${fmtMs(hs.wallMs)}; ` +
      `at 2x heap-snapshot, loading + work would have to fit in ${budget > 0 ? fmtMs(budget) : 'less than nothing'}; ` +
      `heap-snapshot ÷ (heapsnap − Node's start) ${fmtX(hsWall / (hs.wallMs - entry.nodeStartMs))}`;
  }
  if (r.memlab) t.push(`memlab ÷ heapsnap ${verdict(r.memlab.wall, TARGETS.memlab)}`);
  if (hs?.maxRssBytes) {
    t.push(entry.bytes >= TARGETS.rssFromBytes ? `heapsnap RSS/file ${verdict(hs.maxRssBytes / entry.bytes, TARGETS.rssPerFile, true)}`
      : `heapsnap RSS/file ${fmtX(hs.maxRssBytes / entry.bytes)} (the ≤ 1.2x target applies from 1 GB)`);
  }
  if (t.length) show(`targets (issue 15, whole-process wall): ${t.join('; ')}`);
  if (floor) show(floor);
}

// ---------------------------------------------------------------------------------------------
// Scaled snapshots

/** Makes (once) the snapshot of `copies` copies of `source`; returns { file, bytes, ... }. */
async function ensureScaled(source, sourceName, copies) {
  if (copies === 1) return { file: source.file, bytes: source.bytes, copies: 1, generated: false };
  const file = join(SNAPSHOT_DIR, `scaled-${sourceName}-x${copies}.heapsnapshot`);
  const metaFile = `${file.slice(0, -'.heapsnapshot'.length)}.meta.json`;
  let meta = null;
  try { meta = JSON.parse(readFileSync(metaFile, 'utf8')); } catch { /* made below */ }
  if (existsSync(file) && meta && meta.sourceBytes === source.bytes && meta.bytes === statSync(file).size) {
    note(`scaled x${copies}: reusing ${file.slice(REPO.length + 1)} (${(meta.bytes / 1e9).toFixed(2)} GB)`);
    return { file, bytes: meta.bytes, copies, generated: false, meta };
  }
  const need = source.bytes * copies * 1.1 + 2e9;
  const fs = statfsSync(SNAPSHOT_DIR);
  const free = fs.bavail * fs.bsize;
  if (free < need) throw new Error(`scaled x${copies}: needs ≈${(need / 1e9).toFixed(1)} GB of disk in ${SNAPSHOT_DIR}, ${(free / 1e9).toFixed(1)} GB free`);
  note(`scaled x${copies}: writing ${file.slice(REPO.length + 1)} from ${source.file.slice(REPO.length + 1)} (≈${(source.bytes * copies / 1e9).toFixed(1)} GB) ...`);
  const out = await new Promise((ok, bad) => {
    const child = spawn(process.execPath, [REPLICATE, source.file, String(copies), file, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => { text += d; });
    child.on('error', bad);
    child.on('close', (code) => (code === 0 ? ok(text) : bad(new Error(`replicate.mjs exited with ${code}`))));
  });
  const r = JSON.parse(out.trim().split('\n').pop());
  meta = { ...r, source: source.file.slice(REPO.length + 1), createdAt: new Date().toISOString() };
  writeFileSync(metaFile, JSON.stringify(meta, null, 2) + '\n');
  note(`scaled x${copies}: ${(r.bytes / 1e9).toFixed(2)} GB, ${r.nodes.toLocaleString('en-US')} nodes, ${r.edges.toLocaleString('en-US')} edges in ${r.seconds.toFixed(0)} s`);
  return { file, bytes: r.bytes, copies, generated: true, meta };
}

/** Makes (once) the leak series replicated `copies` times, one id stride for all three files. */
async function ensureLeakScaled(files, copies) {
  const { replicate, largestId } = await import('./gen/replicate.mjs');
  const sizes = files.map((f) => statSync(f).size);
  const stride = Math.max(...files.map(largestId)) + 2;
  return files.map((src, i) => {
    const file = join(SNAPSHOT_DIR, `leak-x${copies}-${i + 1}.heapsnapshot`);
    const metaFile = `${file.slice(0, -'.heapsnapshot'.length)}.meta.json`;
    let meta = null;
    try { meta = JSON.parse(readFileSync(metaFile, 'utf8')); } catch { /* made below */ }
    if (existsSync(file) && meta && meta.sourceBytes === sizes[i] && meta.idStride === stride && meta.bytes === statSync(file).size) {
      return { file, bytes: meta.bytes };
    }
    note(`leak series x${copies}: writing ${file.slice(REPO.length + 1)} ...`);
    const r = replicate(src, copies, file, { idStride: stride });
    writeFileSync(metaFile, JSON.stringify({ ...r, idStride: stride, source: src.slice(REPO.length + 1), createdAt: new Date().toISOString() }, null, 2) + '\n');
    return { file, bytes: r.bytes };
  });
}

function printScale(entries, sourceTotal) {
  show();
  show('== cost per GB across sizes (--scale: N copies of one snapshot in one file) ==');
  const rows = [];
  for (const e of entries) {
    for (const a of Object.values(e.tools)) {
      if (!a.okRuns) {
        rows.push([`x${e.copies}`, (e.bytes / 1e9).toFixed(2), a.tool, a.skipped ? 'skipped' : 'FAILED', '', '', '', '', '', a.skipped ?? a.error ?? '']);
        continue;
      }
      const gb = e.bytes / 1e9;
      const open = a.phases.find((p) => p.phase === 'open')?.ms;
      rows.push([`x${e.copies}`, gb.toFixed(2), a.tool, fmtMs(a.wallMs), (a.wallMs / 1000 / gb).toFixed(2), open ? (open / 1000 / gb).toFixed(2) : '',
        fmtMB(a.maxRssBytes), a.maxRssBytes ? `${(a.maxRssBytes / e.bytes).toFixed(2)}x` : 'n/a',
        a.tool === 'heapsnap' ? '' : fmtX(e.ratios[a.tool]?.wall), '']);
    }
    const h = e.tools.heapsnap;
    if (h?.checks?.totalSize != null && sourceTotal != null && e.copies > 1) {
      e.replicaCheck = { expected: e.copies * sourceTotal.total - (e.copies - 1) * sourceTotal.extra, got: h.checks.totalSize };
    }
  }
  show(table(rows, ['copies', 'GB', 'tool', 'process wall', 's/GB', 'open s/GB', 'peak RSS', 'RSS/file', '÷ heapsnap', ''],
    [false, true, false, true, true, true, true, true, true, false]));
  for (const e of entries) {
    if (e.replicaCheck) {
      const { expected, got } = e.replicaCheck;
      show(`x${e.copies}: total size ${got.toLocaleString('en-US')} B ${got === expected ? '=' : '≠'} ${e.copies} × the source's (${expected.toLocaleString('en-US')} B)${got === expected ? '' : '  <-- MISMATCH'}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Extra sections: findLeaks and the in-test assertions (heapsnap and memlab; heap-snapshot has
// neither).

function extraRows(run, detail = '') {
  if (!run.ok) return [[run.tool, 'FAILED', '', '', run.error]];
  if (run.skipped) return [[run.tool, 'skipped', '', '', run.skipped]];
  return [
    ...run.phases.map((p) => [run.tool, p.phase, fmtMs(p.ms), '', '']),
    [run.tool, 'total (timed in child)', fmtMs(run.workMs), fmtMB(run.maxRssBytes), detail],
    [run.tool, 'child process wall', fmtMs(run.childWallMs), '', ''],
  ];
}

async function extras({ status, tools, timeoutMs, results, leakCopies = 1 }) {
  const api = status.api ?? {};
  const header = ['tool', 'phase', 'wall', 'peak RSS', ''];
  const right = [false, false, true, true, false];
  show();
  show('== findLeaks on three snapshots (baseline, target, final) ==');
  if (typeof api.findLeaks === 'function') {
    const [set] = await makeSnapshots({ sizes: ['leak'], log: note });
    const files = set.files.map((f) => f.file);
    const runs = {};
    runs.heapsnap = await runNodeChild('heapsnap', 'findLeaks', { repo: REPO, files }, { timeoutMs, logName: 'leak-heapsnap-findLeaks' });
    if (tools.includes('memlab')) runs.memlab = await runNodeChild('memlab', 'findLeaks', { memlabDir: MEMLAB_DIR, files }, { timeoutMs, logName: 'leak-memlab-findLeaks' });
    const rows = Object.values(runs).flatMap((run) => extraRows(run, `leaks reported: ${run.checks?.leaks ?? 'n/a'}`));
    show(table(rows, header, right));
    show('(memlab runs with its default leak filter, which targets browser leaks; see benchmark/README.md)');
    results.extras.findLeaks = { files, runs };
    if (leakCopies > 1) {
      const big = await ensureLeakScaled(files, leakCopies);
      const run = await runNodeChild('heapsnap', 'findLeaks', { repo: REPO, files: big.map((f) => f.file) }, { timeoutMs: Math.max(timeoutMs, leakCopies * 60_000), logName: `leak-x${leakCopies}-heapsnap-findLeaks` });
      show();
      show(`== findLeaks on the leak series x${leakCopies} (${big.map((f) => `${(f.bytes / 1e6).toFixed(0)} MB`).join(', ')}) ==`);
      show(table(extraRows(run, `leaks reported: ${run.checks?.leaks ?? 'n/a'}`), header, right));
      if (run.workMs != null) show(`target (issue 15): findLeaks on three ~330 MB snapshots ≤ 3 s: ${(run.workMs / 1000).toFixed(2)} s (${run.workMs <= 3000 ? 'met' : 'not met'})`);
      results.extras.findLeaksScaled = { copies: leakCopies, files: big, run };
    }
  } else {
    show('skipped: index.js has no findLeaks export yet');
    results.extras.findLeaks = { skipped: 'no findLeaks export' };
  }

  show();
  show('== in-test assertions (assertNoLeak / assertCollected) ==');
  if (typeof api.assertNoLeak === 'function' || typeof api.assertCollected === 'function') {
    const runs = {};
    runs.heapsnap = await runNodeChild('heapsnap', 'asserts', { repo: REPO, program: PROGRAM }, { timeoutMs, logName: 'asserts-heapsnap' });
    if (tools.includes('memlab')) runs.memlab = await runNodeChild('memlab', 'asserts', { memlabDir: MEMLAB_DIR, program: PROGRAM }, { timeoutMs, logName: 'asserts-memlab' });
    const rows = Object.values(runs).flatMap((run) => extraRows(run));
    show(table(rows, header, right));
    results.extras.asserts = { runs };
  } else {
    show('skipped: index.js has neither assertNoLeak nor assertCollected yet');
    results.extras.asserts = { skipped: 'no assertNoLeak/assertCollected export' };
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * Runs every tool `runs` times on one file, interleaved (h, hs, m, h, hs, m, …) so drift in the
 * machine's load touches all tools alike; skips a tool whose expected peak RSS would not fit.
 */
async function measureFile({ name, file, bytes, tools, runsFor, timeoutMs, heapSnapshot }) {
  await warmPageCache(file);
  const runs = Object.fromEntries(tools.map((t) => [t, []]));
  const most = Math.max(...tools.map(runsFor));
  const starts = [];
  for (let r = 0; r < most; r++) {
    for (const tool of tools) {
      if (r >= runsFor(tool)) continue;
      const need = bytes * EXPECTED_RSS_PER_FILE[tool];
      const avail = availableMemory();
      if (need > avail * 0.9) {
        runs[tool].push({ tool, ok: true, skipped: `needs ≈${(need / 1e9).toFixed(1)} GB of RAM, ${(avail / 1e9).toFixed(1)} GB available` });
        continue;
      }
      note(`${name}: ${tool}, run ${r + 1}/${runsFor(tool)} ...`);
      runs[tool].push(await measure(tool, file, { timeoutMs, logName: `${name}-${tool}-${r + 1}`, heapSnapshot }));
    }
    if (tools.includes('heapsnap') && tools.length > 1) for (let i = 0; i < 3; i++) starts.push(nodeStart());
  }
  const agg = Object.fromEntries(tools.map((t) => [t, aggregate(t, runs[t])]));
  // Node's own start (`node -e 0`), measured in the same minutes: heapsnap's whole-process wall
  // carries it, a native binary such as heap-snapshot does not, so on small files it bounds the
  // whole-process ratio (printed beside the targets).
  const nodeStartMs = median(starts);
  return { runs, tools: agg, ratios: ratiosOf(agg), nodeStartMs, failed: Object.values(runs).flat().some((r) => !r.ok) };
}

/** Wall time of one `node -e 0` (the same Node binary that runs heapsnap's child), in ms. */
function nodeStart() {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  return r.status === 0 ? performance.now() - t0 : null;
}

/** The header's extra_native_bytes (0 when absent): part of DevTools' total size. */
function headerExtraNativeBytes(file) {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 16);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const m = /"extra_native_bytes"\s*:\s*(\d+)/.exec(buf.toString('latin1', 0, n));
    return m ? Number(m[1]) : 0;
  } finally {
    closeSync(fd);
  }
}

async function main() {
  const opts = options();
  if (opts.json) show = note;
  const results = {
    generatedAt: new Date().toISOString(),
    machine: { platform: `${os.platform()} ${os.release()}`, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, totalMemBytes: os.totalmem(), node: process.version },
    options: opts,
    snapshots: [],
    scale: [],
    extras: {},
  };
  let failed = false;
  const save = () => {
    mkdirSync(BENCH_DIR, { recursive: true });
    writeFileSync(join(BENCH_DIR, 'results.json.tmp'), JSON.stringify(results, null, 2) + '\n');
    renameSync(join(BENCH_DIR, 'results.json.tmp'), join(BENCH_DIR, 'results.json'));
  };

  const status = heapsnapStatus();
  let tools = opts.tools;
  if (tools.includes('heapsnap') && !status.ok) {
    note(`heapsnap: not measured — ${status.why}`);
    results.heapsnapUnavailable = status.why;
    tools = tools.filter((t) => t !== 'heapsnap');
    failed = true;
  }
  let heapSnapshot = null;
  if (tools.includes('heap-snapshot')) {
    if (!opts.heapSnapshotDir) {
      note(HEAP_SNAPSHOT_HOW_TO);
      results.heapSnapshotUnavailable = 'no source checkout given';
      tools = tools.filter((t) => t !== 'heap-snapshot');
      if (opts.tools.length === 1) failed = true;
    } else {
      heapSnapshot = buildHeapSnapshot(resolve(opts.heapSnapshotDir), { log: note });
      if (heapSnapshot.error) {
        note(`heap-snapshot: not measured — ${heapSnapshot.error}`);
        results.heapSnapshotUnavailable = heapSnapshot.error;
        tools = tools.filter((t) => t !== 'heap-snapshot');
        failed = true;
      } else {
        results.heapSnapshot = { version: heapSnapshot.version, commit: heapSnapshot.commit, dir: resolve(opts.heapSnapshotDir) };
      }
    }
  }
  if (tools.includes('memlab') && (opts.sizes.length || opts.files.length)) await installMemlab(note);
  show(`tools: ${tools.map((t) => (t === 'heap-snapshot' && heapSnapshot ? `heap-snapshot ${heapSnapshot.version}${heapSnapshot.commit ? ` (${heapSnapshot.commit})` : ''}` : t === 'memlab' ? `memlab ${MEMLAB_VERSION}` : t)).join(', ')}; ` +
    `${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`);

  const sets = opts.sizes.length ? await makeSnapshots({ sizes: opts.sizes, log: note }) : [];
  // the generated sizes, then --file's snapshots (memlab once on the large size and from 1 GB)
  const targets = [
    ...sets.map((set) => ({ name: set.name, ...set.files[0], scale: set.scale, writtenBy: set.meta?.node ?? null, big: set.name === 'large' })),
    ...opts.files.map((file) => { const bytes = statSync(file).size; return { name: basename(file), file, bytes, scale: null, writtenBy: null, big: bytes >= 1e9 }; }),
  ];
  for (const { big, ...t } of targets) {
    const runsFor = (tool) => (tool === 'memlab' ? opts.memlabRuns ?? (big ? 1 : opts.runs) : opts.runs);
    const m = await measureFile({ name: t.name, file: t.file, bytes: t.bytes, tools, runsFor, timeoutMs: opts.timeoutMs, heapSnapshot });
    if (m.failed) failed = true;
    const entry = { name: t.name, file: t.file, bytes: t.bytes, scale: t.scale, writtenBy: t.writtenBy, ...m };
    results.snapshots.push(entry);
    printSnapshot(entry);
    save(); // partial results survive a crash
  }

  if (opts.scale.length) {
    const [src] = await makeSnapshots({ sizes: [opts.scaleSource], log: note });
    const source = src.files[0];
    const copiesList = [...new Set([1, ...opts.scale])].sort((a, b) => a - b);
    const scaleTools = tools.filter((t) => t !== 'memlab');
    const entries = [];
    for (const copies of copiesList) {
      const made = await ensureScaled(source, opts.scaleSource, copies);
      const name = `scaled-x${copies}`;
      const m = await measureFile({ name, file: made.file, bytes: made.bytes, tools: scaleTools, runsFor: () => opts.scaleRuns, timeoutMs: Math.max(opts.timeoutMs, copies * 300_000), heapSnapshot });
      if (m.failed) failed = true;
      const entry = { name, file: made.file, bytes: made.bytes, copies, source: source.file.slice(REPO.length + 1), ...m };
      entries.push(entry);
      results.scale.push(entry);
      printSnapshot(entry);
      save();
    }
    const base = entries.find((e) => e.copies === 1)?.tools.heapsnap?.checks?.totalSize;
    printScale(entries, base != null ? { total: base, extra: headerExtraNativeBytes(source.file) } : null);
    save();
  }

  if (status.ok && opts.sizes.length) await extras({ status, tools, timeoutMs: opts.timeoutMs, results, leakCopies: opts.leakCopies });

  save();
  if (opts.json) say(JSON.stringify(results, null, 2));
  else { show(); show(`results: ${join(BENCH_DIR, 'results.json')}`); }
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  note(`bench: ${e.stack || e.message}`);
  process.exitCode = 1;
});
