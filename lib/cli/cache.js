'use strict';
// `heapsnap cache info|clear`: the analysis cache.
const cache = require('../cache/index.js');
const { formatBytes } = require('../format.js');
const { defineCommand } = require('./common.js');

const entries = (n) => `${n} entr${n === 1 ? 'y' : 'ies'}`;

module.exports = defineCommand({
  name: 'cache',
  summary: 'the analysis cache (info | clear)',
  description: `
Commands that open a snapshot of 16 MB or more keep its analysis in a cache, so opening the
same file again skips parsing and analysis (--no-cache on a command skips the cache). Entries
are keyed by the file's identity (device, inode, size, modification time) and a hash of its
first and last bytes, so a changed file is analysed afresh; the least recently used entries
go once the cache exceeds its size cap.

  info    the cache directory, its entries and their size
  clear   removes every entry

Environment:
  HEAPSNAP_CACHE_DIR        the directory (default: the user cache directory + /heapsnap, 0700)
  HEAPSNAP_CACHE_MAX        size cap, e.g. 20GB (default 8GB)
  HEAPSNAP_CACHE_MIN_SIZE   smallest snapshot cached (default 16MB)
  HEAPSNAP_CACHE=0          no cache at all`,
  examples: ['heapsnap cache info', 'heapsnap cache clear'],
  subcommands: {
    info: {
      positionals: { min: 0, max: 0 },
      async run({ values, out, json }) {
        const r = cache.info(cache.cacheDir());
        if (values.json) json({ ...r, enabled: cache.enabled({ cache: true }) });
        else out(`${r.dir}: ${entries(r.entries)}, ${formatBytes(r.bytes)} of at most ${formatBytes(r.max)}${cache.enabled({ cache: true }) ? '' : ' (off: HEAPSNAP_CACHE)'}\n`);
        return 0;
      },
    },
    clear: {
      positionals: { min: 0, max: 0 },
      async run({ values, out, json }) {
        const r = cache.clear(cache.cacheDir());
        if (values.json) json(r);
        else out(`Removed ${entries(r.removed)} (${formatBytes(r.bytes)}) from ${r.dir}\n`);
        return 0;
      },
    },
  },
});
