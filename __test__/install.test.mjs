// `npm install heapsnap` as a user meets it: the tarballs a release publishes for this machine
// (scripts/package.mjs, as `npm run package` runs it: the main package and this platform's binary
// package) installed into an empty project with npm offline and no cargo on PATH, then used four
// ways: require, import, npx heapsnap, and node --require heapsnap/agent. And the main tarball
// alone (no prebuilt binary, no cargo): the install fails with one clear message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { root, pathWithoutCargo, userEnv, offlineNpm, packTarballs, emptyProject, npm, manifestOf, filesOf, readTarball } from './support/install.mjs';

const require = createRequire(import.meta.url);
const { hostTarget } = require('../scripts/native-target.js');
const host = hostTarget();
const rootPkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

let scratch;
let tarballs;
let env;
let project;
let install;

before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'heapsnap-install-'));
  tarballs = packTarballs(path.join(scratch, 'pkg'));
  env = userEnv({ ...offlineNpm(scratch), PATH: pathWithoutCargo(scratch) });
  project = emptyProject(scratch);
  install = npm(project, ['install', ...tarballs.platforms, tarballs.main], env);
});
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

function run(args, opts = {}) {
  const r = spawnSync(args[0], args.slice(1), { cwd: project, env, encoding: 'utf8', timeout: 120_000, ...opts });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, error: r.error };
}

function writeSnapshot(name) {
  const file = path.join(project, name);
  const r = run([process.execPath, '-e', `require('node:v8').writeHeapSnapshot(${JSON.stringify(file)})`]);
  assert.equal(r.status, 0, r.stderr);
  return file;
}

test('npm run package: the main tarball and this platform\'s, as a release publishes them', () => {
  assert.ok(host.prebuilt, `${host.abi} is a release target`);
  assert.deepEqual(tarballs.platforms.map((p) => path.basename(p)), [`${host.packageName}-${tarballs.version}.tgz`]);

  const plat = manifestOf(tarballs.platforms[0]);
  assert.equal(plat.name, host.packageName);
  assert.equal(plat.version, rootPkg.version);
  assert.deepEqual(plat.os, [process.platform]);
  assert.deepEqual(plat.cpu, [process.arch]);
  if (process.platform === 'linux') assert.deepEqual(plat.libc, [host.abi.endsWith('musl') ? 'musl' : 'glibc']);
  assert.deepEqual(filesOf(tarballs.platforms[0]).sort(), ['LICENSE', 'README.md', host.binaryFile, 'package.json'].sort());

  const main = manifestOf(tarballs.main);
  const expected = Object.fromEntries(fs.readdirSync(path.join(root, 'npm')).map((abi) => [`heapsnap-${abi}`, rootPkg.version]));
  assert.deepEqual(main.optionalDependencies, expected, 'every platform package, at exactly this version');
  assert.equal(Object.keys(expected).length, rootPkg.napi.targets.length);
  assert.equal(main.scripts.install, 'node scripts/install.js');

  const files = filesOf(tarballs.main);
  for (const need of ['LICENSE', 'Cargo.toml', 'Cargo.lock', 'build.rs', 'src/lib.rs', 'crates/heapsnap-core/Cargo.toml', 'crates/heapsnap-core/src/lib.rs', 'binding.js', 'index.d.ts']) {
    assert.ok(files.includes(need), `main tarball has ${need}`);
  }
  // cargo refuses a manifest that declares a bench, test or example whose file is not there
  for (const manifest of files.filter((f) => f.endsWith('Cargo.toml'))) {
    const text = readTarball(tarballs.main).get(manifest).toString('utf8');
    const dir = path.posix.dirname(manifest) === '.' ? '' : `${path.posix.dirname(manifest)}/`;
    for (const [, kind, body] of text.matchAll(/^\[\[(bench|test|example)\]\]\n((?:(?!\[).*\n?)*)/gm)) {
      const name = body.match(/^name\s*=\s*"([^"]+)"/m)?.[1];
      const file = body.match(/^path\s*=\s*"([^"]+)"/m)?.[1] ?? `${{ bench: 'benches', test: 'tests', example: 'examples' }[kind]}/${name}.rs`;
      assert.ok(files.includes(dir + file), `${manifest} declares ${kind} ${name}, but ${dir + file} is not in the tarball`);
    }
  }
  const unwanted = files.filter((f) => /\.node$|\.heapsnapshot$|^__test__\/|^crates\/heapsnap-core\/(tests|fuzz|benches)\/|^target\//.test(f));
  assert.deepEqual(unwanted, [], 'no binaries, test corpora, fuzz or bench files in the main tarball');
});

