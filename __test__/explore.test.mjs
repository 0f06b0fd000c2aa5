// `heapsnap explore`: the real CLI serving the explorer, checked over HTTP (token, loopback,
// headers, answers equal to the JS API) and briefly in headless Chromium (load, Summary, a
// class's objects, a screenshot). The whole walk a person takes in the browser (retainers, the
// inspector, deep links, search, keyboard, Comparison, Statistics, …) is in
// __test__/stress/explore-browser.test.mjs. The browser parts are skipped only when
// /usr/bin/chromium (or playwright-core) is absent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import http from 'node:http';
import { createRequire } from 'node:module';
import { repo } from './support/oracle.mjs';
import { browserSkip, launchBrowser, startExplorer, watchedPage } from './support/explorer.mjs';

const require = createRequire(import.meta.url);
const { HeapSnapshot, diff } = require('../index.js');
const bin = join(repo, 'bin', 'heapsnap.js');

let dir, base, target, final, child, url, snap;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'heapsnap-explore-'));
  execFileSync(process.execPath, [join(repo, '__test__', 'fixtures', 'leak-scenario.js'), 'requestArray', 'leaky', dir, '40']);
  [base, target, final] = ['baseline', 'target', 'final'].map((n) => join(dir, `${n}.heapsnapshot`));
  ({ child, url } = await startExplorer([final, base]));
  snap = await HeapSnapshot.open(final);
});

