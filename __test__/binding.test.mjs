// What the native layer promises JS, on a snapshot this test writes itself: errors are real
// `Error`s built in Rust (code, identifier `field`, byte `offset`), every distance comes with a
// reachability word, open options replace environment variables, and instances() takes a
// class name or a Summary key.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { runProgram } from './support/programs.mjs';

const require = createRequire(import.meta.url);
const { HeapSnapshot, findLeaks } = require('../index.js');

const PROGRAM = `
const v8 = require('v8');
class Gadget { constructor(i) { this.i = i; this.name = 'g' + i; } }
globalThis.gadgets = Array.from({ length: 50 }, (_, i) => new Gadget(i));
v8.writeHeapSnapshot(process.argv.at(-1));
`;

const dir = mkdtempSync(join(tmpdir(), 'heapsnap-binding-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'gadgets.heapsnapshot');
runProgram(PROGRAM, [file]);

const WORDS = ['user', 'system', 'unreachable'];
function word(d) {
  return d < 0 || d >= 200000000 ? 'unreachable' : d >= 100000000 ? 'system' : 'user';
}

test('parse errors are real Errors from Rust: code, identifier field, byte offset', async () => {
  const text = readFileSync(file, 'latin1');
  const nodesAt = text.indexOf('"nodes":[') + 9;
  const bad = join(dir, 'bad.heapsnapshot');
  writeFileSync(bad, text.slice(0, nodesAt) + '-' + text.slice(nodesAt), 'latin1');
  const check = (e) => {
    assert.ok(e instanceof Error, 'an Error');
    assert.equal(e.code, 'ERR_HEAPSNAP_PARSE');
    assert.equal(e.field, 'nodes');
    assert.equal(e.offset, nodesAt);
    assert.doesNotMatch(e.message, /^[A-Z_]+\|/, 'no string protocol in the message');
    assert.match(e.message, /negative/);
    return true;
  };
  await assert.rejects(HeapSnapshot.open(bad), check);
  assert.throws(() => HeapSnapshot.openSync(bad), check);
  // truncation names the section as an identifier, never prose
  writeFileSync(bad, text.slice(0, nodesAt + 5), 'latin1');
  await assert.rejects(HeapSnapshot.open(bad), (e) => e.field === 'nodes' && /truncated/.test(e.message));
  const inHeader = text.indexOf('"node_fields"');
  writeFileSync(bad, text.slice(0, inHeader), 'latin1');
  await assert.rejects(HeapSnapshot.open(bad), (e) => e.field === 'snapshot' && e.offset === inHeader);
  const p = new HeapSnapshot.Parser();
  assert.throws(() => p.push('[]'), (e) => e instanceof Error && e.code === 'ERR_HEAPSNAP_PARSE' && e.field === 'top_level' && e.offset === 0);
});

test('state, I/O and argument errors carry their codes', async () => {
  const p = new HeapSnapshot.Parser();
  p.push(readFileSync(file));
  const snap = p.finishSync();
  assert.throws(() => p.push('{}'), (e) => e instanceof Error && e.code === 'ERR_HEAPSNAP_STATE' && e.field === undefined);
  assert.throws(() => p.finishSync(), { code: 'ERR_HEAPSNAP_STATE' });
  await assert.rejects(HeapSnapshot.open(join(dir, 'missing')), (e) => e instanceof Error && e.code === 'ERR_HEAPSNAP_IO' && /missing/.test(e.message));
  await assert.rejects(
    findLeaks({ baseline: snap, target: snap, final: snap }, { profile: 'nonsense' }),
    (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_VALUE' && /profile/.test(e.message),
  );
  snap.dispose();
  assert.throws(() => snap.nodeCount, (e) => e instanceof Error && e.code === 'ERR_HEAPSNAP_DISPOSED');
});

test('every distance comes with its reachability word', async () => {
  const snap = await HeapSnapshot.open(file);
  const rows = snap.summary();
  for (const r of rows) assert.equal(r.reachability, word(r.distance), r.key);
  const gadget = rows.find((r) => r.className === 'Gadget');
  assert.equal(gadget.reachability, 'user');
  const c = snap.columns();
  assert.deepEqual(c.reachabilityNames, WORDS);
  assert.equal(c.reachability.length, snap.nodeCount);
  const seen = new Set();
  for (let i = 0; i < snap.nodeCount; i++) {
    const w = c.reachabilityNames[c.reachability[i]];
    assert.equal(w, word(c.distances[i]), `ordinal ${i}`);
    seen.add(w);
  }
  assert.ok(seen.has('user') && seen.has('system'), 'a Node heap has user and system objects');
  const id = snap.instances('Gadget')[0];
  const node = snap.node(id);
  assert.equal(node.reachability, word(node.distance));
  const path = snap.retainerPath(id);
  for (const n of [path.root, ...path.steps.map((s) => s.node)]) assert.equal(n.reachability, word(n.distance), n.name);
  assert.equal(path.steps.at(-1).node.reachability, 'user');
});

test('open options: mmap on reads the same snapshot; traceMemory records memory per phase', async () => {
  const read = await HeapSnapshot.open(file);
  const mapped = await HeapSnapshot.open(file, { mmap: true });
  const sync = HeapSnapshot.openSync(file, { mmap: true });
  for (const s of [mapped, sync]) {
    assert.equal(s.totalSize, read.totalSize);
    assert.deepEqual(s.summary(), read.summary());
  }
  assert.deepEqual(read.memory, {}, 'no memory figures unless asked');
  const traced = await HeapSnapshot.open(file, { traceMemory: true });
  const memory = traced.memory;
  if (process.platform === 'linux') {
    for (const phase of ['graph', 'retainers', 'statistics']) {
      assert.ok(memory[phase].rss > 0 && memory[phase].peakRss >= memory[phase].rss, phase);
    }
  }
  assert.equal(typeof traced.timings.dominators, 'number');
});

test('instances(): a class name gives every instance, a Summary key exactly that row', async () => {
  const snap = await HeapSnapshot.open(file);
  const row = snap.summary().find((r) => r.className === 'Gadget');
  assert.match(row.key, /^\d+,\d+,\d+,Gadget$/);
  const all = snap.instances('Gadget');
  assert.equal(all.length, row.count);
  assert.deepEqual(snap.instances(row.key), all);
  for (const r of snap.summary().slice(0, 40)) assert.equal(snap.instances(r.key).length, r.count, r.key);
  const plain = snap.summary().find((r) => r.key.startsWith(',') && r.className.includes(','));
  if (plain) assert.equal(snap.instances(plain.className).length >= plain.count, true, 'class names may hold commas');
  assert.deepEqual(snap.instances('NoSuchClass'), []);
});

test('a running open reports its phase and analysis step; both end when it ends', async () => {
  const binding = require('../binding.js');
  const control = new binding.TaskControl();
  assert.equal(control.step, null);
  const steps = new Set();
  const phases = new Set();
  let finished = false;
  const task = binding.openFile(file, control, { mmap: true, traceMemory: false }).finally(() => (finished = true));
  while (!finished) {
    phases.add(control.progress()[2]);
    const step = control.step; // read once: the task may end between two reads
    if (step) steps.add(step);
    await new Promise((r) => setImmediate(r));
  }
  const snap = await task;
  const names = ['graph', 'detachedness', 'pageObjects', 'essentialEdges', 'retainers', 'distances', 'dominators', 'statistics'];
  for (const s of steps) assert.ok(names.includes(s), s);
  for (const s of steps) assert.equal(typeof snap.timings().find(([k]) => k === s)?.[1], 'number', `${s} is timed`);
  assert.deepEqual(control.progress().slice(2), [3]);
  assert.equal(control.step, null);
  assert.ok([...phases].every((p) => p >= 0 && p <= 3));
  snap.dispose();
});

