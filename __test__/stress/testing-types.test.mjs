// The typings of the runner entry points (heapsnap/jest, heapsnap/vitest) compile as their users
// In test:stress (tsc takes ~3-7 s a run; npm test keeps under 5 minutes).
// write them (tsc --strict, resolved through the package's exports like an installed package).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repo } from '../support/oracle.mjs';

const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');

function compile(file) {
  try {
    return execFileSync(
      process.execPath,
      [tsc, '--noEmit', '--strict', '--target', 'es2022', '--lib', 'es2022,dom', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--skipLibCheck', join(repo, '__test__', 'types', file)],
      { encoding: 'utf8', cwd: repo },
    );
  } catch (e) {
    return e.stdout + e.stderr;
  }
}

for (const runner of ['jest', 'vitest']) {
  const installed = existsSync(join(repo, 'node_modules', runner));
  test(`heapsnap/${runner} types: toLeak and toLeakAsync on ${runner}'s expect`, { skip: !existsSync(tsc) ? 'typescript is not installed' : !installed && `${runner} is not installed` }, () => {
    assert.equal(compile(`testing-${runner}.ts`).trim(), '');
  });
}
