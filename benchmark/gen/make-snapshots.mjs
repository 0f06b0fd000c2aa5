#!/usr/bin/env node
// Writes the benchmark snapshots into .bench/snapshots/ with realistic-program.js, reusing any
// that already exist. Each is generated in its own child process (one at a time: generating the
// 1 GB one needs ≈6 GB of RSS and most of a core for minutes; each gets up to 2 hours, as a shared
// machine can stretch those minutes a lot), into a temporary folder first, so
// an interrupted run never leaves a truncated file that a later run would reuse.
//
//   node benchmark/gen/make-snapshots.mjs [--sizes small,medium,large,leak] [--force] [--node PATH]
//
// Sizes (scales measured on Node 20.20.2, see benchmark/README.md):
//   small   scale 1    ≈ 10 MB
//   medium  scale 24   ≈ 150 MB
//   large   scale 160  ≈ 1 GB
//   leak    scale 1, --series 3: leak-1/2/3.heapsnapshot (baseline, target, final) for findLeaks
// Beside each snapshot, <name>.meta.json records how it was made; a snapshot whose recorded
// scale differs from the table above is regenerated.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '..', '..');
export const SNAPSHOT_DIR = join(REPO, '.bench', 'snapshots');
const PROGRAM = join(here, 'realistic-program.js');

/** name → how to make it. maxOldMB is the generator's --max-old-space-size. */
export const SIZES = {
  small: { scale: 1, series: 1, maxOldMB: 2048 },
  medium: { scale: 24, series: 1, maxOldMB: 4096 },
  large: { scale: 160, series: 1, maxOldMB: 16000 },
  leak: { scale: 1, series: 3, maxOldMB: 2048 },
};

/** The files a size stands for (three for a series). */
export function filesOf(name, dir = SNAPSHOT_DIR) {
  const { series } = SIZES[name];
  if (series === 1) return [join(dir, `${name}.heapsnapshot`)];
  return Array.from({ length: series }, (_, i) => join(dir, `${name}-${i + 1}.heapsnapshot`));
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

function readMeta(metaFile) {
  try {
    return JSON.parse(readFileSync(metaFile, 'utf8'));
  } catch {
    return null;
  }
}

function run(cmd, args, { timeoutMs, log }) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    const timer = setTimeout(() => {
      log(`  generator exceeded ${timeoutMs / 1000} s, killing pid ${child.pid}`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(out);
      else reject(new Error(`generator exited with ${signal ?? code}`));
    });
  });
}

/**
 * Ensures the snapshots of the given sizes exist; returns one record per size:
 * { name, files: [{ file, bytes }], scale, generated, seconds, meta }.
 */
export async function makeSnapshots({
  sizes = ['small', 'medium', 'large'],
  dir = SNAPSHOT_DIR,
  force = false,
  node = process.execPath,
  timeoutMs = 120 * 60_000,
  log = (line) => process.stdout.write(line + '\n'),
} = {}) {
  mkdirSync(dir, { recursive: true });
  const records = [];
  for (const name of sizes) {
    const spec = SIZES[name];
    if (!spec) throw new Error(`unknown snapshot size "${name}" (known: ${Object.keys(SIZES).join(', ')})`);
    const files = filesOf(name, dir);
    const metaFile = join(dir, `${name}.meta.json`);
    const meta = readMeta(metaFile);
    const present = files.every((f) => existsSync(f) && statSync(f).size > 0);
    const stale = meta && meta.scale !== spec.scale;
    if (present && !force && !stale) {
      const sizesText = files.map((f) => mb(statSync(f).size)).join(' + ');
      log(`snapshot ${name}: reusing ${files.map((f) => f.slice(dir.length + 1)).join(', ')} (${sizesText}` +
        (meta ? `, scale ${meta.scale}, ${meta.node}` : ', made elsewhere') + ')');
      records.push({ name, files: files.map((file) => ({ file, bytes: statSync(file).size })), scale: meta?.scale ?? null, generated: false, meta });
      continue;
    }
    if (stale) log(`snapshot ${name}: recorded scale ${meta.scale} differs from ${spec.scale}, regenerating`);

    const tmp = join(dir, `.tmp-${name}-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const args = [`--max-old-space-size=${spec.maxOldMB}`, PROGRAM, join(tmp, `${name}.heapsnapshot`),
      '--scale', String(spec.scale), '--json'];
    if (spec.series > 1) args.push('--series', String(spec.series));
    log(`snapshot ${name}: generating with ${node} ${args.join(' ')}`);
    const t0 = performance.now();
    let report;
    try {
      report = JSON.parse((await run(node, args, { timeoutMs, log })).trim().split('\n').pop());
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`snapshot ${name}: ${e.message}`);
    }
    const seconds = (performance.now() - t0) / 1000;
    for (const f of readdirSync(tmp)) renameSync(join(tmp, f), join(dir, f));
    rmSync(tmp, { recursive: true, force: true });
    const newMeta = { name, scale: spec.scale, series: spec.series, node: report.node, seed: report.seed,
      buildMs: report.buildMs, generatorMaxRssMB: report.maxRssMB, seconds: Math.round(seconds * 10) / 10,
      files: files.map((file) => ({ file: file.slice(dir.length + 1), bytes: statSync(file).size })),
      createdAt: new Date().toISOString() };
    writeFileSync(metaFile, JSON.stringify(newMeta, null, 2) + '\n');
    log(`snapshot ${name}: wrote ${newMeta.files.map((f) => `${f.file} (${mb(f.bytes)})`).join(', ')} in ${seconds.toFixed(1)} s, generator peak RSS ${report.maxRssMB} MB`);
    records.push({ name, files: files.map((file) => ({ file, bytes: statSync(file).size })), scale: spec.scale, generated: true, seconds, meta: newMeta });
  }
  return records;
}

async function main() {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: 'small,medium,large' },
      force: { type: 'boolean', default: false },
      node: { type: 'string', default: process.execPath },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('usage: node benchmark/gen/make-snapshots.mjs [--sizes small,medium,large,leak] [--force] [--node PATH]\n');
    return;
  }
  const sizes = values.sizes.split(',').map((s) => s.trim()).filter(Boolean);
  await makeSnapshots({ sizes, force: values.force, node: values.node });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`make-snapshots: ${e.message}\n`);
    process.exitCode = e.message.includes('unknown snapshot size') ? 2 : 1;
  });
}
