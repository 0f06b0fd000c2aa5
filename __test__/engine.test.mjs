// The engine's JS surface on snapshots this test run writes itself (no ../shared needed):
// open/openSync/Parser agree, the program's objects are found with the right counts and
// sizes, bad input fails with ERR_HEAPSNAP_PARSE naming field and offset, abort and dispose
// work, and the event loop keeps running while a parse runs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { runProgram, tempDir } from './support/programs.mjs';

const require = createRequire(import.meta.url);
const { HeapSnapshot } = require('../index.js');

const PROGRAM = `
const v8 = require('v8');
class Widget { constructor(i) { this.i = i; this.label = 'w' + i; this.payload = new Array(4).fill(i); } }
globalThis.widgets = Array.from({ length: 777 }, (_, i) => new Widget(i));
globalThis.points = Array.from({ length: 300 }, (_, i) => ({ px: 'p' + i, py: [i] })); // smi-only properties have no edges
globalThis.weird = ['quote " back \\\\ nl \\n tab \\t', 'é中😀', '\\u0001'];
v8.writeHeapSnapshot(process.argv.at(-1));
`;

let cached;
const fileDir = mkdtempSync(join(tmpdir(), 'heapsnap-engine-'));
after(() => rmSync(fileDir, { recursive: true, force: true }));
function snapshotFile() {
  if (!cached) {
    cached = join(fileDir, 'widgets.heapsnapshot');
    runProgram(PROGRAM, [cached]);
  }
  return cached;
}

test('open() finds the objects the program created, with DevTools-shaped rows', async (t) => {
  const snap = await HeapSnapshot.open(snapshotFile(t));
  assert.ok(snap.nodeCount > 1000 && snap.edgeCount > snap.nodeCount);
  const rows = snap.summary();
  const widget = rows.find((r) => r.className === 'Widget');
  assert.equal(widget.count, 777);
  assert.match(widget.key, /^\d+,\d+,\d+,Widget$/, 'located constructor key');
  assert.ok(widget.retainedSize > widget.shallowSize, 'widgets retain their labels and arrays');
  assert.equal(widget.distance, 3, 'global -> widgets (Array) -> elements -> Widget');
  const points = rows.find((r) => r.className === '{px, py}');
  // 300 objects plus V8's boilerplate for the literal (DevTools counts it too)
  assert.ok(points?.count === 300 || points?.count === 301, `plain objects get their interface class: ${points?.count}`);
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].retainedSize >= rows[i].retainedSize);
  const st = snap.statistics();
  assert.equal(st.total, snap.totalSize);
  assert.equal(st.v8heap.total + st.native.total, st.total);
  assert.ok(st.v8heap.strings > 0 && st.v8heap.code > 0);

  const id = snap.instances('Widget')[0];
  const node = snap.node(id);
  assert.equal(node.type, 'object');
  assert.equal(node.className, 'Widget');
  assert.equal(node.id, id);
  assert.ok(node.selfSize > 0 && node.retainedSize >= node.selfSize);
  assert.ok(snap.node(node.dominatorId));
  const edges = snap.edges(id);
  // `i` is a small integer (no edge); `__proto__` is V8's map-prototype edge
  assert.deepEqual(
    edges.filter((e) => e.type === 'property' && e.name !== '__proto__').map((e) => e.name).sort(),
    ['label', 'payload'],
  );
  const label = edges.find((e) => e.name === 'label');
  assert.ok(snap.retainers(label.toId).some((r) => r.fromId === id && r.name === 'label'));
  assert.equal(snap.node(1e15), null);
  assert.equal(snap.edges(1e15), null);
  const timings = snap.timings;
  for (const k of ['parse', 'graph', 'dominators', 'distances', 'classes']) assert.equal(typeof timings[k], 'number');
});

test('instances() takes a class name or a Summary row key, as the README says', async (t) => {
  const snap = await HeapSnapshot.open(snapshotFile(t));
  const rows = snap.summary();
  for (const name of ['Widget', 'Array', 'Object']) {
    const row = rows.find((r) => r.className === name);
    assert.equal(snap.instances(name).length, row.count, name);
    assert.deepEqual(snap.instances(row.key).sort(), snap.instances(name).sort(), `${name} by key ${row.key}`);
  }
  const array = rows.find((r) => r.className === 'Array');
  assert.equal(array.key, ',Array', 'a class V8 gives no location has the key ",Name"');
  assert.equal(snap.instances(',Array').length, array.count);
  assert.deepEqual(snap.instances('NoSuchClass'), []);
  snap.dispose();
});

test('strings with escapes and non-ASCII decode exactly', async (t) => {
  const snap = await HeapSnapshot.open(snapshotFile(t));
  const c = snap.columns();
  const names = new Set();
  for (let i = 0; i < c.ids.length; i++) if (c.typeNames[c.types[i]] === 'string') names.add(snap.nodeAt(i).name);
  assert.ok(names.has('quote " back \\ nl \n tab \t'));
  assert.ok(names.has('\u0001'));
  // V8 writes only the low 16 bits of astral code points: 😀 (U+1F600) arrives as U+F600
  assert.ok(names.has('é中\uF600'));
});

test('openSync, the streaming Parser (any chunk size) and open agree', async (t) => {
  const file = snapshotFile(t);
  const a = await HeapSnapshot.open(file);
  const b = HeapSnapshot.openSync(file);
  const text = readFileSync(file);
  const p = new HeapSnapshot.Parser();
  for (let i = 0, k = 1; i < text.length; k = (k * 7 + 3) % 9973 || 1) {
    p.push(text.subarray(i, i + k));
    i += k;
  }
  const c = await p.finish();
  for (const s of [b, c]) {
    assert.equal(s.nodeCount, a.nodeCount);
    assert.equal(s.totalSize, a.totalSize);
    assert.deepEqual(s.summary(), a.summary());
    assert.deepEqual(s.statistics(), a.statistics());
  }
  assert.equal(p.bytesRead, text.length);
});

