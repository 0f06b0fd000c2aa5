// memlab for the benchmarks, installed into .bench/memlab (git-ignored) at a pinned version,
// never a dependency of heapsnap. Shared by bench.mjs and testing.mjs.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MEMLAB_VERSION = '2.0.5';
export const MEMLAB_DIR = join(fileURLToPath(new URL('..', import.meta.url)), '.bench', 'memlab');

export function installedMemlabVersion() {
  try {
    return JSON.parse(readFileSync(join(MEMLAB_DIR, 'node_modules', 'memlab', 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/** Installs memlab@MEMLAB_VERSION into MEMLAB_DIR unless it is there; `note` prints progress. */
export async function ensureMemlab(note = (line) => process.stderr.write(`${line}\n`)) {
  const have = installedMemlabVersion();
  if (have === MEMLAB_VERSION && existsSync(join(MEMLAB_DIR, 'node_modules', '@memlab', 'heap-analysis', 'package.json'))) {
    note(`memlab ${have}: reusing ${MEMLAB_DIR}`);
    return;
  }
  mkdirSync(MEMLAB_DIR, { recursive: true });
  // Its own package.json, so npm can never mistake the repo's for the project to install into.
  if (!existsSync(join(MEMLAB_DIR, 'package.json'))) {
    writeFileSync(join(MEMLAB_DIR, 'package.json'), JSON.stringify({ name: 'heapsnap-bench-memlab', private: true }, null, 2) + '\n');
  }
  const args = ['install', '--prefix', MEMLAB_DIR, `memlab@${MEMLAB_VERSION}`, '--no-audit', '--no-fund', '--save-exact'];
  note(`memlab: PUPPETEER_SKIP_DOWNLOAD=1 npm ${args.join(' ')}`);
  await new Promise((ok, bad) => {
    const child = spawn('npm', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' }, shell: process.platform === 'win32' });
    child.on('error', bad);
    child.on('close', (code) => (code === 0 ? ok() : bad(new Error(`npm install exited with ${code}`))));
  });
  if (installedMemlabVersion() !== MEMLAB_VERSION) throw new Error(`memlab ${MEMLAB_VERSION} did not install into ${MEMLAB_DIR}`);
}
