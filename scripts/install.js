#!/usr/bin/env node
'use strict';
/**
 * heapsnap's install step (package.json "install"): make sure a native engine loads.
 *
 * 1. Installed in its own checkout (not under node_modules): nothing to do, silently — a developer
 *    builds with `npm run build`.
 * 2. A binary loads (the prebuilt platform package, or a `heapsnap.<platform>.node` already built
 *    here): nothing to do, silently. Nothing after this check can fail such an install.
 * 3. Otherwise, with cargo on PATH: build the binding crate from the sources in this package with
 *    plain cargo (no devDependency needed), copy the library to the name binding.js looks for,
 *    check that it loads, and delete the build directory.
 * 4. Without cargo: one message naming the platform, the package that was expected and how to get
 *    Rust (or a prebuilt binary); the install fails so that npm shows it.
 *
 * Env: CARGO (cargo binary, default `cargo`), CARGO_TARGET_DIR (kept when set, else a build
 * directory inside the package that is removed afterwards), HEAPSNAP_INSTALL_VERBOSE=1 (show
 * cargo's output even when it succeeds).
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { PACKAGE_ROOT, hostTarget, cdylibFile, findCargo, missingBinaryMessage } = require('./native-target.js');

const BINDING_CRATE = 'heapsnap-node';

function log(msg) {
  process.stderr.write(`${msg}\n`);
}

function installedAsDependency(root) {
  return path.resolve(root).split(path.sep).includes('node_modules');
}

/** Loads binding.js here: `null` when it loads, else the error. */
function loadError(root) {
  try {
    require(path.join(root, 'binding.js'));
    return null;
  } catch (err) {
    return err;
  }
}

/** Loads binding.js in a fresh process (after a build; this process may have cached a failure). */
function loadsInChild(root) {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(root, 'binding.js'))})`], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return r.status === 0 ? null : (r.stderr || r.error?.message || `exit ${r.status}`).trim();
}

/** Rust flags for a cdylib on this host: musl targets link the C runtime statically by default. */
function rustflagsFor(target) {
  const flags = process.env.RUSTFLAGS;
  if (!target.abi.includes('musl')) return flags;
  if (flags !== undefined && flags.includes('crt-static')) return flags;
  return `${flags || ''} -C target-feature=-crt-static`.trim();
}

/** Builds the binding crate with cargo; returns the path of the built library. Throws on failure. */
function build(root, target, cargo, cargoVersion) {
  const targetDir = process.env.CARGO_TARGET_DIR ? path.resolve(process.env.CARGO_TARGET_DIR) : path.join(root, 'target');
  const verbose = process.env.HEAPSNAP_INSTALL_VERBOSE === '1';
  log(`heapsnap: no prebuilt binary for ${target.abi}; building it from source with ${cargoVersion} (a few minutes)`);
  const env = { ...process.env, CARGO_TARGET_DIR: targetDir };
  const rustflags = rustflagsFor(target);
  if (rustflags !== undefined) env.RUSTFLAGS = rustflags;
  const args = ['build', '--release', '--locked', '-p', BINDING_CRATE, '--lib', '--message-format=json-render-diagnostics'];
  const r = spawnSync(cargo, args, {
    cwd: root,
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', verbose ? 'inherit' : 'pipe'],
  });
  if (r.error || r.status !== 0) {
    const tail = (r.stderr || '').trim().split('\n').slice(-40).join('\n');
    throw new Error(`\`cargo ${args.join(' ')}\` failed (${r.error ? r.error.message : `exit ${r.status}`})${tail ? `:\n${tail}` : ''}`);
  }
  // cargo names the library it built; fall back to the conventional path if the JSON says nothing
  let built = null;
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      continue;
    }
    if (msg.reason === 'compiler-artifact' && msg.target && msg.target.name === BINDING_CRATE.replace(/-/g, '_')) {
      built = (msg.filenames || []).find((f) => /\.(so|dylib|dll)$/.test(f)) || built;
    }
  }
  built ??= path.join(targetDir, 'release', cdylibFile(BINDING_CRATE, target.platform));
  if (!fs.existsSync(built)) throw new Error(`cargo succeeded but ${built} does not exist`);
  return { built, targetDir, ownTargetDir: !process.env.CARGO_TARGET_DIR };
}

function main() {
  const root = PACKAGE_ROOT;
  if (!installedAsDependency(root)) return 0;
  if (!loadError(root)) return 0;

  const target = hostTarget();
  const cargo = process.env.CARGO || 'cargo';
  const found = findCargo(cargo);
  if (found.error) {
    log(missingBinaryMessage(target, { reason: found.error, broken: platformPackageError(root, target) }));
    return 1;
  }
  let result;
  try {
    result = build(root, target, cargo, found.version);
  } catch (err) {
    log(`heapsnap: building the native engine from source failed.\n${err.message}`);
    return 1;
  }
  const dest = path.join(root, target.binaryFile);
  fs.copyFileSync(result.built, dest);
  if (result.ownTargetDir) fs.rmSync(result.targetDir, { recursive: true, force: true });
  const stillFails = loadsInChild(root);
  if (stillFails) {
    log(`heapsnap: built ${dest} from source, but it does not load:\n${stillFails}`);
    return 1;
  }
  log(`heapsnap: built the native engine from source (${target.binaryFile})`);
  return 0;
}

/** Why the installed platform package does not load, or null when it is not installed. */
function platformPackageError(root, target) {
  let resolved;
  try {
    resolved = require.resolve(target.packageName, { paths: [root] });
  } catch {
    return null;
  }
  try {
    require(resolved);
    return null;
  } catch (err) {
    return firstLine(err);
  }
}

function firstLine(err) {
  return String((err && err.message) || err).split('\n')[0];
}

if (require.main === module) {
  let code;
  try {
    code = main();
  } catch (err) {
    // never fail an install whose binary loads, whatever went wrong here
    code = loadError(PACKAGE_ROOT) ? 1 : 0;
    if (code) log(`heapsnap: install step failed unexpectedly: ${err && err.stack ? err.stack : err}`);
  }
  process.exitCode = code;
}

module.exports = { main, installedAsDependency, rustflagsFor };
