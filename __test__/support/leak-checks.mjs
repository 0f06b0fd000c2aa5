// Checks shared by __test__/testing-screen.test.mjs (a few kinds of leak, in npm test) and the
// long runs in __test__/stress/assertions.test.mjs (every kind).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { assertNoLeak, LeakError } = require('../fixtures/runners/heapsnap.js');

/** → { passed: result } or { err, report } (a LeakError); any other error is thrown. */
export async function leakOf(fn, options) {
  try {
    const r = await assertNoLeak(fn, options);
    return { passed: r };
  } catch (err) {
    if (!(err instanceof LeakError)) throw err;
    return { err, report: err.report };
  }
}

/**
 * One kind of leak (__test__/support/leak-patterns.mjs `leaks[name]`) fails assertNoLeak: the
 * screen suspected it, the snapshot found its class with its count, where its objects were
 * allocated, and the holder path.
 */
export async function expectCaught(t, name, { fn, className, count }) {
  const { err, report } = await leakOf(fn);
  assert.ok(err, `${name}: passed`);
  assert.equal(report.method, 'snapshot', name);
  assert.equal(report.screen.verdict, 'suspicious', name);
  assert.ok(report.screen.objects.every((n) => n >= report.threshold), `${name}: ${report.screen.objects}`);
  const named = (c) => (className instanceof RegExp ? className.test(c) : c === className);
  const leak = report.leaks.find((l) => named(l.className) && l.count === count);
  assert.ok(leak, `${name}: ${report.leaks.map((l) => `${l.className}×${l.count}`)}`);
  assert.ok(leak.allocatedAt, `${name}: no allocation site`);
  const line = err.message.split('\n').find((l) => l.startsWith(`  ${leak.className}: `));
  assert.match(line ?? err.message, new RegExp(`per iteration \\(${count} objects\\)`));
  assert.match(err.message, /\n {4}allocated in .+\n {4}.+→ .+@\d+\)/);
  t.diagnostic(`${name}: ${report.screen.objects.join('/')} → ${leak.className}×${leak.count} in ${leak.allocatedAt.text.split(' ← ')[0]} (${Math.round(report.durationMs)} ms)`);
  return report;
}
