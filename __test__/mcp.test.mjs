// `heapsnap mcp`, driven by the official MCP client (@modelcontextprotocol/sdk) over its stdio
// transport, the way an agent starts it. Snapshots of a real leaking program; every number is
// checked against the JS API on the same file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, copyFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { repo } from './support/oracle.mjs';

const require = createRequire(import.meta.url);
const { HeapSnapshot, diff, findLeaks } = require('../index.js');
const bin = join(repo, 'bin', 'heapsnap.js');

let dir, base, target, final, client, transport, api;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'heapsnap-mcp-'));
  execFileSync(process.execPath, [join(repo, '__test__', 'fixtures', 'leak-scenario.js'), 'requestArray', 'leaky', dir, '40']);
  [base, target, final] = ['baseline', 'target', 'final'].map((n) => join(dir, `${n}.heapsnapshot`));
  transport = new StdioClientTransport({ command: process.execPath, args: [bin, 'mcp'], cwd: dir, stderr: 'pipe' });
  client = new Client({ name: 'heapsnap-test', version: '1.0.0' });
  await client.connect(transport);
  api = await HeapSnapshot.open(final);
});

after(async () => {
  await client?.close();
  api?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const call = (name, args) => client.callTool({ name, arguments: args });

test('initialize: server info, tools capability, instructions; tools/list with schemas', async () => {
  assert.equal(client.getServerVersion().name, 'heapsnap');
  assert.ok(client.getServerCapabilities().tools);
  assert.match(client.getInstructions(), /summary/);
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name).sort();
  for (const n of ['summary', 'statistics', 'instances', 'node', 'retainers', 'retainer_path', 'retainer_tree', 'diff', 'leaks', 'growth', 'duplicated_strings']) {
    assert.ok(names.includes(n), `tool ${n}`);
  }
  for (const t of tools) {
    assert.equal(t.inputSchema.type, 'object', t.name);
    assert.ok(t.description.length > 20, t.name);
  }
  await client.ping();
});

test('summary: short text plus structured rows equal to the API, paged', async () => {
  const r = await call('summary', { path: final, limit: 5 });
  assert.ok(!r.isError, r.content[0].text);
  assert.equal(r.content[0].type, 'text');
  assert.match(r.content[0].text, /Classes 1–5 of/);
  const rows = api.summary();
  assert.deepEqual(r.structuredContent.classes, rows.slice(0, 5));
  assert.equal(r.structuredContent.total, rows.length);
  assert.equal(r.structuredContent.nextOffset, 5);
  const next = await call('summary', { path: final, limit: 5, offset: 5 });
  assert.deepEqual(next.structuredContent.classes, rows.slice(5, 10));
  const filtered = await call('summary', { path: final, filter: 'requestrecord' });
  assert.equal(filtered.structuredContent.classes.length, 1);
  assert.equal(filtered.structuredContent.classes[0].count, 42);
  assert.ok(r.content[0].text.split('\n').length <= 8, 'short');
});

test('statistics, instances, node, retainers, retainer path and tree', async () => {
  const st = await call('statistics', { path: final });
  assert.deepEqual(st.structuredContent, api.statistics());

  const inst = await call('instances', { path: final, className: 'RequestRecord', limit: 10 });
  assert.ok(!inst.isError, inst.content[0].text);
  assert.equal(inst.structuredContent.total, 42);
  assert.equal(inst.structuredContent.objects.length, 10);
  const ids = new Set(api.instances('RequestRecord'));
  for (const o of inst.structuredContent.objects) {
    assert.ok(ids.has(o.id));
    const n = api.node(o.id);
    assert.equal(o.retainedSize, n.retainedSize);
    assert.equal(o.distance, n.distance);
  }
  const sizes = inst.structuredContent.objects.map((o) => o.retainedSize);
  assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a));

  const id = inst.structuredContent.objects[0].id;
  const node = await call('node', { path: final, id });
  const n = api.node(id);
  for (const k of ['id', 'className', 'selfSize', 'retainedSize', 'distance', 'dominatorId', 'edgeCount', 'retainerCount']) assert.equal(node.structuredContent[k], n[k], k);
  assert.match(node.content[0].text, new RegExp(`^@${id} RequestRecord`));

  const ret = await call('retainers', { path: final, id });
  assert.equal(ret.structuredContent.total, api.retainers(id).length);
  assert.ok(ret.structuredContent.rows.some((e) => e.node.className === 'Array'));

  const path = await call('retainer_path', { path: final, id });
  assert.equal(path.structuredContent.text, api.retainerPath(id).text);
  assert.match(path.content[0].text, /global → \.requestLog \(Object\) → \.records \(Array\)/);

  const tree = await call('retainer_tree', { path: final, id, depth: 3 });
  assert.ok(!tree.isError, tree.content[0].text);
  assert.match(tree.content[0].text, /← element "\d+" of @\d+ Array/);
  assert.equal(tree.structuredContent.retainers[0].node.className, 'Array');

  const edges = await call('edges', { path: final, id });
  assert.deepEqual(
    edges.structuredContent.rows.map((e) => [e.type, e.name, e.node.id]),
    api.edges(id).slice(0, 20).map((e) => [e.type, e.name, e.toId]),
  );

  const dom = await call('dominated', { path: final, limit: 3 });
  assert.ok(!dom.isError, dom.content[0].text);
  assert.equal(dom.structuredContent.id, api.rootId);
  for (const o of dom.structuredContent.objects) assert.equal(api.node(o.id).dominatorId, api.rootId);
});

