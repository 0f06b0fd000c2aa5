// The real CLI binary on snapshots the test writes: output, --json shapes, exit codes
// (0 ok, 1 check failed, 2 usage or unreadable input) and --help on every command.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repo } from './support/oracle.mjs';

const bin = join(repo, 'bin', 'heapsnap.js');
const cli = (...args) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, timeout: 120_000 });
let dir, base, target, final;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'heapsnap-cli-'));
  execFileSync(process.execPath, [join(repo, '__test__', 'fixtures', 'leak-scenario.js'), 'requestArray', 'leaky', dir, '40']);
  [base, target, final] = ['baseline', 'target', 'final'].map((n) => join(dir, `${n}.heapsnapshot`));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('summary: table by default, --json with the documented shape, --limit/--filter/--sort', () => {
  const r = cli('summary', final, '--limit', '5');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Class +Count +Shallow +Retained +Distance/);
  assert.match(r.stdout, /\d+(\.\d)? (KB|MB|B)/);
  const j = JSON.parse(cli('summary', final, '--json', '--filter', '^RequestRecord$').stdout);
  assert.deepEqual(Object.keys(j).sort(), ['classes', 'edgeCount', 'file', 'nodeCount', 'totalSize']);
  assert.equal(j.classes.length, 1);
  assert.equal(j.classes[0].count, 42, '40 + the first record + the warm-up one');
  assert.deepEqual(Object.keys(j.classes[0]).sort(), ['className', 'count', 'distance', 'key', 'retainedSize', 'shallowSize']);
  const byCount = JSON.parse(cli('summary', final, '--json', '--sort', 'count', '--limit', '3').stdout).classes;
  assert.ok(byCount[0].count >= byCount[1].count && byCount[1].count >= byCount[2].count);
});

test('stats: the Statistics view, and --json', () => {
  const r = cli('stats', final);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Strings/);
  const j = JSON.parse(cli('stats', final, '--json').stdout);
  assert.equal(j.statistics.v8heap.total + j.statistics.native.total, j.statistics.total);
});

test('diff: Comparison rows, and --max-growth gates with exit 1', () => {
  const j = JSON.parse(cli('diff', base, target, '--json').stdout);
  const rec = j.classes.find((c) => c.className === 'RequestRecord');
  assert.equal(rec.addedCount, 40);
  assert.equal(cli('diff', base, target, '--max-growth', '100MB').status, 0);
  const r = cli('diff', base, target, '--max-growth', '1KB');
  assert.equal(r.status, 1);
  assert.match(r.stdout, /FAIL: growth/);
});

test('leaks: clusters with paths; --fail-on-leak and --max-retained exit 1', () => {
  const r = cli('leaks', base, target, final);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /RequestRecord ×40/);
  assert.match(r.stdout, /global → \.requestLog \(Object\) → \.records \(Array\)/);
  const j = JSON.parse(cli('leaks', base, target, final, '--json').stdout);
  assert.equal(j.clusters[0].className, 'RequestRecord');
  assert.equal(j.failed, false);
  assert.equal(cli('leaks', base, target, final, '--fail-on-leak').status, 1);
  assert.equal(cli('leaks', base, target, final, '--max-retained', 'RequestRecord=1MB').status, 0);
  assert.equal(cli('leaks', base, target, final, '--max-retained', 'RequestRecord=1KB').status, 1);
  assert.equal(cli('leaks', base, target, final, '--ignore-class', 'RequestRecord', '--fail-on-leak').status, 0);
});

test('growth, path and top', () => {
  const g = JSON.parse(cli('growth', base, target, final, '--json').stdout);
  assert.ok(Array.isArray(g.classes) && Array.isArray(g.collections));
  const leaks = JSON.parse(cli('leaks', base, target, final, '--json').stdout);
  const id = leaks.clusters[0].sampleIds[0];
  const p = cli('path', final, `@${id}`);
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, /Retainer path:\n  global → \.requestLog/);
  assert.equal(cli('path', final, '@999999999').status, 1);
  const top = JSON.parse(cli('top', final, '--json', '--limit', '3').stdout);
  assert.equal(top.length, 3);
  assert.ok(top[0].retainedSize >= top[1].retainedSize);
});

test('dupes: duplicated strings with their copies', () => {
  const j = JSON.parse(cli('dupes', final, '--json').stdout);
  assert.ok(j.length > 0 && j.every((g) => g.count >= 2));
  // every RequestRecord has headers.accept = 'json': one of the strings V8 shares, or duplicates
  assert.ok(j[0].totalRetainedSize >= j.at(-1).totalRetainedSize);
  assert.equal(cli('dupes', final).status, 0);
});

test('exit 2 with one line for bad usage and unreadable input; --help everywhere', () => {
  const bad = join(dir, 'bad.heapsnapshot');
  writeFileSync(bad, '{"snapshot":');
  for (const args of [['summary'], ['summary', join(dir, 'missing.heapsnapshot')], ['summary', bad], ['diff', base], ['nope'], ['summary', final, '--sort', 'x'], ['path', final, 'abc']]) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /^heapsnap: /);
  }
  assert.match(cli('summary', bad).stderr, /ERR_HEAPSNAP_PARSE/);
  for (const cmd of ['summary', 'stats', 'diff', 'leaks', 'growth', 'path', 'top', 'dupes', 'capture', 'report', 'demo']) {
    const r = cli(cmd, '--help');
    assert.equal(r.status, 0, cmd);
    assert.match(r.stdout, /Usage: heapsnap/, cmd);
  }
  assert.equal(cli('--help').status, 0);
  assert.equal(cli().status, 2);
});

test('demo: finds the bundled leak, and nothing in the fixed program', () => {
  const r = cli('demo', '--requests', '60');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Function ×60/);
  assert.match(r.stdout, /\.server \(Server\) → \.bus \(EventEmitter\) → \._events/);
  const fixed = cli('demo', '--fixed', '--requests', '60', '--json');
  assert.equal(JSON.parse(fixed.stdout).leaks.clusters.length, 0);
  const html = readFileSync(join(dir, 'heapsnap-demo-report.html'), 'utf8');
  assert.match(html, /<svg/);
});
