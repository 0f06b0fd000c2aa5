// Runs real programs in child processes to produce snapshots the tests can check.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repo } from './oracle.mjs';

export function tempDir(t, prefix = 'heapsnap-test-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes the realistic program's snapshot with the given Node binary. */
export function realisticSnapshot(out, { node = process.execPath, scale = 0.3 } = {}) {
  execFileSync(node, [join(repo, 'benchmark', 'gen', 'realistic-program.js'), out, '--scale', String(scale)], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 120_000,
  });
  return out;
}

/** Runs `source` (a CommonJS program) with `node`, passing `args`; returns its stdout. */
export function runProgram(source, args = [], { node = process.execPath, cwd = repo, timeout = 120_000 } = {}) {
  return execFileSync(node, ['-e', source, '--', ...args], { cwd, encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'inherit'] });
}