test('diff, diff_objects, leaks, growth, duplicated strings, search', async () => {
  const d = await call('diff', { base, path: target, filter: 'RequestRecord' });
  const expected = (await diff(base, target, { ids: false })).find((r) => r.className === 'RequestRecord');
  assert.deepEqual(d.structuredContent.classes[0], expected);
  const objs = await call('diff_objects', { base, path: target, key: expected.key, kind: 'added' });
  assert.equal(objs.structuredContent.total, 40);

  const l = await call('leaks', { baseline: base, target, final });
  const report = await findLeaks({ baseline: base, target, final });
  assert.deepEqual(l.structuredContent.totals, report.totals);
  assert.equal(l.structuredContent.clusters[0].className, 'RequestRecord');
  assert.match(l.content[0].text, /RequestRecord ×40/);

  const g = await call('growth', { paths: [base, target, final] });
  assert.ok(!g.isError, g.content[0].text);
  assert.ok(Array.isArray(g.structuredContent.classes));

  const dup = await call('duplicated_strings', { path: final, limit: 3 });
  const groups = api.duplicatedStrings({ limit: 3 });
  // the same groups in the same order; the explorer's engine clips a text to 300 characters (a
  // Node 24 snapshot's largest duplicate is a whole source file's license header)
  const clip = (v) => [...v].slice(0, 300).join('');
  assert.deepEqual(dup.structuredContent.strings.map((x) => [x.value, x.count]), groups.map((x) => [clip(x.value), x.count]));

  const byId = await call('search', { path: final, query: `@${api.rootId}` });
  assert.equal(byId.structuredContent.nodes[0].id, api.rootId);
  const byText = await call('search', { path: final, query: '/api/items/7' });
  assert.ok(byText.structuredContent.strings.some((s) => s.name.includes('/api/items/7')), byText.content[0].text);
});

test('errors the model can read; protocol errors for unknown tools; files reopened when they change', async () => {
  const missing = await call('summary', { path: join(dir, 'missing.heapsnapshot') });
  assert.equal(missing.isError, true);
  assert.match(missing.content[0].text, /missing\.heapsnapshot/);
  const bad = await call('node', { path: final, id: 'abc' });
  assert.equal(bad.isError, true);
  assert.match(bad.content[0].text, /id must be a number/);
  const extra = await call('summary', { path: final, frob: 1 });
  assert.equal(extra.isError, true);
  const gone = await call('node', { path: final, id: 999999999 });
  assert.equal(gone.isError, true);
  assert.match(gone.content[0].text, /no object @999999999/);
  await assert.rejects(call('no_such_tool', {}), /Unknown tool/);

  // A changed file is opened again, not answered from the old analysis.
  const copy = join(dir, 'copy.heapsnapshot');
  copyFileSync(final, copy);
  const first = await call('summary', { path: copy, limit: 1 });
  assert.ok(!first.isError);
  copyFileSync(base, copy);
  const second = await call('summary', { path: copy, limit: 1 });
  const baseSnap = await HeapSnapshot.open(base);
  assert.equal(second.structuredContent.snapshot.nodeCount, baseSnap.nodeCount);
  baseSnap.dispose();
  appendFileSync(copy, 'garbage');
  const broken = await call('summary', { path: copy });
  assert.equal(broken.isError, true);
  assert.match(broken.content[0].text, /ERR_HEAPSNAP_PARSE/);

  const closed = await call('close', {});
  assert.deepEqual(closed.structuredContent.open, []);
});

test('raw protocol: bad JSON gets a parse error, unknown methods -32601, stdout stays clean', async () => {
  const child = spawn(process.execPath, [bin, 'mcp'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  const lines = async (n) => {
    for (let i = 0; i < 200 && out.split('\n').filter(Boolean).length < n; i++) await new Promise((r) => setTimeout(r, 25));
    return out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  };
  child.stdin.write('{not json\n');
  child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'nope' }) + '\n');
  child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { protocolVersion: '1999-01-01', capabilities: {}, clientInfo: { name: 'x', version: '0' } } }) + '\n');
  const msgs = await lines(3);
  child.stdin.end();
  await new Promise((r) => child.once('exit', r));
  assert.equal(child.exitCode, 0);
  assert.equal(msgs.find((m) => m.id === null).error.code, -32700);
  assert.equal(msgs.find((m) => m.id === 1).error.code, -32601);
  const init = msgs.find((m) => m.id === 2).result;
  assert.match(init.protocolVersion, /^\d{4}-\d{2}-\d{2}$/, 'an unknown version gets the server\'s own');
  assert.equal(init.serverInfo.name, 'heapsnap');
});
