// The analysis cache: its policy (lib/cache: a private directory, keys that change with the
// file, eviction of the least recently used entries under a size cap, `heapsnap cache`) and the
// cache at work on real snapshots: a reopened file answers the same from the engine's entry, a
// damaged, cut or foreign entry is a miss, the CLI caches by default and --no-cache skips it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync, statSync, symlinkSync, chmodSync, utimesSync, existsSync, appendFileSync, readdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { repo } from './support/oracle.mjs';
import { tempDir } from './support/programs.mjs';

const require = createRequire(import.meta.url);
const cache = require('../lib/cache/index.js');
const posix = process.platform !== 'win32';

test('the cache directory follows the platform and can be overridden', () => {
  assert.equal(cache.cacheDir({ HEAPSNAP_CACHE_DIR: '/x/y' }, 'linux', '/home/a'), '/x/y');
  assert.equal(cache.cacheDir({}, 'linux', '/home/a'), '/home/a/.cache/heapsnap');
  assert.equal(cache.cacheDir({ XDG_CACHE_HOME: '/c' }, 'linux', '/home/a'), '/c/heapsnap');
  assert.equal(cache.cacheDir({ XDG_CACHE_HOME: 'relative' }, 'linux', '/home/a'), '/home/a/.cache/heapsnap', 'a relative XDG_CACHE_HOME is ignored, as the spec says');
  assert.equal(cache.cacheDir({}, 'darwin', '/Users/a'), '/Users/a/Library/Caches/heapsnap');
  assert.equal(cache.enabled({}, {}), false, 'the API caches when asked');
  assert.equal(cache.enabled({ cache: true }, {}), true);
  assert.equal(cache.enabled({ cache: true }, { HEAPSNAP_CACHE: '0' }), false);
  cache.setDefault(true); // what the CLI does
  try {
    assert.equal(cache.enabled({}, {}), true);
    assert.equal(cache.enabled({ cache: false }, {}), false);
  } finally {
    cache.setDefault(false);
  }
  assert.equal(cache.maxBytes({ HEAPSNAP_CACHE_MAX: '2GB' }), 2 * 1024 ** 3);
  assert.equal(cache.maxBytes({ HEAPSNAP_CACHE_MAX: 'lots' }), 8 * 1024 ** 3);
});

test('ensureDir: created 0700; a link, a file or an open directory is refused or tightened', { skip: !posix && 'POSIX permissions' }, (t) => {
  const root = tempDir(t, 'heapsnap-cache-');
  const dir = join(root, 'a', 'heapsnap');
  cache.ensureDir(dir);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  const open = join(root, 'open');
  mkdirSync(open, { mode: 0o777 });
  chmodSync(open, 0o777);
  cache.ensureDir(open);
  assert.equal(statSync(open).mode & 0o777, 0o700, 'tightened');
  const link = join(root, 'link');
  symlinkSync(dir, link);
  assert.throws(() => cache.ensureDir(link), { code: 'ERR_HEAPSNAP_CACHE' });
  const file = join(root, 'file');
  writeFileSync(file, 'x');
  assert.throws(() => cache.ensureDir(file));
});

test('keys change when the file changes, and not otherwise', (t) => {
  const root = tempDir(t, 'heapsnap-cache-');
  const f = join(root, 'a.heapsnapshot');
  writeFileSync(f, 'x'.repeat(600 * 1024));
  const k1 = cache.keyOf(f, 1).key;
  assert.match(k1, /^[0-9a-f]{64}$/);
  assert.equal(cache.keyOf(f, 1).key, k1, 'stable');
  assert.notEqual(cache.keyOf(f, 2).key, k1, 'a new format version never reads old entries');
  const later = new Date(Date.now() + 5000);
  utimesSync(f, later, later);
  const k2 = cache.keyOf(f, 1).key;
  assert.notEqual(k2, k1, 'touched');
  appendFileSync(f, 'y');
  assert.notEqual(cache.keyOf(f, 1).key, k2, 'grown');
  // Same size and time, other content in the tail: the edge hash tells them apart.
  const g = join(root, 'b.heapsnapshot');
  writeFileSync(g, 'x'.repeat(600 * 1024));
  const st = statSync(g);
  const kg = cache.keyOf(g, 1).key;
  writeFileSync(g, 'x'.repeat(600 * 1024 - 1) + 'z');
  utimesSync(g, st.atime, st.mtime);
  assert.notEqual(cache.keyOf(g, 1).key, kg, 'edited in place, same size and time');
  assert.throws(() => cache.keyOf(join(root, 'missing'), 1), { code: 'ENOENT' });
});

