'use strict';
/**
 * Opening a snapshot through the analysis cache (see ./index.js for the policy):
 *
 *     const snap = await openThroughCache(path, options, {
 *       fresh: () => parse and analyse as usual → HeapSnapshot,
 *       load: (entry, key, options) → Promise<native snapshot | null>  (null: a miss),
 *       save: (snap, tempPath, key) → Promise<void>,
 *       wrap: (native) → HeapSnapshot,
 *     });
 *
 * A hit reads the entry the engine wrote (its format version is part of the key; the engine
 * validates everything it reads and answers a miss for anything it does not trust). A miss
 * opens the file as usual and then writes the entry in the background, under a temporary
 * name that is renamed into place, and trims the cache to its size cap. Nothing here ever
 * makes an open fail: any cache problem is a miss (HEAPSNAP_DEBUG_CACHE=1 says why on stderr).
 */
const fs = require('node:fs');
const cache = require('./index.js');

function debug(what, err) {
  if (process.env.HEAPSNAP_DEBUG_CACHE) process.stderr.write(`heapsnap cache: ${what}${err ? `: ${err.message ?? err}` : ''}\n`);
}

async function openThroughCache(file, options, { fresh, load, save, wrap, formatVersion }) {
  if (!cache.enabled(options) || typeof file !== 'string') return fresh();
  let dir, key, size;
  try {
    ({ key, size } = cache.keyOf(file, formatVersion));
    if (size < cache.minSize()) return fresh();
    dir = cache.ensureDir(cache.cacheDir());
  } catch (e) {
    debug('off for this file', e);
    return fresh();
  }
  const entry = cache.entryPath(dir, key);
  if (fs.existsSync(entry)) {
    try {
      const nat = await load(entry, key, options);
      if (nat) {
        cache.touch(entry);
        debug(`hit ${entry}`);
        return wrap(nat);
      }
      debug(`stale or damaged entry ${entry}: removed`);
      fs.rmSync(entry, { force: true });
    } catch (e) {
      if (e && e.code === 'ABORT_ERR') throw e;
      debug(`cannot read ${entry}`, e);
    }
  }
  const snap = await fresh();
  const temp = cache.tempPath(dir, key);
  let saving;
  try {
    saving = save(snap, temp, key);
  } catch (e) {
    saving = Promise.reject(e);
  }
  saving.then(
    () => {
      try {
        fs.renameSync(temp, entry);
        cache.evict(dir, cache.maxBytes(), entry);
        debug(`stored ${entry}`);
      } catch (e) {
        fs.rmSync(temp, { force: true });
        debug(`cannot store ${entry}`, e);
      }
    },
    (e) => {
      fs.rmSync(temp, { force: true });
      debug(`cannot write ${temp}`, e);
    },
  );
  return snap;
}

module.exports = { openThroughCache };
