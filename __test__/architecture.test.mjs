// The shape of the JS front, checked on the source: the require graph of index.js, lib/ and bin/
// has no cycle, nothing reaches back up to the package entry, the binding is loaded by one
// module, index.js only re-exports, and index.mjs exports exactly what index.js does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { repo } from './support/oracle.mjs';

const require = createRequire(import.meta.url);

function jsFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return jsFiles(p);
    return /\.(c?js)$/.test(name) ? [p] : [];
  });
}

/** Relative requires with a literal argument, resolved to files of the repository. */
function requiresOf(file) {
  const text = readFileSync(file, 'utf8');
  const out = [];
  for (const m of text.matchAll(/\brequire\(\s*(['"])(\.{1,2}\/[^'"]+)\1\s*\)/g)) {
    let target = resolve(dirname(file), m[2]);
    if (!existsSync(target) || statSync(target).isDirectory()) {
      const candidates = [`${target}.js`, join(target, 'index.js')];
      target = candidates.find((c) => existsSync(c)) ?? target;
    }
    out.push(target);
  }
  return out;
}

const files = [join(repo, 'index.js'), ...jsFiles(join(repo, 'lib')), ...jsFiles(join(repo, 'bin'))];
const graph = new Map(files.map((f) => [f, requiresOf(f)]));
const rel = (f) => relative(repo, f);

test('every relative require resolves to a file', () => {
  for (const [from, tos] of graph) {
    for (const to of tos) assert.ok(existsSync(to) && statSync(to).isFile(), `${rel(from)} requires ${rel(to)}, which does not exist`);
  }
});

test('the require graph of index.js, lib/ and bin/ has no cycle', () => {
  const state = new Map(); // 1 = on the stack, 2 = done
  const stack = [];
  const cycles = [];
  const visit = (f) => {
    state.set(f, 1);
    stack.push(f);
    for (const to of graph.get(f) ?? []) {
      if (!graph.has(to)) continue;
      if (state.get(to) === 1) cycles.push([...stack.slice(stack.indexOf(to)), to].map(rel).join(' → '));
      else if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(f, 2);
  };
  for (const f of files) if (!state.has(f)) visit(f);
  assert.deepEqual(cycles, []);
});

test('no module reaches back up: lib/ and bin/ never require the package entry or the CLI entry', () => {
  const entries = new Set([join(repo, 'index.js'), join(repo, 'index.mjs'), join(repo, 'bin', 'heapsnap.js')]);
  const offenders = [];
  for (const [from, tos] of graph) {
    if (from === join(repo, 'index.js')) continue;
    for (const to of tos) if (entries.has(to)) offenders.push(`${rel(from)} → ${rel(to)}`);
  }
  assert.deepEqual(offenders, []);
});

test('the native binding is loaded by lib/native.js alone', () => {
  const binding = join(repo, 'binding.js');
  const loaders = [...graph].filter(([, tos]) => tos.includes(binding)).map(([from]) => rel(from));
  assert.deepEqual(loaders, [join('lib', 'native.js')]);
});

test('index.js only re-exports', () => {
  const text = readFileSync(join(repo, 'index.js'), 'utf8');
  assert.doesNotMatch(text, /\b(function|class)\b|=>/, 'no functions or classes are defined in index.js');
  for (const value of Object.values(require('../index.js'))) assert.notEqual(value, undefined);
});

test('index.mjs exports exactly the names of index.js, bound to the same values', async () => {
  const cjs = require('../index.js');
  const esm = await import('../index.mjs');
  assert.deepEqual(Object.keys(esm).filter((k) => k !== 'default').sort(), Object.keys(cjs).sort());
  for (const k of Object.keys(cjs)) assert.equal(esm[k], cjs[k], k);
  assert.equal(esm.default, cjs);
});
