// The published typings (index.d.ts) compile and describe real usage (tsc --strict).
// In test:stress (tsc takes ~3-7 s a run; npm test keeps under 5 minutes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repo } from '../support/oracle.mjs';

const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');

test('index.d.ts compiles under --strict together with a usage example', { skip: existsSync(tsc) ? false : 'typescript is not installed' }, () => {
  const out = (() => {
    try {
      return execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', join(repo, '__test__', 'types', 'usage.ts')], { encoding: 'utf8', cwd: repo });
    } catch (e) {
      return e.stdout + e.stderr;
    }
  })();
  assert.equal(out.trim(), '');
});

// A TypeScript user with neither @types/node nor the DOM library: index.d.ts must stand alone.
// heapsnap is installed by copy (package.json + index.d.ts), so nothing resolves from this checkout.
test('index.d.ts needs neither @types/node nor the DOM library (tsc --strict, lib es2022 only)', { skip: existsSync(tsc) ? false : 'typescript is not installed' }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsnap-types-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'node_modules', 'heapsnap'), { recursive: true });
  for (const f of ['package.json', 'index.d.ts']) copyFileSync(join(repo, f), join(dir, 'node_modules', 'heapsnap', f));
  copyFileSync(join(repo, '__test__', 'types', 'standalone.ts'), join(dir, 'use.ts'));
  writeFileSync(join(dir, 'dom.ts'), "import { HeapSnapshot } from 'heapsnap';\nvoid HeapSnapshot.open(new URL('file:///a.heapsnapshot'), { signal: AbortSignal.timeout(1000) });\n");
  const compile = (lib) => {
    const compilerOptions = { strict: true, noEmit: true, target: 'es2022', lib, module: 'nodenext', moduleResolution: 'nodenext', types: [] };
    const files = lib.includes('dom') ? ['use.ts', 'dom.ts'] : ['use.ts'];
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }));
    try {
      return execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', cwd: dir });
    } catch (e) {
      return e.stdout + e.stderr;
    }
  };
  assert.equal(compile(['es2022']).trim(), '', 'lib es2022 only');
  // the DOM's own AbortSignal and URL (dom.ts) are accepted where the DOM library is on
  assert.equal(compile(['es2022', 'dom']).trim(), '', 'lib es2022 + dom');
});
