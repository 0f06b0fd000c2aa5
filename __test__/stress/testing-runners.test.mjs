// The examples of examples/test-suite (one per runner: node:test, jest, vitest, mocha), run in
// child processes as their README runs them, jest with its default (Babel) transform: every test
// of each example runs and passes. And the jest fixture under jest's default transform (npm test
// runs it without one). Moved out of npm test (each runner's fast leaky/clean check
// stays in __test__/testing-runners.test.mjs); CI runs both. A runner that is not installed
// (devDependencies) is skipped with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { run, skipReason, bin, examples, fixtures, checkOutcome, jestResults } from '../support/runners.mjs';

test('jest with its default transform (Babel): leaky test fails with the class and holder, clean test passes', { skip: skipReason('jest') }, (t) => {
  const r = run([bin('jest'), '--rootDir', join(fixtures, 'jest'), '--testMatch', '**/*.test.js', '--ci', '--json', '--no-cache', '--watchman=false']);
  assert.equal(r.status, 1, 'jest exits 1 when a test fails');
  checkOutcome(t, 'jest', jestResults(JSON.parse(r.stdout)), r, { matcher: true });
});

test('examples/test-suite: node --test', (t) => {
  const r = run(['--test', '--test-reporter=tap', join(examples, 'node-test.test.mjs')]);
  assert.equal(r.status, 0, r.stdout.slice(-3000) + r.stderr.slice(-2000));
  // Every test of the example ran and passed (none skipped, the file not skipped as a whole).
  const count = (what) => Number(r.stdout.match(new RegExp(`^# ${what} (\\d+)$`, 'm'))?.[1]);
  assert.equal(count('tests'), 4, r.stdout.slice(-3000) + r.stderr.slice(-2000));
  assert.equal(count('pass'), 4);
  t.diagnostic(r.stdout.split('\n').filter((l) => /^# (pass|fail|duration)/.test(l)).join(' | '));
});

test('examples/test-suite: jest', { skip: skipReason('jest') }, () => {
  const r = run([bin('jest'), '--rootDir', examples, '--testMatch', '**/jest.test.js', '--ci', '--no-cache', '--watchman=false']);
  assert.equal(r.status, 0, r.stdout.slice(-3000) + r.stderr.slice(-3000));
  assert.match(r.stderr, /^Tests:\s+4 passed, 4 total$/m, r.stderr.slice(-3000));
});

test('examples/test-suite: vitest', { skip: skipReason('vitest') }, () => {
  const r = run([bin('vitest'), 'run', 'vitest.test.mjs', '--root', examples, '--watch=false', '--no-cache']);
  assert.equal(r.status, 0, r.stdout.slice(-3000) + r.stderr.slice(-3000));
  assert.match(r.stdout, /^\s*Tests\s+4 passed \(4\)$/m, r.stdout.slice(-3000));
});

test('examples/test-suite: mocha', { skip: skipReason('mocha') }, () => {
  const r = run([bin('mocha'), '--no-config', '--no-package', join(examples, 'mocha.test.js')]);
  assert.equal(r.status, 0, r.stdout.slice(-3000) + r.stderr.slice(-3000));
  assert.match(r.stdout, /^\s*3 passing\b/m, r.stdout.slice(-3000));
  assert.doesNotMatch(r.stdout, /pending/, r.stdout.slice(-3000));
});
