// The source fallback as a user meets it (in `npm run test:stress`: a cold release build takes
// minutes): the main tarball alone, no prebuilt package, cargo on PATH. The install step builds
// the addon from the Rust sources in the tarball with plain cargo, puts it where binding.js looks,
// removes its build directory, and the package then opens a snapshot.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { userEnv, offlineNpm, packTarballs, emptyProject, npm } from '../support/install.mjs';

const require = createRequire(import.meta.url);
const { hostTarget } = require('../../scripts/native-target.js');
const host = hostTarget();
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'heapsnap-source-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const hasCargo = !spawnSync('cargo', ['--version']).error;

test('main tarball alone, cargo present: the install builds the addon from source and it loads', { skip: hasCargo ? false : 'cargo is not installed', timeout: 30 * 60_000 }, () => {
  const { main } = packTarballs(path.join(scratch, 'pkg'));
  const project = emptyProject(scratch);
  // npm stays offline (no registry); cargo may fetch crates. A cold build, as a user's would be.
  const env = userEnv({ ...offlineNpm(scratch), npm_config_foreground_scripts: 'true' });
  const t0 = Date.now();
  const r = npm(project, ['install', main], env);
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  assert.equal(r.status, 0, `npm install failed after ${secs} s:\n${r.stderr}`);
  const out = r.stdout + r.stderr;
  assert.match(out, new RegExp(`no prebuilt binary for ${host.abi}; building it from source with cargo`));
  assert.match(out, /built the native engine from source/);

  const installed = path.join(project, 'node_modules', 'heapsnap');
  assert.ok(fs.existsSync(path.join(installed, host.binaryFile)), `${host.binaryFile} is where binding.js looks`);
  assert.ok(!fs.existsSync(path.join(installed, 'target')), 'the build directory is removed');
  assert.ok(!fs.existsSync(path.join(project, 'node_modules', host.packageName)));

  const snap = path.join(project, 'a.heapsnapshot');
  const script = `
    require('node:v8').writeHeapSnapshot(${JSON.stringify(snap)});
    require('heapsnap').HeapSnapshot.open(${JSON.stringify(snap)}).then((s) => console.log(s.nodeCount));`;
  const use = spawnSync(process.execPath, ['-e', script], { cwd: project, env, encoding: 'utf8' });
  assert.equal(use.status, 0, use.stderr);
  assert.ok(Number(use.stdout) > 1000, use.stdout);

  // a second install step finds the built binary and does nothing, quietly
  const again = spawnSync(process.execPath, [path.join(installed, 'scripts', 'install.js')], { cwd: installed, env, encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stderr, '');
});
