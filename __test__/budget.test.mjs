// `heapsnap budget`: the real CLI on snapshots of a real leaking program. Exit codes 0 (within
// budget, saved, updated), 1 (over budget: the classes are named) and 2 (bad usage or input);
// the file is written 0600, is editable, and --update keeps the tolerances a person set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { repo } from './support/oracle.mjs';

const require = createRequire(import.meta.url);
const bin = join(repo, 'bin', 'heapsnap.js');
const cli = (...args) => spawnSync(process.execPath, [bin, 'budget', ...args], { encoding: 'utf8', cwd: dir, timeout: 120_000 });
let dir, base, target, final;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'heapsnap-budget-'));
  // 3000 RequestRecords appear between baseline and target and stay in final.
  execFileSync(process.execPath, [join(repo, '__test__', 'fixtures', 'leak-scenario.js'), 'requestArray', 'leaky', dir, '3000']);
  [base, target, final] = ['baseline', 'target', 'final'].map((n) => join(dir, `${n}.heapsnapshot`));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('save writes a 0600 budget with per-class counts, retained sizes and totals', async () => {
  const out = join(dir, 'heap-budget.json');
  const r = cli('save', base, '-o', out, '--json');
  assert.equal(r.status, 0, r.stderr);
  const printed = JSON.parse(r.stdout);
  assert.equal(printed.output, out);
  if (process.platform !== 'win32') assert.equal(statSync(out).mode & 0o777, 0o600);
  const b = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(b.kind, 'heapsnap-budget');
  assert.equal(b.version, 1);
  assert.equal(printed.classes, Object.keys(b.classes).length);
  assert.ok(b.tolerance.count.percent > 0 && b.tolerance.retainedSize.min > 0);

  // The numbers are the API's: Summary rows merged by class name.
  const { HeapSnapshot } = require('../index.js');
  const snap = await HeapSnapshot.open(base);
  try {
    assert.equal(b.totals.totalSize, snap.totalSize);
    assert.equal(b.totals.nodeCount, snap.nodeCount);
    const rows = snap.summary();
    for (const [name, c] of Object.entries(b.classes)) {
      const mine = rows.filter((x) => x.className === name);
      assert.equal(c.count, mine.reduce((s, x) => s + x.count, 0), name);
      assert.equal(c.retainedSize, mine.reduce((s, x) => s + x.retainedSize, 0), name);
      assert.ok(c.retainedSize >= 100 * 1024, `${name}: only classes retaining ≥ 100 KB by default`);
    }
  } finally {
    snap.dispose();
  }
});

test('check: 0 within budget, 1 with the classes over it, --json', () => {
  const out = join(dir, 'all-classes.json');
  assert.equal(cli('save', base, '-o', out, '--min-size', '0').status, 0);
  const same = cli('check', out, base);
  assert.equal(same.status, 0, same.stdout + same.stderr);
  assert.match(same.stdout, /^OK /);

  const grown = cli('check', out, target);
  assert.equal(grown.status, 1, grown.stdout + grown.stderr);
  assert.match(grown.stdout, /^FAIL /);
  assert.match(grown.stdout, /RequestRecord +count 3,00\d > allowed/);

  const j = JSON.parse(cli('check', out, target, '--json').stdout);
  assert.equal(j.ok, false);
  const rec = j.over.find((o) => o.name === 'RequestRecord' && o.metric === 'count');
  assert.ok(rec, JSON.stringify(j.over));
  assert.ok(rec.actual >= 3000 && rec.budget < 10 && rec.allowed === rec.budget + 100);
});