test('bad input: ERR_HEAPSNAP_PARSE with the field and byte offset, never a crash', async (t) => {
  const text = readFileSync(snapshotFile(t), 'latin1');
  const dir = tempDir(t);
  const cases = [];
  // truncated inside every section
  for (const key of ['"snapshot"', '"nodes"', '"edges"', '"locations"', '"strings"']) {
    const at = text.indexOf(key) + key.length + 40;
    cases.push([`truncated in ${key}`, text.slice(0, at), /truncated|unexpected end/]);
  }
  const nodesAt = text.indexOf('"nodes":[') + 9;
  cases.push(['negative number', text.slice(0, nodesAt) + '-' + text.slice(nodesAt), /negative/]);
  cases.push(['fraction', text.slice(0, nodesAt + 1) + '.5' + text.slice(nodesAt + 1), /fraction/]);
  const edgesAt = text.indexOf('"edges":[') + 9;
  const firstEdge = /^(\d+),(\d+),(\d+)/.exec(text.slice(edgesAt));
  cases.push([
    'to_node not a multiple of the stride',
    text.slice(0, edgesAt) + `${firstEdge[1]},${firstEdge[2]},${Number(firstEdge[3]) + 1}` + text.slice(edgesAt + firstEdge[0].length),
    /to_node .* not a multiple/,
  ]);
  cases.push([
    'to_node out of range',
    text.slice(0, edgesAt) + `${firstEdge[1]},${firstEdge[2]},4000000000` + text.slice(edgesAt + firstEdge[0].length),
    /to_node|past the last node/,
  ]);
  cases.push(['unknown meta', text.replace('"node_fields":', '"nodeFields":'), /node_fields/]);
  cases.push(['not JSON', 'hello', /expected '\{'/]);
  cases.push(['empty', '', /truncated|unexpected end/]);
  for (const [what, body, re] of cases) {
    const f = join(dir, 'bad.heapsnapshot');
    writeFileSync(f, body, 'latin1');
    await assert.rejects(HeapSnapshot.open(f), (e) => {
      assert.equal(e.code, 'ERR_HEAPSNAP_PARSE', `${what}: ${e.message}`);
      assert.match(e.message, re, what);
      assert.ok(e.field, `${what}: names a field`);
      return true;
    }, what);
    assert.throws(() => HeapSnapshot.openSync(f), { code: 'ERR_HEAPSNAP_PARSE' }, what);
  }
  // offsets point at the bad byte
  const f = join(dir, 'neg.heapsnapshot');
  writeFileSync(f, text.slice(0, nodesAt) + '-' + text.slice(nodesAt), 'latin1');
  await assert.rejects(HeapSnapshot.open(f), (e) => e.offset === nodesAt && e.field === 'nodes');
  // the streaming parser reports the error on the push that sees it
  const p = new HeapSnapshot.Parser();
  assert.throws(() => p.push('{"snapshot": 12, '), { code: 'ERR_HEAPSNAP_PARSE' });
  await assert.rejects(HeapSnapshot.open(join(dir, 'missing.heapsnapshot')), { code: 'ERR_HEAPSNAP_IO' });
});

test('AbortSignal: an aborted signal rejects with AbortError', async (t) => {
  const file = snapshotFile(t);
  await assert.rejects(HeapSnapshot.open(file, { signal: AbortSignal.abort() }), { name: 'AbortError', code: 'ABORT_ERR' });
  const ac = new AbortController();
  const p = HeapSnapshot.open(file, { signal: ac.signal });
  ac.abort();
  await assert.rejects(p, { name: 'AbortError' });
});

test('onProgress reports bytes and phases; the event loop keeps ticking during open()', async (t) => {
  const file = snapshotFile(t);
  const seen = [];
  let ticks = 0;
  const iv = setInterval(() => ticks++, 1);
  let snap;
  try {
    snap = await HeapSnapshot.open(file, { onProgress: (p) => seen.push(p) });
  } finally {
    clearInterval(iv); // a failed open must not leave a timer keeping the test file alive
  }
  const last = seen.at(-1);
  assert.equal(last.phase, 'done');
  assert.equal(last.step, null);
  for (const p of seen) {
    assert.ok(p.step === null || (p.phase === 'analyze' && typeof snap.timings[p.step] === 'number'), `step ${p.step} in ${p.phase}`);
  }
  assert.equal(last.bytesRead, snap.inputBytes);
  assert.equal(last.totalBytes, snap.inputBytes);
  assert.ok(ticks > 0, 'timers ran while parsing');
});

test('dispose() frees the snapshot; later calls throw ERR_HEAPSNAP_DISPOSED', async (t) => {
  const snap = await HeapSnapshot.open(snapshotFile(t));
  snap.dispose();
  assert.equal(snap.disposed, true);
  assert.throws(() => snap.summary(), { code: 'ERR_HEAPSNAP_DISPOSED' });
  assert.throws(() => snap.nodeCount, { code: 'ERR_HEAPSNAP_DISPOSED' });
  snap.dispose();
});

test('in-process capture streams into the parser (v8.getHeapSnapshot)', async () => {
  const v8 = await import('node:v8');
  class InProcessMarker {}
  globalThis.__markers = Array.from({ length: 123 }, () => new InProcessMarker());
  const snap = await HeapSnapshot.fromStream(v8.getHeapSnapshot());
  const row = snap.summary().find((r) => r.className === 'InProcessMarker');
  assert.equal(row.count, 123);
  delete globalThis.__markers;
});