test('eviction keeps the most recently used entries under the cap; clear removes all', (t) => {
  const dir = tempDir(t, 'heapsnap-cache-');
  const now = Date.now() / 1000;
  for (let i = 0; i < 5; i++) {
    const p = join(dir, `${String(i).repeat(64)}${cache.SUFFIX}`);
    writeFileSync(p, Buffer.alloc(1000));
    utimesSync(p, now - 100 + i, now - 100 + i);
  }
  writeFileSync(join(dir, 'unrelated.txt'), 'keep me');
  cache.touch(join(dir, `${'0'.repeat(64)}${cache.SUFFIX}`)); // the oldest is used again
  const r = cache.evict(dir, 2500);
  assert.equal(r.removed.length, 3);
  const left = readdirSync(dir).sort();
  assert.deepEqual(left, [`${'0'.repeat(64)}${cache.SUFFIX}`, `${'4'.repeat(64)}${cache.SUFFIX}`, 'unrelated.txt']);
  assert.equal(cache.info(dir).entries, 2);
  assert.equal(cache.clear(dir).removed, 2);
  assert.ok(existsSync(join(dir, 'unrelated.txt')), 'only cache entries are removed');
});

test('heapsnap cache info|clear', (t) => {
  const dir = tempDir(t, 'heapsnap-cache-');
  const env = { ...process.env, HEAPSNAP_CACHE_DIR: dir };
  const run = (...a) => spawnSync(process.execPath, [join(repo, 'bin', 'heapsnap.js'), 'cache', ...a], { encoding: 'utf8', env });
  writeFileSync(join(dir, `${'a'.repeat(64)}${cache.SUFFIX}`), Buffer.alloc(2048));
  const info = JSON.parse(run('info', '--json').stdout);
  assert.equal(info.dir, dir);
  assert.equal(info.entries, 1);
  assert.equal(info.bytes, 2048);
  assert.match(run('info').stdout, /1 entry, 2\.0 KB/);
  const cleared = run('clear');
  assert.equal(cleared.status, 0);
  assert.match(cleared.stdout, /Removed 1 entry/);
  assert.equal(JSON.parse(run('info', '--json').stdout).entries, 0);
  assert.equal(run().status, 2);
  assert.equal(run('frob').status, 2);
  assert.equal(run('--help').status, 0);
});

// ---------------------------------------------------------------------------------------------
// The cache at work: real snapshots, the engine's entries, the CLI.


function scenario(t) {
  const dir = tempDir(t, 'heapsnap-cache-snap-');
  execFileSync(process.execPath, [join(repo, '__test__', 'fixtures', 'leak-scenario.js'), 'requestArray', 'leaky', dir, '40']);
  return { dir, base: join(dir, 'baseline.heapsnapshot'), final: join(dir, 'final.heapsnapshot') };
}

