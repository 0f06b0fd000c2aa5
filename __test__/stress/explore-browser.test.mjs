// The explorer in headless Chromium, the whole walk a person takes (moved out of `npm test`: it
// takes 12–20 s on a loaded machine): Summary → objects → retainers, the inspector, the
// screenshot, a deep link in a new tab, search by id and keyboard navigation, Comparison against
// BASE, Statistics, Dominators and Duplicated strings. Every number the page shows is compared
// with the JS API on the same file. __test__/explore.test.mjs keeps a short browser check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { repo } from '../support/oracle.mjs';
import { browserSkip, launchBrowser, startExplorer, stopExplorer, watchedPage } from '../support/explorer.mjs';

const require = createRequire(import.meta.url);
const { HeapSnapshot, diff } = require('../../index.js');

let dir, base, final, child, url, snap;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'heapsnap-explore-'));
  execFileSync(process.execPath, [join(repo, '__test__', 'fixtures', 'leak-scenario.js'), 'requestArray', 'leaky', dir, '40']);
  [base, final] = ['baseline', 'final'].map((n) => join(dir, `${n}.heapsnapshot`));
  ({ child, url } = await startExplorer([final, base]));
  snap = await HeapSnapshot.open(final);
});

after(async () => {
  snap?.dispose();
  await stopExplorer(child);
  rmSync(dir, { recursive: true, force: true });
});

