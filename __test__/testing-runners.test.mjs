// heapsnap's assertions under the test runners users have, one fast check each: jest and vitest
// (threads pool: the assertion runs in a worker thread) through their matchers (heapsnap/jest,
// heapsnap/vitest), mocha and node:test through assertNoLeak. Each runner runs a fixture with one
// leaky and one clean test in a child process, with flags instead of a config file; the leaky test
// must fail naming the class, where its objects were allocated and the variable that holds them,
// the clean one pass within the runner's default test timeout. A runner that is not installed
// (devDependencies) is skipped with the reason. The examples of examples/test-suite, run as their
// README runs them (jest with its default transform): __test__/stress/testing-runners.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { run, skipReason, bin, fixtures, checkOutcome, jestResults } from './support/runners.mjs';

// --transform={}: the fixture needs no Babel, and Babel-transforming heapsnap's lib on every fresh
// run doubles jest's time. This fixture with jest's default transform, and the jest example:
// __test__/stress/testing-runners.test.mjs.
test('jest: leaky test fails with the class and holder, clean test passes', { skip: skipReason('jest') }, (t) => {
  const r = run([bin('jest'), '--rootDir', join(fixtures, 'jest'), '--testMatch', '**/*.test.js', '--ci', '--json', '--no-cache', '--watchman=false', '--transform={}']);
  assert.equal(r.status, 1, 'jest exits 1 when a test fails');
  const results = jestResults(JSON.parse(r.stdout));
  checkOutcome(t, 'jest', results, r, { matcher: true });
});

test('vitest (--pool=threads): leaky test fails with the class and holder, clean test passes', { skip: skipReason('vitest') }, (t) => {
  const out = mkdtempSync(join(tmpdir(), 'heapsnap-vitest-'));
  try {
    const file = join(out, 'report.json');
    const r = run([bin('vitest'), 'run', 'leak.test.mjs', '--root', join(fixtures, 'vitest'), '--pool=threads', '--reporter=json', `--outputFile=${file}`, '--watch=false', '--no-cache']);
    const results = jestResults(JSON.parse(readFileSync(file, 'utf8')));
    assert.equal(r.status, 1, 'vitest exits 1 when a test fails');
    // vite's module transform runs the test file's top level inside a wrapper function whose
    // context slots the heap snapshot does not name: the holder shows as the test module's
    // context slot, `{n} (Array)`, not as `->leakyStore`.
    checkOutcome(t, 'vitest', results, r, { holder: /(->leakyStore|\{\d+\}) \(Array\) → \[\d+\] \(LeakyRequest @\d+\)/, matcher: true, file: 'leak.test.mjs' });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('mocha: leaky test fails with the class and holder, clean test passes', { skip: skipReason('mocha') }, (t) => {
  const r = run([bin('mocha'), '--reporter', 'json', '--no-config', '--no-package', join(fixtures, 'mocha', 'leak.test.js')]);
  const json = JSON.parse(r.stdout);
  const results = [
    ...json.passes.map((p) => ({ title: p.title, status: 'passed', message: '' })),
    ...json.failures.map((f) => ({ title: f.title, status: 'failed', message: `${f.err.name ?? ''} ${f.err.code ?? ''} ${f.err.message}\n${f.err.stack}` })),
  ];
  assert.equal(r.status, 1, 'mocha exits with the number of failures');
  checkOutcome(t, 'mocha', results, r);
});

test('node --test: leaky test fails with the class and holder, clean test passes', (t) => {
  const r = run(['--test', '--test-reporter=tap', join(fixtures, 'node-test', 'leak.test.mjs')]);
  // TAP: "ok N - title" or "not ok N - title", then the test's YAML block up to the next test.
  const results = [...r.stdout.matchAll(/^(not )?ok \d+ - (.+)$([\s\S]*?)(?=^# Subtest|^1\.\.)/gm)].map(([, not, title, block]) => ({
    title,
    status: not ? 'failed' : 'passed',
    message: block,
  }));
  assert.equal(r.status, 1, 'node --test exits 1 when a test fails');
  checkOutcome(t, 'node --test', results, r, { holder: /->leakyStore \(Array\) → \[\d+\] \(LeakyRequest @\d+\)/, file: 'leak.test.mjs' });
});