test('tolerances are editable in the file; --update rewrites figures and keeps them', () => {
  const out = join(dir, 'edited.json');
  assert.equal(cli('save', base, '-o', out, '--min-size', '0').status, 0);
  const b = JSON.parse(readFileSync(out, 'utf8'));
  // Let RequestRecord and everything that holds it grow freely, and only that.
  const loose = { count: { percent: 1e6, min: 1e6 }, retainedSize: { percent: 1e6, min: 1e9 } };
  const first = JSON.parse(cli('check', out, target, '--json').stdout);
  for (const o of first.over) if (o.scope === 'class') b.classes[o.name].tolerance = loose;
  b.tolerance.totalSize = { percent: 1e6, min: 1e9 };
  b.tolerance.nodeCount = { percent: 1e6, min: 1e9 };
  b.tolerance.unlisted = { retainedSize: 1e9 };
  writeFileSync(out, JSON.stringify(b, null, 2));
  const ok = cli('check', out, target);
  assert.equal(ok.status, 0, ok.stdout);

  // A fresh budget from base fails on target; --update accepts target and exits 0.
  const up = join(dir, 'update.json');
  assert.equal(cli('save', base, '-o', up, '--min-size', '0').status, 0);
  const tightened = JSON.parse(readFileSync(up, 'utf8'));
  tightened.classes.RequestRecord.tolerance = { count: { percent: 5, min: 10 } };
  writeFileSync(up, JSON.stringify(tightened));
  assert.equal(cli('check', up, target).status, 1);
  const u = cli('check', up, target, '--update');
  assert.equal(u.status, 0, u.stdout + u.stderr);
  assert.match(u.stdout, /Updated /);
  if (process.platform !== 'win32') assert.equal(statSync(up).mode & 0o777, 0o600);
  const after = JSON.parse(readFileSync(up, 'utf8'));
  assert.ok(after.classes.RequestRecord.count >= 3000);
  assert.deepEqual(after.classes.RequestRecord.tolerance, { count: { percent: 5, min: 10 } }, 'per-class tolerance kept');
  assert.equal(cli('check', up, target).status, 0);
  assert.equal(cli('check', up, final).status, 0, 'final still holds the leak: same figures');
});

test('exit 2 on bad usage and bad input, with one line on stderr', () => {
  const good = join(dir, 'good.json');
  assert.equal(cli('save', base, '-o', good).status, 0);
  const notJson = join(dir, 'not.json');
  writeFileSync(notJson, '{ nope');
  const wrongKind = join(dir, 'kind.json');
  writeFileSync(wrongKind, JSON.stringify({ hello: 1 }));
  const wrongVersion = join(dir, 'version.json');
  writeFileSync(wrongVersion, JSON.stringify({ ...JSON.parse(readFileSync(good, 'utf8')), version: 99 }));
  const badTolerance = join(dir, 'tol.json');
  writeFileSync(badTolerance, JSON.stringify({ ...JSON.parse(readFileSync(good, 'utf8')), tolerance: { count: { percent: 'ten' } } }));
  const badClass = join(dir, 'cls.json');
  writeFileSync(badClass, JSON.stringify({ ...JSON.parse(readFileSync(good, 'utf8')), classes: { Foo: { count: -1 } } }));
  const cases = [
    [[], /subcommand/],
    [['frobnicate'], /unknown budget subcommand/],
    [['save'], /expected 1/],
    [['save', join(dir, 'missing.heapsnapshot'), '-o', join(dir, 'x.json')], /missing\.heapsnapshot/],
    [['save', base, '--min-size', 'lots'], /--min-size/],
    [['check', good], /expected 2/],
    [['check', join(dir, 'nope.json'), base], /cannot read budget/],
    [['check', notJson, base], /not JSON/],
    [['check', wrongKind, base], /not a heap budget/],
    [['check', wrongVersion, base], /version 99/],
    [['check', badTolerance, base], /tolerance\.count\.percent/],
    [['check', badClass, base], /count must be/],
    [['check', good, join(dir, 'missing.heapsnapshot')], /missing\.heapsnapshot/],
  ];
  for (const [args, re] of cases) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /^heapsnap: /, args.join(' '));
    assert.match(r.stderr, re, args.join(' '));
  }
  const help = cli('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: heapsnap budget save/);
  assert.equal(cli('check', '--help').status, 0);
});