test('installs offline, without cargo, quietly: the binary comes from the platform package', () => {
  assert.equal(spawnSync('cargo', ['--version'], { env }).error?.code, 'ENOENT', 'cargo is not on the PATH of this install');
  assert.equal(install.status, 0, `npm install failed:\n${install.stderr}`);
  assert.doesNotMatch(install.stderr, /^heapsnap:/m, 'the install step says nothing when a prebuilt binary loads');
  const installed = path.join(project, 'node_modules', 'heapsnap');
  assert.ok(fs.existsSync(path.join(project, 'node_modules', host.packageName, host.binaryFile)));
  assert.deepEqual(fs.readdirSync(installed).filter((f) => f.endsWith('.node')), [], 'nothing built inside the main package');
  assert.ok(!fs.existsSync(path.join(installed, 'target')));
});

test("require('heapsnap') opens a snapshot", () => {
  const snap = writeSnapshot('cjs.heapsnapshot');
  const script = `
    const heapsnap = require('heapsnap');
    if (!require.resolve('heapsnap').startsWith(${JSON.stringify(path.join(project, 'node_modules'))})) throw new Error('resolved ' + require.resolve('heapsnap'));
    heapsnap.HeapSnapshot.open(${JSON.stringify(snap)}).then((s) => {
      console.log(JSON.stringify({ nodes: s.nodeCount, top: s.summary().slice(0, 3).map((r) => r.className) }));
      s.dispose();
    });`;
  fs.writeFileSync(path.join(project, 'use.cjs'), script);
  const r = run([process.execPath, 'use.cjs']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.ok(out.nodes > 1000, r.stdout);
  assert.equal(out.top.length, 3);
});

test("import … from 'heapsnap' (ESM) opens a snapshot", () => {
  const snap = writeSnapshot('esm.heapsnapshot');
  const script = `
    import { HeapSnapshot } from 'heapsnap';
    import * as ns from 'heapsnap';
    if (ns.HeapSnapshot !== HeapSnapshot) throw new Error('named and namespace exports differ');
    const url = import.meta.resolve('heapsnap');
    if (!url.includes('/node_modules/heapsnap/')) throw new Error('resolved ' + url);
    const s = await HeapSnapshot.open(${JSON.stringify(snap)});
    console.log(JSON.stringify({ nodes: s.nodeCount }));
    s.dispose();`;
  fs.writeFileSync(path.join(project, 'use.mjs'), script);
  const r = run([process.execPath, 'use.mjs']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(JSON.parse(r.stdout).nodes > 1000, r.stdout);
});

test('npx heapsnap summary FILE', () => {
  const snap = writeSnapshot('cli.heapsnapshot');
  const r = run(['npx', '--no', 'heapsnap', 'summary', '--json', snap], { shell: process.platform === 'win32' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.ok(out.nodeCount > 1000);
  assert.ok(out.classes.length > 10);
});

// The capture agent is issue 11; this checks it once the package exports it.
test('node --require heapsnap/agent', { skip: rootPkg.exports?.['./agent'] ? false : 'package.json has no "./agent" export yet (issue 11)' }, () => {
  const r = run([process.execPath, '--require', 'heapsnap/agent', '-e', 'console.log("agent loaded")']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /agent loaded/);
});

test('the main tarball alone, without cargo: the install fails with one clear message', () => {
  const bare = emptyProject(scratch, 'bare');
  const r = npm(bare, ['install', tarballs.main], env);
  assert.notEqual(r.status, 0, 'the install cannot succeed without a binary');
  const msg = r.stderr;
  assert.match(msg, new RegExp(`heapsnap: no native engine for ${host.abi} \\(Node v\\d+[^)]*\\): cargo was not found on PATH\\.`));
  assert.ok(msg.includes(`${host.packageName}@${rootPkg.version}`), `names the package that was expected:\n${msg}`);
  assert.match(msg, /https:\/\/rustup\.rs/);
  assert.doesNotMatch(msg, /npm has a bug/);
});

test('the main tarball installed with --ignore-scripts: require() names what is missing', () => {
  const bare = emptyProject(scratch, 'noscripts');
  const r = npm(bare, ['install', '--ignore-scripts', tarballs.main], env);
  assert.equal(r.status, 0, r.stderr);
  const use = spawnSync(process.execPath, ['-e', "try { require('heapsnap') } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }"], { cwd: bare, env, encoding: 'utf8' });
  assert.equal(use.status, 0, use.stderr);
  const err = JSON.parse(use.stdout);
  assert.equal(err.code, 'ERR_HEAPSNAP_UNSUPPORTED');
  assert.match(err.message, new RegExp(`^heapsnap: no native engine for ${host.abi} \\(Node v`));
  assert.ok(err.message.includes(`${host.packageName}@${rootPkg.version}`), err.message);
  assert.match(err.message, /https:\/\/rustup\.rs/);
  assert.doesNotMatch(err.message, /npm has a bug/);
});