test('in Chromium: Summary → objects → retainers, inspector, search by id, deep link, keyboard, Comparison', { skip: browserSkip }, async () => {
  const browser = await launchBrowser();
  try {
    const { page, problems, foreign } = await watchedPage(browser, new URL(url).origin);
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });

    // Header: the total equals the API's.
    assert.equal(Number(await page.getAttribute('#total-size', 'data-v')), snap.totalSize);

    // Summary rows: the numbers of the first rows equal summary().
    const rows = snap.summary();
    const shown = await page.$$eval('#view-body tbody tr[data-key]', (trs) =>
      trs.map((tr) => ({ key: tr.dataset.key, v: [...tr.querySelectorAll('td[data-v]')].map((td) => Number(td.dataset.v)) })),
    );
    assert.equal(shown.length, Math.min(100, rows.length));
    for (const [i, r] of shown.slice(0, 30).entries()) {
      assert.equal(r.key, rows[i].key);
      assert.deepEqual(r.v, [rows[i].distance, rows[i].count, rows[i].shallowSize, rows[i].retainedSize], r.key);
    }

    // Expand RequestRecord: its 42 objects, by retained size, with the API's numbers.
    const rr = rows.find((r) => r.className === 'RequestRecord');
    await page.click(`#view-body tr[data-key="${rr.key}"] .tog`);
    await page.waitForSelector('#view-body tr[data-id][aria-level="2"]');
    const objs = await page.$$eval('#view-body tr[data-id][aria-level="2"]', (trs) =>
      trs.map((tr) => ({ id: Number(tr.dataset.id), v: [...tr.querySelectorAll('td[data-v]')].map((td) => Number(td.dataset.v)) })),
    );
    assert.equal(objs.length, 42);
    const ids = new Set(snap.instances(rr.key));
    for (const o of objs) {
      assert.ok(ids.has(o.id));
      const n = snap.node(o.id);
      assert.deepEqual(o.v, [n.distance, n.selfSize, n.retainedSize]);
    }

    // Select one: the inspector and the Retainers tree show it.
    const pickId = objs[3].id;
    await page.click(`#view-body tr[data-id="${pickId}"] td:nth-child(4)`);
    await page.waitForSelector(`#inspector-body[data-id="${pickId}"]`);
    const node = snap.node(pickId);
    const field = async (k) => Number(await page.getAttribute(`#inspector-fields dd[data-field="${k}"]`, 'data-v'));
    assert.equal(await field('Shallow size'), node.selfSize);
    assert.equal(await field('Retained size'), node.retainedSize);
    assert.equal(await field('Distance'), node.distance);
    assert.equal(await field('Dominator'), node.dominatorId);
    assert.equal(await page.textContent('#retainer-path'), snap.retainerPath(pickId).text);
    await page.waitForSelector('#retainers-body tr[data-id][aria-level="2"]'); // the first chain opens by itself
    const retainerIds = await page.$$eval('#retainers-body tr[data-id][aria-level="1"]', (trs) => trs.map((tr) => Number(tr.dataset.id)));
    assert.deepEqual(retainerIds.sort(), snap.retainers(pickId).map((r) => r.fromId).sort());
    assert.match(await page.textContent('#retainers-body tbody'), /records\s+in\s+Object/);
    assert.match(page.url(), new RegExp(`[#&]id=${pickId}(&|$)`), 'the address holds the selection');
    mkdirSync(join(repo, '__test__', 'out'), { recursive: true });
    await page.screenshot({ path: join(repo, '__test__', 'out', 'explore-walk.png') });

    // Deep link: a new tab on that address shows the same object and class.
    const deep = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await deep.goto(page.url());
    await deep.waitForSelector(`#inspector-body[data-id="${pickId}"]`, { timeout: 30_000 });
    await deep.waitForSelector(`#view-body tr[data-key="${rr.key}"][aria-expanded="true"]`);
    await deep.close();

    // Search by id from the keyboard.
    const other = objs[10].id;
    await page.keyboard.press('Escape');
    await page.locator('body').press('/');
    await page.keyboard.type(`@${other}`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#search-results .hit');
    assert.match(await page.textContent('#search-results'), new RegExp(`@${other}`));
    await page.keyboard.press('Enter');
    await page.waitForSelector(`#inspector-body[data-id="${other}"]`);

    // Keyboard in a tree: v focuses the view, ↓ selects the first class, → expands it.
    await page.locator('body').press('v');
    await page.keyboard.press('Home');
    const first = await page.getAttribute('#view-body tr[aria-selected="true"]', 'data-key');
    assert.equal(first, rows[0].key);
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector(`#view-body tr[data-key="${rows[0].key}"][aria-expanded="true"]`);

    // Comparison against BASE (given on the command line): the numbers of diff().
    await page.locator('body').press('5');
    await page.waitForSelector('#view-body tr[data-key]', { timeout: 60_000 });
    const diffRows = await diff(base, final, { ids: false });
    const cmp = await page.$$eval('#view-body tbody tr[data-key]', (trs) =>
      trs.map((tr) => ({ key: tr.dataset.key, v: [...tr.querySelectorAll('td[data-v]')].map((td) => Number(td.dataset.v)) })),
    );
    assert.equal(cmp.length, Math.min(100, diffRows.length));
    const rec = cmp.find((c) => c.key === diffRows.find((d) => d.className === 'RequestRecord').key);
    const d = diffRows.find((x) => x.key === rec.key);
    assert.deepEqual(rec.v, [d.addedCount, d.removedCount, d.countDelta, d.addedSize, d.removedSize, d.sizeDelta]);
    assert.equal(rec.v[0], 40);
    await page.click(`#view-body tr[data-key="${rec.key}"] .tog`);
    await page.waitForSelector('#view-body tr[aria-level="2"]');
    assert.match(await page.textContent('#view-body tr[aria-level="2"]'), /New objects \(40\)/);

    // Statistics: the donut's parts add up to the total.
    await page.locator('body').press('4');
    await page.waitForSelector('#stats-chart .seg');
    const segs = await page.$$eval('#stats-chart .seg', (cs) => cs.map((c) => Number(c.dataset.value)));
    assert.equal(segs.reduce((a, b) => a + b, 0), snap.statistics().total);

    // Dominators and Duplicated strings open.
    await page.locator('body').press('3');
    await page.waitForSelector('#view-body tr[data-id]');
    await page.locator('body').press('7');
    await page.waitForSelector('#view-body tbody tr .str');

    assert.deepEqual(problems, []);
    assert.deepEqual(foreign, [], 'the page made no requests anywhere else');
  } finally {
    await browser.close();
  }
});

