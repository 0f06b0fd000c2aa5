// The published typings (index.d.ts) compile and describe real usage (tsc --strict).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repo } from './support/oracle.mjs';

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