after(async () => {
  snap?.dispose();
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

/** GET with an explicit Host header (fetch does not let us set one). */
function get(path, { host, method = 'GET' } = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method, headers: host ? { host } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function apiJson(name, params = {}) {
  const u = new URL(`api/${name}`, url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  const r = await fetch(u);
  assert.equal(r.status, 200, `${name}: ${await r.clone().text()}`);
  return r.json();
}

async function waitReady() {
  for (let i = 0; i < 600; i++) {
    const s = await apiJson('status');
    if (s.state === 'ready') return;
    assert.notEqual(s.state, 'error', s.error);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('never ready');
}

test('prints one URL with a secret token, on 127.0.0.1 only', async () => {
  const u = new URL(url);
  assert.equal(u.protocol, 'http:');
  assert.equal(u.hostname, '127.0.0.1');
  const token = u.pathname.split('/')[1];
  assert.match(token, /^[A-Za-z0-9_-]{32,}$/, 'a long random token');
  await waitReady();

  // The listening socket is bound to the loopback address, not to every interface.
  if (process.platform === 'linux') {
    const port = Number(u.port).toString(16).toUpperCase().padStart(4, '0');
    const rows = ['/proc/net/tcp', '/proc/net/tcp6']
      .filter(existsSync)
      .flatMap((f) => readFileSync(f, 'utf8').trim().split('\n').slice(1))
      .map((l) => l.trim().split(/\s+/))
      .filter((c) => c[1].endsWith(`:${port}`) && c[3] === '0A'); // 0A = LISTEN
    assert.deepEqual(rows.map((c) => c[1]), [`0100007F:${port}`]);
  }
  const external = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && !a.internal && a.family === 'IPv4');
  if (external) {
    const err = await new Promise((resolve) => {
      const s = net.connect({ host: external.address, port: Number(u.port) }, () => (s.destroy(), resolve(null)));
      s.on('error', resolve);
    });
    assert.equal(err?.code, 'ECONNREFUSED', `${external.address}:${u.port} must not accept connections`);
  }
});

test('403 without the token: page, assets and API alike; bad Host; GET only; strict headers', async () => {
  const u = new URL(url);
  const token = u.pathname.split('/')[1];
  const wrong = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  for (const p of ['/', '/index.html', '/app.js', '/app.css', '/api/status', '/api/node?id=1', `/${wrong}/`, `/${wrong}/api/summary`, `/${token.slice(0, 10)}/app.js`, `/${token}x/`, '/favicon.ico', '/..%2f']) {
    const r = await get(p);
    assert.equal(r.status, 403, p);
    assert.ok(!r.body.includes('heapsnap'), p);
  }
  // DNS rebinding: the right token under a foreign host name is refused too.
  assert.equal((await get(`/${token}/api/status`, { host: 'attacker.example:' + u.port })).status, 403);
  assert.equal((await get(`/${token}/`, { host: `localhost:${u.port}` })).status, 200);
  assert.equal((await get(`/${token}/api/status`, { method: 'POST' })).status, 405);

  const page = await get(`/${token}/`);
  assert.equal(page.status, 200);
  const csp = page.headers['content-security-policy'];
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.doesNotMatch(page.body, /<script>|<style>| on\w+=|style="/i, 'no inline code or styles');
  assert.doesNotMatch(page.body, /https?:\/\//, 'nothing from elsewhere');
  const js = await get(`/${token}/app.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers['content-type'], /javascript/);
  assert.doesNotMatch(js.body, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'the front end calls nothing outside');
  assert.doesNotMatch(js.body, /innerHTML|eval\(|new Function/);
  const api = await get(`/${token}/api/info`);
  assert.equal(JSON.parse(api.body).nodeCount, snap.nodeCount);
});

test('API answers equal the JS API', async () => {
  await waitReady();
  const status = await apiJson('status');
  assert.equal(status.loads[0].phase, 'done');
  assert.ok('step' in status.loads[0], 'the load reports the analysis pass (null once done)');
  const rows = snap.summary();
  const classes = await apiJson('classes', { limit: '50' });
  assert.equal(classes.total, rows.length);
  assert.deepEqual(classes.rows, rows.slice(0, 50));
  const rr = rows.find((r) => r.className === 'RequestRecord');
  const inst = await apiJson('instances', { key: rr.key, limit: '1000' });
  assert.equal(inst.total, 42);
  assert.deepEqual(new Set(inst.rows.map((r) => r.id)), new Set(snap.instances(rr.key)));
  const id = inst.rows[0].id;
  const n = await apiJson('node', { id: String(id) });
  const expected = snap.node(id);
  for (const k of ['className', 'selfSize', 'retainedSize', 'distance', 'dominatorId', 'edgeCount', 'retainerCount']) assert.equal(n[k], expected[k], k);
  assert.equal(n.retainerPath.text, snap.retainerPath(id).text);
  const ret = await apiJson('retainers', { id: String(id) });
  assert.deepEqual(ret.rows.map((r) => r.node.id).sort(), snap.retainers(id).map((r) => r.fromId).sort());
  const dom = await apiJson('dominated', { id: String(snap.rootId), limit: '1000' });
  const cols = snap.columns();
  const rootOrd = snap.ordinalOf(snap.rootId);
  const expectedKids = [];
  for (let v = 0; v < cols.ids.length; v++) if (v !== rootOrd && cols.dominators[v] === rootOrd) expectedKids.push(cols.ids[v]);
  assert.equal(dom.total, expectedKids.length);
  const cmp = await apiJson('compare', { base, filter: 'RequestRecord' });
  const d = (await diff(base, final, { ids: false })).find((r) => r.className === 'RequestRecord');
  assert.deepEqual(cmp.rows[0], d);
  const bad = await fetch(new URL('api/compare?base=/etc/passwd', url));
  assert.equal(bad.status, 404, 'only the snapshot files the explorer offers can be opened');
  assert.equal((await fetch(new URL('api/node?id=abc', url))).status, 400);
  assert.equal((await fetch(new URL('api/node?id=999999999', url))).status, 404);
});

test('in Chromium: the page loads, its Summary equals the API, a class opens to its objects', { skip: browserSkip }, async () => {
  // The whole walk (retainers, inspector, deep link, search, keyboard, Comparison, …) is in
  // __test__/stress/explore-browser.test.mjs.
  const browser = await launchBrowser();
  try {
    const { page, problems, foreign } = await watchedPage(browser, new URL(url).origin);
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    assert.equal(Number(await page.getAttribute('#total-size', 'data-v')), snap.totalSize);
    const rows = snap.summary();
    const shown = await page.$$eval('#view-body tbody tr[data-key]', (trs) =>
      trs.slice(0, 10).map((tr) => ({ key: tr.dataset.key, v: [...tr.querySelectorAll('td[data-v]')].map((td) => Number(td.dataset.v)) })),
    );
    for (const [i, r] of shown.entries()) assert.deepEqual(r, { key: rows[i].key, v: [rows[i].distance, rows[i].count, rows[i].shallowSize, rows[i].retainedSize] });
    const rr = rows.find((r) => r.className === 'RequestRecord');
    await page.click(`#view-body tr[data-key="${rr.key}"] .tog`);
    await page.waitForSelector('#view-body tr[data-id][aria-level="2"]');
    const ids = await page.$$eval('#view-body tr[data-id][aria-level="2"]', (trs) => trs.map((tr) => Number(tr.dataset.id)));
    assert.deepEqual(new Set(ids), new Set(snap.instances(rr.key)));
    mkdirSync(join(repo, '__test__', 'out'), { recursive: true });
    await page.screenshot({ path: join(repo, '__test__', 'out', 'explore.png') });
    assert.deepEqual(problems, []);
    assert.deepEqual(foreign, [], 'the page made no requests anywhere else');
  } finally {
    await browser.close();
  }
});

test('explore --help, bad usage and unreadable input exit 2; SIGTERM stops the server with 0', async () => {
  const run = (...args) => spawnSync(process.execPath, [bin, 'explore', ...args], { encoding: 'utf8', timeout: 60_000 });
  const help = run('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: heapsnap explore FILE/);
  assert.equal(run().status, 2);
  const missing = run(join(dir, 'missing.heapsnapshot'), '--no-open');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^heapsnap: /);
  assert.equal(run(final, '--port', 'x', '--no-open').status, 2);
  assert.equal(run(final, '--port', '70000', '--no-open').status, 2);

  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  child.kill('SIGTERM');
  assert.deepEqual(await exited, { code: 0, signal: null });
});