function withCacheEnv(t, dir) {
  const saved = { ...process.env };
  process.env.HEAPSNAP_CACHE_DIR = dir;
  process.env.HEAPSNAP_CACHE_MIN_SIZE = '0';
  delete process.env.HEAPSNAP_CACHE;
  t.after(() => {
    for (const k of ['HEAPSNAP_CACHE_DIR', 'HEAPSNAP_CACHE_MIN_SIZE', 'HEAPSNAP_CACHE']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });
}

async function entryAppears(dir, not = []) {
  for (let i = 0; i < 300; i++) {
    const found = readdirSync(dir).filter((n) => n.endsWith(cache.SUFFIX) && !not.includes(n));
    if (found.length) return join(dir, found[0]);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no cache entry was written');
}

/** Everything a reader would compare between two opens of one file. */
function facts(snap, ids) {
  return {
    nodeCount: snap.nodeCount,
    edgeCount: snap.edgeCount,
    totalSize: snap.totalSize,
    statistics: snap.statistics(),
    summary: snap.summary(),
    nodes: ids.map((id) => [snap.node(id), snap.edges(id), snap.retainers(id), snap.retainerPath(id)]),
    dupes: snap.duplicatedStrings({ limit: 20 }),
  };
}

test('a reopened snapshot comes from the cache, with every answer the same', async (t) => {
  const { HeapSnapshot, diff } = require('../index.js');
  const s = scenario(t);
  const dir = tempDir(t, 'heapsnap-cache-dir-');
  withCacheEnv(t, dir);
  const fresh = await HeapSnapshot.open(s.final);
  assert.ok(!('cache' in fresh.timings));
  const ids = fresh.instances('RequestRecord').slice(0, 3).concat([fresh.rootId]);
  const expected = facts(fresh, ids);
  const expectedDiff = await diff(s.base, fresh);
  fresh.dispose();
  assert.equal(readdirSync(dir).length, 0, 'the API caches only when asked');

  const first = await HeapSnapshot.open(s.final, { cache: true });
  first.dispose(); // the entry is written in the background, from memory the write keeps
  const entry = await entryAppears(dir);
  if (posix) assert.equal(statSync(entry).mode & 0o777, 0o600);
  if (posix) assert.equal(statSync(dir).mode & 0o777, 0o700);

  const hit = await HeapSnapshot.open(s.final, { cache: true });
  assert.ok('cache' in hit.timings, 'read from the cache');
  assert.deepEqual(facts(hit, ids), expected);
  assert.deepEqual(await diff(s.base, hit), expectedDiff);
  hit.dispose();

  // A damaged entry is a miss: the file is analysed again, the answers are right, the entry is replaced.
  const bytes = readFileSync(entry);
  for (const at of [100, Math.floor(bytes.length / 2), bytes.length - 9]) {
    const bad = Buffer.from(bytes);
    bad[at] ^= 0x55;
    writeFileSync(entry, bad);
    const again = await HeapSnapshot.open(s.final, { cache: true });
    assert.ok(!('cache' in again.timings), `byte ${at}: not trusted`);
    assert.deepEqual(facts(again, ids), expected);
    again.dispose();
    await entryAppears(dir);
  }
  truncateSync(await entryAppears(dir), 1000);
  const cut = await HeapSnapshot.open(s.final, { cache: true });
  assert.ok(!('cache' in cut.timings), 'truncated: not trusted');
  cut.dispose();
  writeFileSync(await entryAppears(dir).catch(() => join(dir, readdirSync(dir)[0] ?? 'x')), 'not an entry at all');
  const junk = await HeapSnapshot.open(s.final, { cache: true });
  assert.deepEqual(junk.summary(), expected.summary);
  junk.dispose();

  // A changed file gets a new entry; the old one is not used.
  const before = readdirSync(dir).filter((n) => n.endsWith(cache.SUFFIX));
  const later = new Date(Date.now() + 10_000);
  utimesSync(s.final, later, later);
  const touched = await HeapSnapshot.open(s.final, { cache: true });
  assert.ok(!('cache' in touched.timings), 'touched: analysed again');
  touched.dispose();
  await entryAppears(dir, before);

  // HEAPSNAP_CACHE=0 turns it off.
  process.env.HEAPSNAP_CACHE = '0';
  const off = await HeapSnapshot.open(s.final, { cache: true });
  assert.ok(!('cache' in off.timings));
  off.dispose();
});

test('the CLI caches by default; --no-cache skips it', async (t) => {
  const s = scenario(t);
  const dir = tempDir(t, 'heapsnap-cache-cli-');
  const env = { ...process.env, HEAPSNAP_CACHE_DIR: dir, HEAPSNAP_CACHE_MIN_SIZE: '0', HEAPSNAP_DEBUG_CACHE: '1' };
  delete env.HEAPSNAP_CACHE;
  const run = (...a) => spawnSync(process.execPath, [join(repo, 'bin', 'heapsnap.js'), ...a], { encoding: 'utf8', env });
  const skipped = run('summary', s.final, '--json', '--no-cache');
  assert.equal(skipped.status, 0, skipped.stderr);
  assert.equal(readdirSync(dir).length, 0, '--no-cache writes nothing');
  const first = run('summary', s.final, '--json');
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stderr, /stored /);
  const second = run('stats', s.final, '--json');
  assert.match(second.stderr, /hit /);
  const third = run('summary', s.final, '--json');
  assert.match(third.stderr, /hit /);
  assert.deepEqual(JSON.parse(third.stdout), JSON.parse(first.stdout));
  assert.deepEqual(JSON.parse(first.stdout), JSON.parse(skipped.stdout));
  const small = spawnSync(process.execPath, [join(repo, 'bin', 'heapsnap.js'), 'summary', s.base, '--json'], {
    encoding: 'utf8',
    env: { ...env, HEAPSNAP_CACHE_MIN_SIZE: '1GB' },
  });
  assert.doesNotMatch(small.stderr, /stored|hit/, 'small files are not cached');
});
