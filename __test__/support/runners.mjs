// Running heapsnap's assertions where users run them: test runners in child processes (jest,
// vitest, mocha, node --test) and a worker thread. Shared by __test__/testing*.test.mjs (one
// fast check each, in npm test) and __test__/stress/testing*.test.mjs (the examples and the
// rest of the matrix, in npm run test:stress).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export const repo = fileURLToPath(new URL('../..', import.meta.url));
export const fixtures = join(repo, '__test__', 'fixtures', 'runners');
export const examples = join(repo, 'examples', 'test-suite');
export const bin = (name) => join(repo, 'node_modules', '.bin', name);
const TIMEOUT = 300_000;

/** Runs `node ...args` to its end: { status, stdout, stderr }. */
export function run(args, { cwd = repo, env } = {}) {
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

/** A `skip` option for a runner that is not installed (they are devDependencies). */
export function skipReason(name) {
  return existsSync(bin(name)) ? false : `${name} is not installed (npm install: it is a devDependency)`;
}

/** Runs __test__/fixtures/runners/testing-worker.js in a worker thread: → the outcome it posts. */
export function runWorker(mode) {
  return new Promise((resolve, reject) => {
    const w = new Worker(join(fixtures, 'testing-worker.js'), { workerData: { mode } });
    const timer = setTimeout(() => {
      w.terminate();
      reject(new Error(`worker ${mode} timed out`));
    }, 120_000);
    w.once('message', (m) => {
      clearTimeout(timer);
      w.terminate().then(() => resolve(m));
    });
    w.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** [{ title, status: 'passed' | 'failed', message }] → checks the fixture's two tests. */
export function checkOutcome(t, runner, results, r, { holder = /->leakyStore \(Array\) → \[\d+\] \(LeakyRequest @\d+\)/, matcher = false, file = 'leak.test.js' } = {}) {
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

/** jest's --json report (vitest's json reporter writes the same) → [{ title, status, message }]. */
export function jestResults(json) {
  return json.testResults.flatMap((f) =>
    f.assertionResults.map((a) => ({ title: a.title, status: a.status, message: a.failureMessages.join('\n') })),
  );
}
