'use strict';
// Comparison (DevTools parity), leak finding over baseline/target/final, growth over a series,
// and their text rendering. The work is native and runs off the JS thread; this file resolves
// paths or HeapSnapshots and shapes results for JS.

const { HeapSnapshot, nativeOf, taskOptions, specialFile } = require('./snapshot.js');
const { binding, runTask, kOnAnalyze } = require('./native.js');
const { toPath } = require('./fs.js');
const { formatBytes, printable, shortLocation } = require('./format.js');
const { invalidArgType, invalidArgValue, optionsObject, validateBoolean, validateInteger, validateFunction, mismatchError } = require('./errors.js');

function isPathLike(x) {
  return typeof x === 'string' || x instanceof URL;
}

/** A HeapSnapshot as given, or opened from a path (then `owned`: the caller disposes it). */
async function asSnapshot(x, options, name) {
  if (x instanceof HeapSnapshot) return { snap: x, owned: false };
  if (isPathLike(x)) return { snap: await HeapSnapshot.open(toPath(x, name), options), owned: true };
  throw invalidArgType(name, 'a HeapSnapshot or a file path', x);
}

/** Object ids only: from a HeapSnapshot, or by a fast ids-only read of a file, off the JS thread. */
async function asIdSet(x, options = {}, name = 'snapshot') {
  if (x instanceof HeapSnapshot) return nativeOf(x).idSet();
  if (isPathLike(x)) {
    const file = toPath(x, name);
    if (specialFile(file)) {
      // a FIFO or device is read once, as a stream (HeapSnapshot.open), never by the native reader
      const snap = await HeapSnapshot.open(file, options);
      try {
        return nativeOf(snap).idSet();
      } finally {
        snap.dispose();
      }
    }
    return runTask((control) => binding.readIds(file, control), options);
  }
  throw invalidArgType(name, 'a HeapSnapshot or a file path', x);
}

const SAME_PROCESS_SAMPLE = 2000;
const SAME_PROCESS_MIN = 0.9;

/**
 * Throws ERR_HEAPSNAP_MISMATCH when `earlier` and `later` (HeapSnapshots) look like snapshots of
 * different processes. Comparing them by object id only means something within one process:
 * there an id is one object for its whole life, so an object of `later` whose id is also in
 * `earlier` has the same type and class there (measured: 100% of them, for snapshots of one
 * process). Another process gives the same ids to other objects (measured: 18-81% alike, the
 * 81% for two runs of almost the same script). So: of up to 2000 objects of `later`, evenly
 * spread, those whose id `earlier` has must be at least 90% alike, and some must exist.
 * `allowMismatch: true` skips the check.
 */
function assertSameProcess(earlier, later, names, o) {
  if (o.allowMismatch) return;
  const n = later.nodeCount;
  const step = Math.max(1, Math.floor(n / SAME_PROCESS_SAMPLE));
  let common = 0;
  let alike = 0;
  for (let i = 0; i < n; i += step) {
    const x = later.nodeAt(i);
    const y = x && earlier.node(x.id);
    if (!y) continue;
    common++;
    if (y.type === x.type && y.className === x.className) alike++;
  }
  const tooFew = common === 0 && n > 100 && earlier.nodeCount > 100;
  if (!tooFew && (common < 50 || alike / common >= SAME_PROCESS_MIN)) return;
  const why = tooFew ? 'they have no object id in common' : `only ${Math.round((100 * alike) / common)}% of ${common} objects with the same id are the same kind of object`;
  throw mismatchError(
    `${names[0]} and ${names[1]} look like snapshots of different processes (${why}); object ids can only be compared within one process. ` +
      'Pass allowMismatch: true (--allow-mismatch) to compare them anyway',
    { field: names[1] },
  );
}

/**
 * DevTools' Comparison view of `current` against `base` (paths or HeapSnapshots), one row per
 * class key with added/removed counts and sizes, in DevTools' row order.
 */
