// Leak answers a developer acts on: where the code is (file:line from the snapshot itself),
// what leaked (named after the function, the bound target, the timer's callback), who holds
// it, one-off allocations set aside (and said), leaks held by a running function's locals,
// and growth counted in entries. Every case is a real program run in its own process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { repo } from './support/oracle.mjs';
import { tempDir } from './support/programs.mjs';
import { run, three, lineOf, SNAP } from './support/leak-runs.mjs';

const require = createRequire(import.meta.url);
const { HeapSnapshot, findLeaks, findGrowth, formatLeaks } = require('../index.js');
const bin = join(repo, 'bin', 'heapsnap.js');

test('the demo leak names onConfigChange at leaky-app.js:LINE, held by the config listeners', async (t) => {
  const dir = tempDir(t);
  const app = join(repo, 'examples', 'leaky-app.js');
  execFileSync(process.execPath, [app, dir, '--requests', '60'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
  const report = await findLeaks(three(dir));
  const top = report.clusters[0];
  const line = lineOf(app, 'const onConfigChange =');
  assert.equal(top.className, 'Function');
  assert.equal(top.name, 'onConfigChange');
  assert.equal(top.count, 60);
  assert.equal(top.location.url, app, 'the script named from the snapshot itself');
  assert.equal(top.location.line, line);
  assert.equal(top.location.column, readFileSync(app, 'utf8').split('\n')[line - 1].indexOf('() =>') + 1, '1-based column of the function');
  assert.match(top.holder.text, /'config' listeners on bus/);
  assert.equal(top.retains?.className, 'RequestContext');
  assert.match(top.path.text, new RegExp(`closure onConfigChange leaky-app\\.js:${line} @\\d+\\)$`));
  const text = formatLeaks(report);
  assert.match(text, new RegExp(`#1 Function ×60: .*\\n   onConfigChange at leaky-app\\.js:${line}\\n`));
  assert.match(text, /held by 'config' listeners on bus/);
  // the leaked node itself, and the path's leaf, carry the same location
  const fin = await HeapSnapshot.open(join(dir, 'final.heapsnapshot'));
  t.after(() => fin.dispose());
  assert.deepEqual(fin.node(top.sampleIds[0]).location, top.location);
  assert.deepEqual(top.path.steps.at(-1).node.location, top.location);
});

test('node(id).location: closures and objects through their constructor; summary rows of split classes', async (t) => {
  const dir = tempDir(t);
  const file = run(
    dir,
    'located.js',
    `${SNAP}class Widget { constructor(n) { this.n = n; } }
function makeHandler() { return function onPing() { return 1; }; }
globalThis.keep = { w: new Widget(1), h: makeHandler() };
snap('only');
`,
  );
  const s = await HeapSnapshot.open(join(dir, 'only.heapsnapshot'));
  t.after(() => s.dispose());
  const [onPing] = s.instances('Function').map((id) => s.node(id)).filter((n) => n.name === 'onPing');
  assert.ok(onPing, 'the closure is found');
  assert.equal(onPing.location.url, file);
  assert.equal(onPing.location.line, lineOf(file, 'function onPing'));
  // V8 records where the function starts: its parameter list (DevTools shows the same place)
  assert.equal(onPing.location.column, readFileSync(file, 'utf8').split('\n')[onPing.location.line - 1].indexOf('function onPing(') + 'function onPing'.length + 1);
  const widget = s.node(s.instances('Widget')[0]);
  assert.equal(widget.location.url, file, "an object's location is its constructor's");
  assert.equal(widget.location.line, lineOf(file, 'class Widget'));
  // a string has none
  const str = s.node(s.instances('(string)')[0]);
  assert.equal(str.location, undefined);
  // Summary rows whose key is located ("scriptId,line,col,Class") carry the location, 1-based
  for (const row of s.summary().filter((r) => /^\d+,\d+,\d+,/.test(r.key)).slice(0, 20)) {
    const [scriptId, line, column] = row.key.split(',').map(Number);
    assert.deepEqual(
      { scriptId: row.location.scriptId, line: row.location.line, column: row.location.column },
      { scriptId, line: line + 1, column: column + 1 },
    );
  }
});

test('a correct program that logs once and loads a module lazily passes --fail-on-leak; the one-offs are said', async (t) => {
  const dir = tempDir(t);
  run(
    dir,
    'logs-once.js',
    `${SNAP}class Session { constructor(i) { this.id = i; this.data = 'x'.repeat(100) + i; } }
const sessions = new Map();
snap('baseline');
console.log('started');
require('zlib');
for (let i = 0; i < 20; i++) sessions.set(i, new Session(i));
snap('target');
for (let i = 0; i < 20; i++) sessions.delete(i);
snap('final');
`,
  );
  const files = three(dir);
  const report = await findLeaks(files);
  assert.deepEqual(report.clusters.map((c) => `${c.className} ×${c.count}: ${c.path.text}`), []);
  const oneOff = report.setAside.find((a) => a.reason === 'one-off');
  assert.ok(oneOff && oneOff.clusters > 0, 'the one-off clusters are counted');
  assert.equal(report.minCount, 5);
  assert.ok(report.setAsideClusters.some((c) => c.setAside === 'one-off' && /stdout|SyncWriteStream|WriteStream|Writable/.test(`${c.holder?.text} ${c.className}`)), 'process.stdout is among them');
  assert.match(formatLeaks(report), /^No leaks found\. Set aside: .*one-off/);
  const cli = spawnSync(process.execPath, [bin, 'leaks', files.baseline, files.target, files.final, '--fail-on-leak'], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stdout + cli.stderr);
  assert.match(cli.stdout, /No leaks found\. Set aside/);
  const listed = spawnSync(process.execPath, [bin, 'leaks', files.baseline, files.target, files.final, '--set-aside'], { encoding: 'utf8' });
  assert.match(listed.stdout, /\[one-off\]/);
  // min-count 1 reports them as leaks
  const all = await findLeaks(files, { minCount: 1 });
  assert.ok(all.clusters.length > 0);
  assert.equal((await findLeaks(files, { actions: 20 })).minCount, 10, 'actions: 20 asks for 10 repeats');
});

test('a leak held only by a running function\'s locals (V8 stack roots) is found by default', async (t) => {
  const dir = tempDir(t);
  const file = run(
    dir,
    'main-held.js',
    `${SNAP}class Session { constructor(i) { this.id = i; this.data = 'x'.repeat(100) + i; } }
function main() {
  const app = { sessions: [] };
  snap('baseline');
  for (let i = 0; i < 30; i++) app.sessions.push(new Session(i));
  snap('target');
  snap('final');
  return app;
}
main();
`,
  );
  const report = await findLeaks(three(dir));
  const top = report.clusters[0];
  assert.equal(top?.className, 'Session');
  assert.ok(top.count >= 29, `count ${top.count}`); // the newest may sit in a register of its own
  assert.match(top.path.text, /\(Stack roots\)/);
  assert.equal(top.location.url, file);
  assert.equal(top.holder.name, 'sessions');
  const off = await findLeaks(three(dir), { includeStack: false });
  assert.equal(off.clusters.filter((c) => c.className === 'Session').length, 0);
  assert.ok(off.setAside.some((a) => a.reason === 'system-only' && a.objects >= 30), 'and when not kept, they are counted as set aside');
});

test('the keys and values of one leaking Map are one cluster, named by the values', async (t) => {
  const dir = tempDir(t);
  run(
    dir,
    'map-cache.js',
    `${SNAP}class Response { constructor(u) { this.url = u; this.body = 'b'.repeat(200); } }
const responseCache = new Map();
globalThis.server = { handle(u) { if (!responseCache.has(u)) responseCache.set(u, new Response(u)); } };
snap('baseline');
for (let i = 0; i < 40; i++) server.handle('/items/' + i + '?q=' + 'x'.repeat(i % 3));
snap('target');
snap('final');
`,
  );
  const report = await findLeaks(three(dir));
  assert.equal(report.clusters.length, 1, report.clusters.map((c) => `${c.className} ×${c.count}`).join(', '));
  const [c] = report.clusters;
  assert.equal(c.className, 'Response');
  assert.equal(c.count, 40);
  assert.ok(c.parts.length >= 2 && c.parts[0].className === 'Response', JSON.stringify(c.parts));
  assert.match(c.path.text, /Response @\d+\)$/, 'the path leads to a value');
  assert.match(c.holder.text, /^responseCache \(Map\) ← map-cache\.js$/);
});

test('bound functions are named by their target and this; timers by their callback', async (t) => {
  const dir = tempDir(t);
  const file = run(
    dir,
    'bound.js',
    `${SNAP}process.setMaxListeners(0);
class Logger { constructor() { this.lines = []; } }
function onExit(code) { this.lines.push(code); }
function poll() { return 1; }
const timers = [];
snap('baseline');
for (let i = 0; i < 12; i++) {
  process.on('beforeExit', onExit.bind(new Logger()));
  timers.push(setInterval(poll, 1e7));
}
snap('target');
snap('final');
for (const t of timers) clearInterval(t);
`,
  );
  const report = await findLeaks(three(dir), { samples: 64 });
  const bound = report.clusters.find((c) => c.className === 'Function');
  assert.equal(bound?.name, 'bound onExit (this: Logger)');
  // The 12 bound functions are in it. Node 24 adds one getter closure of its own on the same
  // path (count 13 there), so the bound ones are counted among the cluster's objects.
  const final = await HeapSnapshot.open(three(dir).final);
  try {
    const boundFns = bound.sampleIds.filter((id) => final.node(id).name === 'native_bind');
    assert.equal(boundFns.length, 12, `${bound.count} objects, ${boundFns.length} bound functions`);
    assert.ok(bound.count - boundFns.length <= 1, `${bound.count} objects, ${boundFns.length} bound functions`);
  } finally {
    final.dispose();
  }
  assert.match(bound.holder.text, /'beforeExit' listeners on process/);
  const timer = report.clusters.find((c) => c.className === 'Timeout');
  assert.equal(timer?.name, 'Timeout → poll');
  assert.equal(timer.location.line, lineOf(file, 'function poll'));
  assert.equal(bound.location.line, lineOf(file, 'function onExit'), "a bound function's location is its target's");
});

test('findGrowth counts a Map\'s entries, a Set\'s members and an Array\'s elements', async (t) => {
  const dir = tempDir(t);
  run(
    dir,
    'grow.js',
    `${SNAP}class Item { constructor(i) { this.i = i; } }
globalThis.m = new Map(); globalThis.s = new Set(); globalThis.a = [];
for (let step = 0; step < 3; step++) {
  for (let i = 0; i < 5; i++) { const k = step * 5 + i; m.set('k' + k, new Item(k)); s.add(new Item(k)); a.push(new Item(k)); }
  snap('s' + step);
}
`,
  );
  const g = await findGrowth([0, 1, 2].map((i) => join(dir, `s${i}.heapsnapshot`)));
  const sizes = (re) => g.collections.find((c) => re.test(c.path.text))?.sizes;
  assert.deepEqual(sizes(/\.m \(Map @\d+\)$/), [5, 10, 15]);
  assert.deepEqual(sizes(/\.s \(Set @\d+\)$/), [5, 10, 15]);
  assert.deepEqual(sizes(/\.a \(Array @\d+\)$/), [5, 10, 15]);
});

test('heapsnap leaks prints what leaked, where, and who holds it; path and top print locations', async (t) => {
  const dir = tempDir(t);
  const file = run(
    dir,
    'server.js',
    `${SNAP}const { EventEmitter } = require('events');
const bus = new EventEmitter(); bus.setMaxListeners(0);
globalThis.bus = bus;
snap('baseline');
for (let i = 0; i < 10; i++) {
  const ctx = { i, big: 'y'.repeat(50) + i };
  bus.on('config', function onConfig() { return ctx.big; });
}
snap('target');
snap('final');
`,
  );
  const line = lineOf(file, 'function onConfig');
  const f = three(dir);
  const out = execFileSync(process.execPath, [bin, 'leaks', f.baseline, f.target, f.final], { encoding: 'utf8' });
  assert.match(out, new RegExp(`#1 Function ×10: .*\\n   onConfig at server\\.js:${line}\\n`));
  assert.match(out, /held by 'config' listeners on bus/);
  const json = JSON.parse(execFileSync(process.execPath, [bin, 'leaks', f.baseline, f.target, f.final, '--json'], { encoding: 'utf8' }));
  assert.equal(json.clusters[0].location.line, line);
  const id = json.clusters[0].sampleIds[0];
  const p = execFileSync(process.execPath, [bin, 'path', f.final, `@${id}`], { encoding: 'utf8' });
  assert.match(p, new RegExp(`onConfig" at server\\.js:${line}:\\d+`));
});

test('memlab-style leakFilter and retainerReferenceFilter', async (t) => {
  const dir = tempDir(t);
  run(
    dir,
    'filters.js',
    `${SNAP}class Big { constructor() { this.buf = 'q'.repeat(4096); } }
class Small { constructor() { this.n = 1; } }
globalThis.viaA = { list: [] }; globalThis.viaB = { list: [] };
snap('baseline');
for (let i = 0; i < 10; i++) { const b = new Big(); viaA.list.push(b); viaB.list.push(b); viaA.list.push(new Small()); }
snap('target');
snap('final');
`,
  );
  const files = three(dir);
  const seen = [];
  const onlyBig = await findLeaks(files, {
    leakFilter(node, snapshot) {
      seen.push(node.className);
      assert.equal(typeof snapshot.node, 'function');
      return node.className !== 'Small';
    },
  });
  assert.deepEqual(onlyBig.clusters.map((c) => c.className), ['Big']);
  assert.ok(seen.includes('Small') && seen.includes('Big'));
  assert.ok(onlyBig.setAside.some((a) => a.reason === 'leak-filter' && a.objects >= 10));
  // paths avoid what the edge filter forbids, as memlab's retainerReferenceFilter does
  const noA = await findLeaks(files, {
    leakFilter: (node) => node.className === 'Big',
    retainerReferenceFilter: (edge) => edge.name !== 'viaA',
  });
  assert.match(noA.clusters[0].path.text, /^global → \.viaB \(/);
  const noB = await findLeaks(files, {
    leakFilter: (node) => node.className === 'Big',
    retainerReferenceFilter: (edge) => edge.name !== 'viaB',
  });
  assert.match(noB.clusters[0].path.text, /^global → \.viaA \(/);
  // a callback that throws rejects the search with its error
  await assert.rejects(findLeaks(files, { leakFilter() { throw new Error('boom'); } }), /boom/);
  await assert.rejects(findLeaks(files, { leakFilter: 42 }), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('retainerTree and heapsnap path --all: DevTools\' retainers tree with depth and node limits', async (t) => {
  const dir = tempDir(t);
  run(
    dir,
    'tree.js',
    `${SNAP}class Shared { constructor() { this.v = 1; } }
const shared = new Shared();
globalThis.one = { held: shared }; globalThis.two = { held: shared, again: shared };
globalThis.ring = { next: null }; ring.next = { next: ring, held: shared };
snap('only');
`,
  );
  const file = join(dir, 'only.heapsnapshot');
  const s = await HeapSnapshot.open(file);
  t.after(() => s.dispose());
  const id = s.instances('Shared')[0];
  const tree = s.retainerTree(id, { depth: 3, maxNodes: 100 });
  assert.equal(tree.node.id, id);
  assert.equal(tree.edge, null);
  const labels = tree.children.map((c) => c.edge.label);
  for (const l of ['.held', '.again']) assert.ok(labels.includes(l), `${l} in ${labels}`);
  // sorted nearest to a root first
  const d = tree.children.map((c) => c.node.distance).filter((x) => x >= 0 && x < 1e8);
  assert.deepEqual(d, [...d].sort((a, b) => a - b));
  // every retainer of the object is listed at the first level (DevTools' Retainers view)
  assert.equal(tree.children.length, s.retainers(id).length);
  const small = s.retainerTree(id, { depth: 1, maxNodes: 3 });
  assert.equal(small.children.length, 2);
  assert.ok(small.omitted > 0, 'what the budget cut is counted');
  assert.ok(small.children.every((c) => c.children.length === 0));
  assert.equal(s.retainerTree(123456789), null);
  assert.throws(() => s.retainerTree(id, { depth: -1 }), { code: 'ERR_OUT_OF_RANGE' });
  const out = execFileSync(process.execPath, [bin, 'path', file, `@${id}`, '--all', '--depth', '2'], { encoding: 'utf8' });
  assert.match(out, /^Retainers of @\d+ Shared \(tree\.js:\d+\)/);
  assert.match(out, /\n {2}\.held in Object @\d+/);
  assert.match(out, /\n {4}\.one in /);
  const json = JSON.parse(execFileSync(process.execPath, [bin, 'path', file, `@${id}`, '--all', '--json'], { encoding: 'utf8' }));
  assert.equal(json.tree.node.id, id);
});

test("a server's Map cache is held by the module's variable, not through Node's timers and sockets", async (t) => {
  const dir = tempDir(t);
  run(
    dir,
    'server.js',
    `${SNAP}const http = require('node:http');
class Response { constructor(url) { this.url = url; this.body = 'r'.repeat(100) + url; } }
const responseCache = new Map();
const server = http.createServer((req, res) => {
  if (!responseCache.has(req.url)) responseCache.set(req.url, new Response(req.url));
  res.end('ok');
});
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  const get = (p) => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p }, (r) => { r.resume(); r.on('end', resolve); }).on('error', reject);
  });
  await get('/warm');
  snap('baseline');
  for (let i = 0; i < 20; i++) await get('/items/' + i);
  snap('target');
  snap('final');
  server.close();
  server.closeAllConnections();
});
`,
  );
  const report = await findLeaks(three(dir));
  const top = report.clusters[0];
  assert.equal(top?.className, 'Response', formatLeaks(report));
  assert.equal(top.count, 20);
  assert.equal(top.holder?.text, 'responseCache (Map) ← server.js');
  // the path is DevTools' shortest, which here runs through Node's timers to the server; the
  // answer starts at the program's variable
  assert.match(top.holder.path, /^server\.js → ->responseCache \(Map\) → \{table\} \(\(internal array\)\) → \{\d+\} \(Response @\d+\)$/);
  assert.ok(top.path.text.endsWith(top.holder.path.slice('server.js → '.length)), top.path.text);
  const text = formatLeaks(report);
  assert.match(text, /\n {3}server\.js → ->responseCache \(Map\)/);
  assert.match(text, /\n {3}\(from a root: global → /);
});
