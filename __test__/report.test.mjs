// `heapsnap report`: the self-contained HTML report (issue 6) and its redaction (issue 7).
// A child Node process leaks `Leaky` objects (each holding a planted secret, filed under a
// secret-looking key) between its baseline and target snapshots and keeps them for the final
// one; the CLI turns the three into a report, which is then opened in headless Chromium to
// check what a reader sees: the charts, the sortable table, the leak cluster. The browser part
// is skipped only when /usr/bin/chromium (or playwright-core) is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { repo } from './support/oracle.mjs';
import { tempDir } from './support/programs.mjs';

const require = createRequire(import.meta.url);
const { HeapSnapshot } = require('../index.js');

const CHROMIUM = '/usr/bin/chromium';
const SECRET = 'sk_live_SECRET123';
const BIN = join(repo, 'bin', 'heapsnap.js');

let playwright = null;
try {
  playwright = require('playwright-core');
} catch {
  // reported as a skip reason below
}
const browserSkip = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is not installed (apt-get install -y chromium)`
  : !playwright
    ? 'playwright-core is not installed (npm install)'
    : false;

// The leaky program. The secret is assembled at run time so the literal is not in the source.
const LEAKY_PROGRAM = `
const v8 = require('node:v8');
const path = require('node:path');
const dir = process.argv[2];
class Leaky {
  constructor(i) {
    this.id = i;
    this.token = ['sk', 'live', 'SECRET123'].join('_');
    this.payload = new Array(64).fill(i);
  }
}
const key = ['sk', 'live', 'SECRET123'].join('_');
globalThis.sessions = {};
globalThis.sessions[key] = [];
v8.writeHeapSnapshot(path.join(dir, 'baseline.heapsnapshot'));
for (let i = 0; i < 400; i++) globalThis.sessions[key].push(new Leaky(i));
let scratch = [];
for (let i = 0; i < 2000; i++) scratch.push({ i, s: 'tmp' + i });
scratch = null;
v8.writeHeapSnapshot(path.join(dir, 'target.heapsnapshot'));
let more = [];
for (let i = 0; i < 2000; i++) more.push([i, String(i)]);
more = null;
v8.writeHeapSnapshot(path.join(dir, 'final.heapsnapshot'));
`;

function makeSnapshots(t) {
  const dir = tempDir(t, 'heapsnap-report-');
  const program = join(dir, 'leaky.js');
  writeFileSync(program, LEAKY_PROGRAM);
  execFileSync(process.execPath, [program, dir], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
  return {
    dir,
    baseline: join(dir, 'baseline.heapsnapshot'),
    target: join(dir, 'target.heapsnapshot'),
    final: join(dir, 'final.heapsnapshot'),
  };
}

/** Runs `heapsnap report …` (bin/heapsnap.js when present, else lib/cli/report.js directly). */
function report(args) {
  const argv = existsSync(BIN)
    ? [BIN, 'report', ...args]
    : [
        '-e',
        `require(${JSON.stringify(join(repo, 'lib', 'cli', 'report.js'))})` +
          `.main(process.argv.slice(1), { stdout: process.stdout, stderr: process.stderr })` +
          `.then((c) => { process.exitCode = c; })`,
        '--',
        ...args,
      ];
  const r = spawnSync(process.execPath, argv, { cwd: repo, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('report --help, bad usage and unreadable input', () => {
  const help = report(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: heapsnap report/);
  assert.match(help.stdout, /Examples:/);

  const none = report([]);
  assert.equal(none.code, 2);
  assert.equal(none.stderr.trim().split('\n').length, 1, none.stderr);

  const missing = report(['/nonexistent/x.heapsnapshot']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read snapshot '\/nonexistent\/x\.heapsnapshot'/);

  const tooMany = report(['a', 'b', 'c', 'd']);
  assert.equal(tooMany.code, 2);
});

test('report on a leaking program: a file a reader can use, in headless Chromium', async (t) => {
  const s = makeSnapshots(t);
  const out = join(s.dir, 'leaks.html');
  const r = report([s.baseline, s.target, s.final, '-o', out, '--title', 'Leak <check> & "report"', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const printed = JSON.parse(r.stdout);
  assert.equal(printed.output, out);
  assert.equal(printed.bytes, statSync(out).size);
  if (process.platform !== 'win32') assert.equal(statSync(out).mode & 0o777, 0o600);

  const html = readFileSync(out, 'utf8');
  assert.match(html, /<title>Leak &lt;check&gt; &amp; &quot;report&quot;<\/title>/);
  assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i, 'no external resources');
  assert.ok(html.includes(SECRET), 'unredacted, the secret key of the leak path is shown');

  const snap = await HeapSnapshot.open(s.final);
  const stats = snap.statistics();
  const top = snap.summary()[0];
  snap.dispose();

  await t.test('in the browser', { skip: browserSkip }, async () => {
    const browser = await playwright.chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems = [];
      const requests = [];
      page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('request', (req) => !req.url().startsWith('file:') && requests.push(req.url()));
      await page.goto(pathToFileURL(out).href, { waitUntil: 'load' });

      // The retained-size bar chart: widths proportional to data-value, largest class first.
      const bars = await page.$$eval('#retained-chart rect.bar', (rs) =>
        rs.map((r) => ({ cls: r.dataset.class, value: Number(r.dataset.value), width: r.getBoundingClientRect().width })),
      );
      assert.ok(bars.length >= 10 && bars.length <= 25, `bars: ${bars.length}`);
      assert.equal(bars[0].cls, top.className);
      assert.equal(bars[0].value, top.retainedSize);
      for (const b of bars) assert.ok(b.value <= bars[0].value, `${b.cls} is larger than the first bar`);
      for (const b of bars) {
        const expected = (b.value / bars[0].value) * bars[0].width;
        assert.ok(Math.abs(b.width - expected) <= Math.max(0.01 * expected, 0.01), `${b.cls}: width ${b.width}, expected ${expected}`);
      }

      // The Statistics donut: seven parts that add up to the total.
      const segs = await page.$$eval('#stats-chart .seg', (cs) => cs.map((c) => Number(c.dataset.value)));
      assert.equal(segs.length, 7);
      assert.equal(segs.reduce((a, b) => a + b, 0), stats.total);

      // The Summary table sorts on a header click.
      const column = async (i) => page.$$eval(`#summary-table tbody tr td:nth-child(${i})`, (tds) => tds.map((td) => Number(td.dataset.v)));
      const before = await column(4);
      assert.deepEqual(before, [...before].sort((a, b) => b - a), 'retained descending at first');
      await page.click('#summary-table th:has-text("Retained")');
      const after = await column(4);
      assert.deepEqual(after, [...before].sort((a, b) => a - b), 'retained ascending after one click');
      assert.equal(await page.getAttribute('#summary-table th:has-text("Retained")', 'aria-sort'), 'ascending');
      await page.click('#summary-table th:has-text("Count")');
      const counts = await column(2);
      assert.deepEqual(counts, [...counts].sort((a, b) => b - a), 'count descending after a click');
      await page.click('#summary-table th:has-text("Retained")'); // back to the default view for the picture

      // The leak: a Leaky cluster with its retainer path.
      const leaky = page.locator('li.cluster[data-class="Leaky"]');
      assert.equal(await leaky.count(), 1);
      assert.match(await leaky.locator('.cluster-head').innerText(), /Leaky\s*×400/);
      const chain = await leaky.locator('.path').innerText();
      assert.match(chain, /sessions/);
      assert.match(chain, /Leaky/);

      assert.deepEqual(problems, []);
      assert.deepEqual(requests, [], 'the report made no network requests');

      mkdirSync(join(repo, '__test__', 'out'), { recursive: true });
      await page.screenshot({ path: join(repo, '__test__', 'out', 'report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });

  await t.test('--redact hides the planted secret everywhere', () => {
    const red = join(s.dir, 'redacted.html');
    const rr = report([s.baseline, s.target, s.final, '-o', red, '--redact']);
    assert.equal(rr.code, 0, rr.stderr);
    assert.equal(rr.stdout.trim(), red);
    const text = readFileSync(red, 'utf8');
    assert.ok(!text.includes('SECRET123'), 'the secret is not in the redacted report');
    assert.ok(!text.includes(s.dir), 'no directories in the redacted report');
    const hash = createHash('sha256').update(SECRET).digest('hex').slice(0, 8);
    assert.ok(text.includes(`‹redacted len=${SECRET.length} sha256=${hash}›`), 'the secret is replaced by its marker');
    assert.match(text, /data-class="Leaky"/, 'class names stay');
  });
});

test('report FILE BASE: growth per class, sorted by size delta', async (t) => {
  const s = makeSnapshots(t);
  const out = join(s.dir, 'diff.html');
  const r = report([s.target, s.baseline, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), out);
  const html = readFileSync(out, 'utf8');
  const values = [...html.matchAll(/<rect class="bar" data-class="([^"]*)" data-value="(-?\d+)"/g)];
  const growth = values.filter((m) => html.indexOf(m[0]) > html.indexOf('id="growth-chart"') && html.indexOf(m[0]) < html.indexOf('id="diff-table"'));
  assert.ok(growth.length > 0 && growth.length <= 20);
  const deltas = growth.map((m) => Number(m[2]));
  assert.deepEqual(deltas, [...deltas].sort((a, b) => b - a));
  assert.ok(growth.some((m) => m[1] === 'Leaky'), 'Leaky grew');
});

test('renderReport escapes every string and redacts data-like names', () => {
  const { renderReport } = require('../lib/report/html.js');
  const evil = `<img src=x onerror="alert(1)">&'`;
  const node = (id, className, name, type = 'object') => ({ id, type, className, name });
  const data = {
    files: ['/home/alice/secret-project/a.heapsnapshot'],
    snapshot: { nodeCount: 3, edgeCount: 2, totalSize: 300 },
    summary: [
      { key: 'k1', className: evil, count: 1, shallowSize: 100, retainedSize: 200, distance: 100000000 },
      { key: 'k2', className: '{host, 3f2a9c1e-7b4d-4e8a-9c2f-1a2b3c4d5e6f}', count: 2, shallowSize: 50, retainedSize: 100, distance: -1 },
    ],
    statistics: { total: 300, native: { total: 20, typedArrays: 10 }, v8heap: { total: 280, code: 10, strings: 20, jsArrays: 30, system: 40 } },
    leaks: {
      totals: { leakedObjects: 1, topLevel: 1, retainedSize: 200, clusters: 1 },
      clusters: [
        {
          className: evil,
          count: 1,
          retainedSize: 200,
          shallowSize: 100,
          objects: 1,
          sampleIds: [7],
          path: {
            root: node(1, 'global', 'global'),
            steps: [
              { edgeType: 'property', edgeName: 'cache', edgeLabel: '.cache', node: node(2, 'Map', 'Map') },
              { edgeType: 'property', edgeName: 'alice@example.com', edgeLabel: '.alice@example.com', node: node(3, '(string)', 'hunter2-password', 'string') },
            ],
            text: 'global → .cache (Map) → .alice@example.com (string hunter2-password)',
          },
        },
      ],
    },
  };
  const plain = renderReport(data, { title: evil });
  assert.ok(!plain.includes('<img'), 'class names and titles are escaped');
  assert.ok(plain.includes('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;'));
  assert.ok(plain.includes('hunter2-password'));
  assert.match(plain, /<td class="num" data-v="100000000">−<\/td>/, 'no distance shows as −');

  const red = renderReport(data, { redact: true });
  for (const secret of ['hunter2-password', 'alice@example.com', '3f2a9c1e', '/home/alice']) assert.ok(!red.includes(secret), secret);
  assert.ok(red.includes('.cache'), 'code-like edge names stay');
  assert.ok(red.includes('{host, ‹redacted len=36 sha256='), 'data-like keys in shape names are hidden');
  assert.ok(red.includes('a.heapsnapshot'));
});
