// heapsnap's assertions under the test runners users have: jest and vitest (threads pool: the
// assertion runs in a worker thread) through their matchers (heapsnap/jest, heapsnap/vitest),
// mocha and node:test through assertNoLeak. Each runner runs a fixture with one leaky and one
// clean test in a child process, with flags instead of a config file; the leaky test must fail
// naming the class, where its objects were allocated and the variable that holds them, the clean
// one pass within the runner's default test timeout. Then each runner runs its example from
// examples/test-suite, which must pass as a whole. A runner that is not installed
// (devDependencies) is skipped with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const fixtures = join(repo, '__test__', 'fixtures', 'runners');
const bin = (name) => join(repo, 'node_modules', '.bin', name);
const TIMEOUT = 300_000;

function run(args, { cwd = repo, env } = {}) {
  // Without NODE_TEST_CONTEXT: inherited from this test runner, it makes a child `node --test`
  // skip its files ("run() is being called recursively") and exit 0 having run nothing.
  const { NODE_TEST_CONTEXT, ...inherited } = process.env;
  const r = spawnSync(process.execPath, args, {
    cwd,
    encoding: 'utf8',
    timeout: TIMEOUT,
    maxBuffer: 64 << 20,
    env: { ...inherited, NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true', ...env },
  });
  if (r.error) throw r.error;
  return r;
}

function skipReason(name) {
  return existsSync(bin(name)) ? false : `${name} is not installed (npm install: it is a devDependency)`;
}

/** [{ title, status: 'passed' | 'failed', message }] → checks the fixture's two tests. */
function checkOutcome(t, runner, results, r, { holder = /->leakyStore \(Array\) → \[\d+\] \(LeakyRequest @\d+\)/, matcher = false, file = 'leak.test.js' } = {}) {
  const byTitle = Object.fromEntries(results.map((x) => [x.title, x]));
  const leaky = byTitle['leaky handler'];
  const clean = byTitle['clean handler'];
  assert.ok(leaky && clean, `${runner}: both tests reported\n${r.stdout.slice(0, 2000)}\n${r.stderr.slice(-2000)}`);
  assert.equal(clean.status, 'passed', `${runner}: clean test: ${clean.message}`);
  assert.equal(leaky.status, 'failed');
  assert.match(leaky.message, matcher ? /Expected fn not to leak, but it did:/ : /LeakError|ERR_HEAPSNAP_LEAK/);
  assert.match(leaky.message, /LeakyRequest: 1 per iteration \(10 objects\)/);
  assert.match(leaky.message, new RegExp(`allocated in .*${file.replace('.', '\\.')}:\\d+:\\d+`));
  assert.match(leaky.message, holder);
  t.diagnostic(`${runner}: ${leaky.message.split('\n').slice(0, 3).join(' | ')}`);
}

test('jest: leaky test fails with the class and holder, clean test passes', { skip: skipReason('jest') }, (t) => {
  const r = run([bin('jest'), '--rootDir', join(fixtures, 'jest'), '--testMatch', '**/*.test.js', '--ci', '--json', '--no-cache', '--watchman=false']);
  const json = JSON.parse(r.stdout);
  const results = json.testResults.flatMap((f) =>
    f.assertionResults.map((a) => ({ title: a.title, status: a.status, message: a.failureMessages.join('\n') })),
  );
  assert.equal(r.status, 1, 'jest exits 1 when a test fails');
  checkOutcome(t, 'jest', results, r, { matcher: true });
});

test('vitest (--pool=threads): leaky test fails with the class and holder, clean test passes', { skip: skipReason('vitest') }, (t) => {
  const out = mkdtempSync(join(tmpdir(), 'heapsnap-vitest-'));
  try {
    const file = join(out, 'report.json');
    const r = run([bin('vitest'), 'run', 'leak.test.mjs', '--root', join(fixtures, 'vitest'), '--pool=threads', '--reporter=json', `--outputFile=${file}`, '--watch=false', '--no-cache']);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    const results = json.testResults.flatMap((f) =>
      f.assertionResults.map((a) => ({ title: a.title, status: a.status, message: a.failureMessages.join('\n') })),
    );
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

// The examples of examples/test-suite, as their README runs them: every test passes.
const examples = join(repo, 'examples', 'test-suite');

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
