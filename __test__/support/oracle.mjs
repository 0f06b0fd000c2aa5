// Access to ../shared (the DevTools oracle and the fixtures), which exists in CI and on the
// team's machines but not in a user's clone: tests that need it skip with this reason.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const shared = resolve(repo, '..', 'shared');
export const hasShared = existsSync(join(shared, 'oracle', 'run.sh')) && existsSync(join(shared, 'fixtures'));
export const noShared = hasShared ? false : '../shared (oracle and fixtures) is not beside this clone';

export function fixtures() {
  if (!hasShared) return [];
  return readdirSync(join(shared, 'fixtures'))
    .filter((f) => f.endsWith('.heapsnapshot'))
    .map((f) => join(shared, 'fixtures', f));
}

/** DevTools' own numbers for a snapshot (and its Comparison against `base`). */
export function oracle(file, base, { nodes = true } = {}) {
  const args = [join(shared, 'oracle', 'run.sh'), file];
  if (base) args.push(base);
  const out = execFileSync('bash', args, {
    encoding: 'utf8',
    maxBuffer: 2 ** 31,
    env: { ...process.env, ORACLE_NODES: nodes ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out);
}
