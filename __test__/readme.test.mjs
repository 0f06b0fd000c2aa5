// The README's quick start runs as pasted: every ```js block of its "Quick start" section that
// starts with a `// <file name>` line is saved under that name in an empty project that has
// heapsnap installed (linked to this checkout) and run with node, as CommonJS (.cjs) and as an
// ES module (.mjs). Each must find the leak it builds on purpose.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { root } from './support/install.mjs';

const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('\n## Quick start\n'), readme.indexOf('\n## ', readme.indexOf('\n## Quick start\n') + 1));
const blocks = [...section.matchAll(/```js\n(\/\/ (\S+)\n[\s\S]*?)```/g)].map(([, code, name]) => ({ name, code }));

const project = fs.mkdtempSync(path.join(os.tmpdir(), 'heapsnap-readme-'));
after(() => fs.rmSync(project, { recursive: true, force: true }));
fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'readme-user', private: true }));
fs.mkdirSync(path.join(project, 'node_modules'));
fs.symlinkSync(root, path.join(project, 'node_modules', 'heapsnap'), 'junction');

test('the quick start has a CommonJS and an ES module version', () => {
  assert.deepEqual(blocks.map((b) => path.extname(b.name)).sort(), ['.cjs', '.mjs']);
});

for (const { name, code } of blocks) {
  test(`README quick start, ${name}, runs as pasted and finds the leak`, () => {
    fs.writeFileSync(path.join(project, name), code);
    const r = spawnSync(process.execPath, [name], { cwd: project, encoding: 'utf8', timeout: 180_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /retainedSize/, 'the Summary table');
    assert.match(r.stdout, /^#1 Session ×100: retains /m, 'the leak, first');
    assert.match(r.stdout, /->sessions \(Map\)/, 'and what keeps it');
    assert.match(r.stdout, /100 sessions still open\n$/);
    // its snapshots are named Heap.<date>.<time>.<pid>.<tid>.<seq>.heapsnapshot, like V8's
    const left = fs.readdirSync(os.tmpdir()).filter((f) => f.includes(`.${r.pid}.`) && f.endsWith('.heapsnapshot'));
    assert.deepEqual(left, [], 'it removes its snapshots');
  });
}
