// heap-snapshot (github.com/dinfuehr/heap-snapshot, a Rust port of DevTools' HeapSnapshot.ts) as
// a benchmark peer. It is never a dependency of heapsnap and this repository holds none of its
// code: the bench takes the path of a source checkout the user made (--heap-snapshot DIR or
// HEAP_SNAPSHOT_SRC=DIR), builds it there with its own `cargo build --release` (as its release
// workflow does; the published linux binary needs glibc >= 2.39), and runs
// `heap-snapshot summary FILE`: parse, dominators, retained sizes, distances, classes, and the
// Summary table printed to stdout (which we discard after counting it).
//
// Whole-process wall time is measured here (spawn to exit); peak RSS by /usr/bin/time (its %M,
// the child's ru_maxrss), the same figure process.resourceUsage().maxRSS gives for the Node
// children. Rough phases come from when its progress lines arrive on stderr: "Reading and
// parsing" → "Initializing snapshot..." (parse) → "Computing aggregates..." (analysis:
// dominators, retained sizes, distances, classes) → exit (the Summary's aggregates and table).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ENV_VAR = 'HEAP_SNAPSHOT_SRC';
const TIME = '/usr/bin/time';
const TIME_MARK = '@@HEAPSNAP_BENCH_TIME ';

/** What to say when no checkout was given. */
export const HOW_TO = `heap-snapshot: not measured — give a source checkout of github.com/dinfuehr/heap-snapshot ` +
  `with --heap-snapshot DIR or ${ENV_VAR}=DIR (the bench builds it there with cargo build --release)`;

/**
 * Builds the checkout (a no-op when up to date) and returns { bin, version, commit } or
 * { error }. Build output goes to `log`.
 */
export function buildHeapSnapshot(dir, { log = () => {} } = {}) {
  const manifest = join(dir, 'Cargo.toml');
  if (!existsSync(manifest)) return { error: `${dir} is not a heap-snapshot checkout (no Cargo.toml)` };
  const toml = readFileSync(manifest, 'utf8');
  const name = /^\s*name\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (name !== 'heap-snapshot') return { error: `${manifest} is package "${name}", not heap-snapshot` };
  const version = /^\s*version\s*=\s*"([^"]+)"/m.exec(toml)?.[1] ?? '?';
  const git = spawnSync('git', ['-C', dir, 'describe', '--tags', '--always', '--dirty'], { encoding: 'utf8' });
  const commit = git.status === 0 ? git.stdout.trim() : null;
  const args = ['build', '--release', '--locked', '--manifest-path', manifest];
  log(`heap-snapshot ${version}${commit ? ` (${commit})` : ''}: cargo ${args.join(' ')}`);
  const r = spawnSync('cargo', args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) return { error: `cargo: ${r.error.message}` };
  if (r.status !== 0) return { error: `cargo build exited with ${r.status}` };
  const bin = join(dir, 'target', 'release', process.platform === 'win32' ? 'heap-snapshot.exe' : 'heap-snapshot');
  if (!existsSync(bin)) return { error: `cargo built no ${bin}` };
  return { bin, version, commit };
}

/**
 * Runs `heap-snapshot summary FILE` once. Resolves to a run record shaped like the Node
 * runners' ({ ok, childWallMs, maxRssBytes, phases, ... }).
 */
export function runHeapSnapshot(bin, file, { timeoutMs, logFile }) {
  const haveTime = existsSync(TIME);
  const cmd = haveTime ? TIME : bin;
  const args = haveTime ? ['-f', `${TIME_MARK}%e %M`, bin, 'summary', file] : ['summary', file];
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let outBytes = 0;
    let outHead = '';
    let firstOut = null;
    const marks = {};
    let timedOut = false;
    child.stdout.on('data', (d) => {
      if (firstOut === null) firstOut = performance.now();
      outBytes += d.length;
      if (outHead.length < 4000) outHead += d.toString('utf8').slice(0, 4000 - outHead.length);
    });
    child.stderr.on('data', (d) => {
      const now = performance.now();
      err += d;
      if (marks.parse == null && err.includes('Reading and parsing')) marks.parse = now;
      if (marks.init == null && err.includes('Initializing snapshot')) marks.init = now;
      if (marks.aggregates == null && err.includes('Computing aggregates')) marks.aggregates = now;
    });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    const finish = (code, signal, spawnError) => {
      clearTimeout(timer);
      const end = performance.now();
      const childWallMs = end - t0;
      writeFileSync(logFile, `$ ${cmd} ${args.join(' ')}\n--- stdout (first 4000 of ${outBytes} bytes)\n${outHead}\n--- stderr\n${err}\n`);
      const tline = err.split('\n').filter((l) => l.startsWith(TIME_MARK)).pop();
      const maxRssBytes = tline ? Number(tline.slice(TIME_MARK.length).split(' ')[1]) * 1024 : null;
      let error = null;
      if (spawnError) error = spawnError.message;
      else if (timedOut) error = `timed out after ${timeoutMs / 1000} s`;
      else if (code !== 0) error = `exited with ${signal ?? code}: ${err.trim().split('\n').filter((l) => !l.startsWith(TIME_MARK)).slice(-1)[0] ?? ''}; log: ${logFile}`;
      else if (outBytes === 0) error = `printed no summary; log: ${logFile}`;
      const phases = [];
      if (marks.parse != null && marks.init != null) phases.push({ phase: 'parse', ms: marks.init - marks.parse });
      const summaryAt = marks.aggregates ?? firstOut;
      if (marks.init != null && summaryAt != null) phases.push({ phase: 'analysis', ms: summaryAt - marks.init });
      if (summaryAt != null) phases.push({ phase: 'summary', ms: end - summaryAt });
      done({ tool: 'heap-snapshot', ok: !error, error, childWallMs, workMs: null, maxRssBytes,
        rssNote: haveTime ? null : `${TIME} not found: peak RSS not measured`, phases, log: logFile, outBytes });
    };
    child.on('error', (e) => finish(null, null, e));
    child.on('close', (code, signal) => finish(code, signal, null));
  });
}
