'use strict';
// Comparison (DevTools parity), leak finding over baseline/target/final, growth over a series,
// and their text rendering. The work is native; this file resolves paths or HeapSnapshots,
// runs file reads off the JS thread, and shapes results for JS.

const native = require('../binding.js');
const { toError, abortError } = require('./errors.js');
const { formatBytes } = require('./format.js');

let HeapSnapshot; // set by index.js (circular)
function bind(cls) {
  HeapSnapshot = cls;
}

function call(fn) {
  try {
    return fn();
  } catch (e) {
    throw toError(e);
  }
}

async function asSnapshot(x, options) {
  if (x instanceof HeapSnapshot) return { snap: x, owned: false };
  if (typeof x === 'string' || x instanceof URL) return { snap: await HeapSnapshot.open(x instanceof URL ? x.pathname : x, options), owned: true };
  throw Object.assign(new TypeError('expected a HeapSnapshot or a file path'), { code: 'ERR_INVALID_ARG_TYPE' });
}

/** Object ids only: from a HeapSnapshot, or by a fast ids-only read of a file. */
async function asIdSet(x, { signal } = {}) {
  if (x instanceof HeapSnapshot) return call(() => HeapSnapshot.native(x).idSet());
  if (typeof x === 'string' || x instanceof URL) {
    if (signal?.aborted) throw abortError(signal);
    const control = new native.TaskControl();
    const onAbort = () => control.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await native.readIds(x instanceof URL ? x.pathname : String(x), control);
    } catch (e) {
      const err = toError(e);
      throw err.code === 'ABORT_ERR' ? abortError(signal) : err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
  throw Object.assign(new TypeError('expected a HeapSnapshot or a file path'), { code: 'ERR_INVALID_ARG_TYPE' });
}

/**
 * DevTools' Comparison view of `current` against `base` (paths or HeapSnapshots), one row per
 * class key with added/removed counts and sizes, in DevTools' row order.
 */
async function diff(base, current, options = {}) {
  const b = await asSnapshot(base, options);
  try {
    const c = await asSnapshot(current, options);
    try {
      const rows = call(() => native.diffSnapshots(HeapSnapshot.native(b.snap), HeapSnapshot.native(c.snap)));
      if (options.ids === false) for (const r of rows) delete r.addedIds, delete r.removedIds;
      return rows;
    } finally {
      if (c.owned) c.snap.dispose();
    }
  } finally {
    if (b.owned) b.snap.dispose();
  }
}

/**
 * Leak candidates: objects allocated after `baseline`, alive at `target` and still alive in
 * `final`, filtered for plain Node code and clustered by retainer path.
 */
async function findLeaks({ baseline, target, final } = {}, options = {}) {
  if (!baseline || !target || !final) {
    throw Object.assign(new TypeError('findLeaks needs { baseline, target, final }'), { code: 'ERR_INVALID_ARG_VALUE' });
  }
  const [b, t] = await Promise.all([asIdSet(baseline, options), asIdSet(target, options)]);
  const f = await asSnapshot(final, options);
  try {
    const report = call(() =>
      native.findLeaksNative(b, t, HeapSnapshot.native(f.snap), {
        includeSystem: options.includeSystem,
        ignoreClasses: options.ignoreClasses,
        samples: options.samples,
        maxClusters: options.maxClusters,
      }),
    );
    return report;
  } finally {
    if (f.owned) f.snap.dispose();
  }
}

/** Classes and collections that grew at every step of a series (N >= 2 snapshots, one process). */
async function findGrowth(snapshots, options = {}) {
  if (!Array.isArray(snapshots) || snapshots.length < 2) {
    throw Object.assign(new TypeError('findGrowth needs an array of at least 2 snapshots'), { code: 'ERR_INVALID_ARG_VALUE' });
  }
  const opened = [];
  try {
    for (const s of snapshots) opened.push(await asSnapshot(s, options));
    return call(() => native.findGrowthNative(opened.map((o) => HeapSnapshot.native(o.snap)), options.limit ?? 50));
  } finally {
    for (const o of opened) if (o.owned) o.snap.dispose();
  }
}

/** Human rendering of a findLeaks report. */
function formatLeaks(report, { limit = 10 } = {}) {
  const { clusters, totals } = report;
  if (!clusters.length) return 'No leaks found: nothing allocated during the action survived it.\n';
  const lines = [
    `${totals.topLevel} leaked object(s) in ${totals.clusters} cluster(s), retaining ${formatBytes(totals.retainedSize)}` +
      ` (${totals.leakedObjects} objects in all)`,
    '',
  ];
  clusters.slice(0, limit).forEach((c, i) => {
    lines.push(`#${i + 1} ${c.className} ×${c.count}: retains ${formatBytes(c.retainedSize)} (shallow ${formatBytes(c.shallowSize)}, ${c.objects} objects)`);
    lines.push(`   ${c.path.text}`);
    lines.push(`   sample ids: ${c.sampleIds.map((x) => '@' + x).join(' ')}`);
    lines.push('');
  });
  if (clusters.length > limit) lines.push(`… ${clusters.length - limit} more cluster(s)`);
  return lines.join('\n') + '\n';
}

module.exports = { bind, diff, findLeaks, findGrowth, formatLeaks, asIdSet };