async function diff(base, current, options) {
  const o = taskOptions(options);
  if (o.allowMismatch !== undefined) validateBoolean(o.allowMismatch, 'options.allowMismatch');
  const b = await asSnapshot(base, o, 'base');
  try {
    const c = await asSnapshot(current, o, 'current');
    try {
      assertSameProcess(b.snap, c.snap, ['base', 'current'], o);
      const rows = await runTask(() => binding.diffSnapshots(nativeOf(b.snap), nativeOf(c.snap)), { signal: o.signal });
      if (o.ids === false) for (const r of rows) delete r.addedIds, delete r.removedIds;
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
 * `final`, filtered for plain Node code and clustered by retainer path. `baseline` and `target`
 * are snapshots (or files), or the largest object id at that moment (ids only grow within one
 * process: every object of `final` with a larger id was first seen later).
 */
async function findLeaks(snapshots, options) {
  const { baseline, target, final } = leakInputs(snapshots);
  const o = taskOptions(options);
  if (o.allowMismatch !== undefined) validateBoolean(o.allowMismatch, 'options.allowMismatch');
  const { leakFilter, retainerReferenceFilter: edgeFilter } = o;
  if (leakFilter != null) validateFunction(leakFilter, 'options.leakFilter');
  if (edgeFilter != null) validateFunction(edgeFilter, 'options.retainerReferenceFilter');
  const ids = { signal: o.signal };
  const idsAt = (x, name) => (typeof x === 'number' ? idsUpTo(f.snap, x, name) : asIdSet(x, ids, name));
  // Files of baseline and target are read (as ids) while final is analysed, which leaves a core
  // idle part of the time; final's parse already keeps both busy (reading beside it was slower).
  let early = null;
  const readEarly = () => (early ??= Promise.all([asIdSet(baseline, ids, 'snapshots.baseline'), asIdSet(target, ids, 'snapshots.target')]));
  const overlap = isPathLike(final) && isPathLike(baseline) && isPathLike(target);
  // started as soon as final's parse ends (checked every few ms, not at onProgress' 100 ms)
  const finalOptions = overlap ? { ...o, [kOnAnalyze]: () => readEarly().catch(() => {}) } : o; // awaited below
  const f = await asSnapshot(final, finalOptions, 'snapshots.final');
  // the callbacks run inside the native search: an exception is kept and thrown after it
  let thrown = null;
  const guarded = (fn) => (...args) => {
    if (thrown) return true;
    try {
      return Boolean(fn(...args));
    } catch (err) {
      thrown = { err };
      return true;
    }
  };
  const snap = f.snap;
  try {
    // Given as HeapSnapshots, baseline and target are checked against final; from files they
    // are read as ids only (fast), which cannot tell processes apart; as ids they are moments of
    // final's own process.
    if (baseline instanceof HeapSnapshot) assertSameProcess(baseline, f.snap, ['snapshots.baseline', 'snapshots.final'], o);
    if (target instanceof HeapSnapshot) assertSameProcess(target, f.snap, ['snapshots.target', 'snapshots.final'], o);
    const [b, t] = await (overlap ? readEarly() : Promise.all([idsAt(baseline, 'snapshots.baseline'), idsAt(target, 'snapshots.target')]));
    if (!leakFilter && !edgeFilter) {
      return await runTask(() => binding.findLeaksNative(b, t, nativeOf(snap), nativeLeakOptions(o)), { signal: o.signal });
    }
    // with JS filters the search runs on the JS thread, where they can be called
    const report = binding.findLeaksFiltered(
      b,
      t,
      nativeOf(snap),
      nativeLeakOptions(o),
      leakFilter ? guarded((id) => leakFilter(snap.node(id), snap)) : undefined,
      edgeFilter
        ? guarded((type, name, fromId, toId) => edgeFilter({ type, name, nameOrIndex: edgeNameOrIndex(type, name), fromId, toId }, snap, true))
        : undefined,
    );
    if (thrown) throw thrown.err;
    return report;
  } finally {
    if (f.owned) f.snap.dispose();
  }
}

/** `findLeaks` on a loaded `final` snapshot with id boundaries for `baseline` and `target`, synchronously. */
function findLeaksSync(snapshots, options) {
  const { baseline, target, final } = leakInputs(snapshots);
  if (!(final instanceof HeapSnapshot) || typeof baseline !== 'number' || typeof target !== 'number') {
    throw invalidArgValue('snapshots', snapshots, 'must be { baseline: id, target: id, final: HeapSnapshot } here');
  }
  const o = optionsObject(options);
  const b = idsUpTo(final, baseline, 'snapshots.baseline');
  const t = idsUpTo(final, target, 'snapshots.target');
  return binding.findLeaksNativeSync(b, t, nativeOf(final), nativeLeakOptions(o));
}

function leakInputs(snapshots) {
  const inputs = optionsObject(snapshots, 'snapshots');
  if (inputs.baseline == null || inputs.target == null || !inputs.final) throw invalidArgValue('snapshots', snapshots, 'must name { baseline, target, final }');
  return inputs;
}

/** The ids of `snap` up to `maxId`: what existed at the moment `maxId` was the last id. */
function idsUpTo(snap, maxId, name) {
  validateInteger(maxId, name, 0);
  return nativeOf(snap).idSetUpTo(maxId);
}

function nativeLeakOptions(o) {
  return {
    includeSystem: o.includeSystem,
    includeStack: o.includeStack,
    ignoreClasses: o.ignoreClasses,
    samples: o.samples,
    maxClusters: o.maxClusters,
    profile: o.profile,
    minCount: o.minCount,
    actions: o.actions,
  };
}

/** memlab's `name_or_index`: a number for element and hidden edges, else the name. */
function edgeNameOrIndex(type, name) {
  return (type === 'element' || type === 'hidden') && /^\d+$/.test(name) ? Number(name) : name;
}

/** Classes and collections that grew at every step of a series (N >= 2 snapshots, one process). */
async function findGrowth(snapshots, options) {
  if (!Array.isArray(snapshots) || snapshots.length < 2) throw invalidArgValue('snapshots', snapshots, 'must be an array of at least 2 snapshots');
  const o = taskOptions(options);
  const opened = [];
  try {
    for (const [i, s] of snapshots.entries()) opened.push(await asSnapshot(s, o, `snapshots[${i}]`));
    return await runTask(() => binding.findGrowthNative(opened.map((x) => nativeOf(x.snap)), o.limit ?? 50), { signal: o.signal });
  } finally {
    for (const x of opened) if (x.owned) x.snap.dispose();
  }
}

/** `createSession at sessions.js:12` for one allocation-stack frame. */
function frameText(f) {
  const where = f.line ? shortLocation(f) : f.url ? shortLocation({ ...f, line: '?' }) : '';
  return `${f.functionName || '(anonymous)'}${where ? ` at ${where}` : ''}`;
}

const ASIDE_WHY = {
  'one-off': (n) => `allocated fewer than ${n} times (one-off)`,
  'node-internal': () => "held only by Node's own state",
};

/** "11 one-off cluster(s) (89 objects) …": what set-aside clusters were, by reason. */
function setAsideText(report) {
  const rows = (report.setAside ?? []).filter((a) => a.clusters > 0);
  return rows.map((a) => `${a.clusters} cluster(s) of ${a.objects} object(s) ${(ASIDE_WHY[a.reason] ?? (() => a.reason))(report.minCount)}`).join('; ');
}

/** One cluster's heading and details, indented. */
function clusterLines(c, rank) {
  const lines = [
    `#${rank} ${c.className} ×${c.count}: retains ${formatBytes(c.retainedSize)}` +
      ` (shallow ${formatBytes(c.shallowSize)}, ${c.objects} objects)`,
  ];
  // what leaked and where it is defined: `onConfigChange at leaky-app.js:51`
  const loc = shortLocation(c.location);
  if (loc || (c.name && c.name !== c.className)) lines.push(`   ${c.name || c.className}${loc ? ` at ${loc}` : ''}`);
  if (c.holder) lines.push(`   held by ${c.holder.text}`);
  // the path from the holder on; the full one when Node's or a runner's objects come first
  const full = c.path.text;
  const short = c.holder?.path;
  if (c.retains) lines.push(`   keeps alive ${c.retains.className} ×${c.retains.count}${c.retains.location ? ` (${shortLocation(c.retains.location)})` : ''}`);
  const others = (c.parts ?? []).slice(1);
  if (others.length) lines.push(`   with ${others.map((p) => `${p.className} ×${p.count}`).join(', ')} (the same entries)`);
  if (c.allocation?.length) lines.push(`   allocated in ${c.allocation.slice(0, 3).map(frameText).join(' ← ')}`);
  const hops = (t) => t.split(' → ').length;
  if (short && hops(full) - hops(short) >= 3) {
    lines.push(`   ${short}`);
    lines.push(`   (from a root: ${full})`);
  } else {
    lines.push(`   ${full}`);
  }
  lines.push(`   sample ids: ${c.sampleIds.map((x) => '@' + x).join(' ')}`);
  return lines;
}

/**
 * Human rendering of a findLeaks report. `setAside: true` also lists the clusters set aside
 * (one-off, Node's own); their counts are always said.
 */
function formatLeaks(report, { limit = 10, setAside = false } = {}) {
  const { clusters, totals } = report;
  const aside = setAsideText(report);
  const lines = [];
  if (!clusters.length) {
    lines.push(
      aside
        ? `No leaks found. Set aside: ${aside}.`
        : 'No leaks found: nothing allocated during the action survived it.',
    );
  } else {
    lines.push(
      `${totals.topLevel} leaked object(s) in ${totals.clusters} cluster(s), retaining ${formatBytes(totals.retainedSize)}` +
        ` (${totals.leakedObjects} objects in all)`,
      '',
    );
    clusters.slice(0, limit).forEach((c, i) => lines.push(...clusterLines(c, i + 1), ''));
    if (clusters.length > limit) lines.push(`… ${clusters.length - limit} more cluster(s)`);
    if (aside) lines.push(`Set aside: ${aside}.`);
  }
  const asideClusters = report.setAsideClusters ?? [];
  if (setAside && asideClusters.length) {
    lines.push('', 'Set aside (not leaks by the rules above):', '');
    asideClusters.slice(0, limit).forEach((c, i) => lines.push(...clusterLines(c, i + 1).map((l, j) => (j === 0 ? `${l} [${c.setAside}]` : l)), ''));
    if (asideClusters.length > limit) lines.push(`… ${asideClusters.length - limit} more set-aside cluster(s)`);
  } else if (aside) {
    lines.push(`(${asideClusters.length} set-aside cluster(s) listed with --set-aside; --min-count 1 reports one-offs as leaks)`);
  }
  // snapshot text (class, function, property and file names) made safe on a terminal
  return lines.map(printable).join('\n') + '\n';
}

module.exports = { diff, findLeaks, findLeaksSync, findGrowth, formatLeaks, asIdSet };
