// Installing heapsnap as a user does: `npm pack`ed tarballs into an empty project, with npm
// offline (its own empty cache, no registry), and a PATH on which cargo may be absent.
import fs from 'node:fs';
import os from 'node:os';
import zlib from 'node:zlib';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const exe = (name) => (process.platform === 'win32' ? `${name}.exe` : name);

function hasExecutable(dir, name) {
  try {
    fs.accessSync(path.join(dir, exe(name)), fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A PATH without any directory that holds cargo (or rustup), but with this node, npm and a shell. */
export function pathWithoutCargo(scratch) {
  const dirs = (process.env.PATH || '').split(path.delimiter).filter((d) => d && !hasExecutable(d, 'cargo') && !hasExecutable(d, 'rustup'));
  const nodeDir = path.dirname(process.execPath);
  if (!dirs.includes(nodeDir)) {
    // this node's directory also holds cargo: put links to node, npm and npx on the PATH instead
    const bin = fs.mkdtempSync(path.join(scratch, 'bin-'));
    fs.symlinkSync(process.execPath, path.join(bin, exe('node')));
    for (const tool of ['npm', 'npx']) {
      const found = (process.env.PATH || '').split(path.delimiter).find((d) => d && hasExecutable(d, tool));
      if (found) fs.symlinkSync(fs.realpathSync(path.join(found, tool)), path.join(bin, tool));
    }
    dirs.unshift(bin);
  }
  return dirs.join(path.delimiter);
}

/** The environment of a user's shell: none of the npm_* variables `npm test` sets for us. */
export function userEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || k === 'INIT_CWD' || k === 'NODE_OPTIONS' || k === 'CARGO_TARGET_DIR') continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/** npm settings that keep it off the network and out of the user's cache and config. */
export function offlineNpm(scratch) {
  const userconfig = path.join(scratch, 'npmrc');
  fs.writeFileSync(userconfig, '');
  return {
    npm_config_offline: 'true',
    npm_config_cache: path.join(scratch, 'npm-cache'),
    npm_config_registry: 'http://127.0.0.1:9/',
    npm_config_userconfig: userconfig,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
}

/** Packs the release tarballs for this machine into dir (scripts/package.mjs): `{ main, platforms }`. */
export function packTarballs(dir) {
  execFileSync(process.execPath, [path.join(root, 'scripts', 'package.mjs'), '--out', dir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  return { main: path.join(dir, manifest.main), platforms: manifest.platforms.map((p) => path.join(dir, p)), version: manifest.version };
}

/** An empty project directory with a package.json. */
export function emptyProject(scratch, name = 'project') {
  const dir = fs.mkdtempSync(path.join(scratch, `${name}-`));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', private: true }, null, 2));
  return dir;
}

/** Runs npm in cwd; `{ status, stdout, stderr }`. */
export function npm(cwd, args, env) {
  const r = spawnSync('npm', args, { cwd, env, encoding: 'utf8', shell: process.platform === 'win32' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, error: r.error };
}

/** The entries of a .tgz as `Map<path without "package/", Buffer>` (ustar, as npm pack writes it). */
export function readTarball(tarball) {
  const data = zlib.gunzipSync(fs.readFileSync(tarball));
  const entries = new Map();
  const str = (b) => b.toString('utf8').replace(/\0.*$/s, '');
  for (let off = 0; off + 512 <= data.length; ) {
    const header = data.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const name = str(header.subarray(0, 100));
    const prefix = str(header.subarray(345, 500));
    const size = parseInt(str(header.subarray(124, 136)).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    const full = prefix ? `${prefix}/${name}` : name;
    if (type === '0' || type === '\0') entries.set(full.replace(/^package\//, ''), data.subarray(off + 512, off + 512 + size));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

/** The package.json inside a tarball. */
export function manifestOf(tarball) {
  return JSON.parse(readTarball(tarball).get('package.json').toString('utf8'));
}

/** The file paths inside a tarball, without the leading `package/`. */
export function filesOf(tarball) {
  return [...readTarball(tarball).keys()];
}

export function scratchDir(t, prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
