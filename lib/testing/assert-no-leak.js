'use strict';
/**
 * `assertNoLeak(fn, options)`: fails when calling `fn` repeatedly leaves objects behind in a
 * number that grows with the number of calls.
 *
 *   warmup × fn      fills one-time caches, compiles, loads modules lazily
 *   round 1: N × fn  the objects it leaves alive are the candidates
 *   round 2: N × fn  gives round 1's temporaries time to die: "keep the last result" caches,
 *                    pending timers and promise chains started in round 1 end here
 *
 * Rule: a leak is a cluster of round-1 objects still alive after round 2 (same class, same
 * retainer path shape) holding at least half as many objects as there were calls,
 * `count >= max(2, ceil(N / 2))`. What leaks per call shows N; what leaks every other call
 * N/2. What is not a leak does not scale with N: a lazy cache filled during warmup is not a
 * candidate at all; a value cached once (a "last result") is one object, not N; temporaries
 * are collected before the end.
 *
 * Two stages (see screen.js and exact.js):
 *   1. the screen: V8's sampling heap profiler records every allocation of the two rounds; no
 *      heap snapshot. When few round-1 (or round-2) objects survive, the function passes: the
 *      common case, in tens of milliseconds.
 *   2. otherwise the exact measurement: two more rounds bounded by heap-object-id walks, then ONE
 *      heap snapshot; the surviving round-1 objects are filtered by the leak rules `findLeaks`
 *      applies (V8 internals, objects only the system holds, objects owned by another leaked
 *      object), clustered by retainer path and counted. Only this stage fails a function, and
 *      its message names the class, the path that holds the objects and where they were
 *      allocated (from the allocation stacks the screen sampled).
 * For a given program the verdict is the same on every run (the tests run it 50 times).
 */
const { formatBytes } = require('../format.js');
const { validateFunction, validateObject, validateNumber, validateBoolean, validateAbortSignal, invalidArgType, invalidArgValue } = require('../errors.js');
const { LeakError } = require('./leak-error.js');
const { classFilter } = require('./class-filter.js');
const { Guard, runAsync, runSync } = require('./guard.js');
const { screen } = require('./screen.js');
const { measureExactly } = require('./exact.js');
const sampling = require('./sampling.js');

const MAX_CALLS = 10_000;

/** An integer in [min, MAX_CALLS]: a number that is not one is a bad value (ERR_INVALID_ARG_VALUE). */
function callCount(value, name, min) {
  if (typeof value !== 'number') throw invalidArgType(name, 'a number', value);
  if (!Number.isInteger(value) || value < min || value > MAX_CALLS) {
    throw invalidArgValue(name, value, `must be an integer from ${min} to ${MAX_CALLS}`);
  }
  return value;
}

/** The minimum cluster count that counts as a leak for `iterations` calls. */
function leakThreshold(iterations) {
  return Math.max(2, Math.ceil(iterations / 2));
}

/** `file:LINE` of a source location, `null` for Node's own code (not what a user looks for). */
function where(location) {
  if (!location?.url || location.url.startsWith('node:')) return null;
  return `${location.url.replace(/^file:\/\//, '')}:${location.line}`;
}

function leakMessage(leaks, iterations) {
  const n = leaks.length;
  const lines = [
    `${n} class${n === 1 ? '' : 'es'} leaked: objects created by ${iterations} calls are still alive after ${iterations} more calls`,
  ];
  for (const l of leaks) {
    const per = Number.isInteger(l.perIteration) ? String(l.perIteration) : l.perIteration.toFixed(2);
    lines.push(`  ${l.className}: ${per} per iteration (${l.count} objects), retaining ${formatBytes(l.retainedSize)}`);
    // What leaked as the program names it (a listener's function name), and the variable or
    // property nearest to it that the program owns (with its module).
    const what = l.name && l.name !== l.className ? `${l.name}, ` : '';
    const defined = where(l.location);
    if (l.holder) {
      lines.push(`    ${what}held by ${l.holder.text}`);
    } else if (what) {
      lines.push(`    ${what.slice(0, -2)}${defined ? ` (${defined})` : ''}`);
    }
    if (l.allocatedAt) lines.push(`    allocated in ${l.allocatedAt.text}`);
    else if (defined) lines.push(`    allocated by ${l.name || l.className}, defined at ${defined}`);
    lines.push(`    ${l.holder?.path || l.path}`);
  }
  return lines.join('\n');
}

function allocationSiteOf(cluster, survivors) {
  const sizes = new Set(cluster.sampleSizes);
  const bySite = new Map();
  for (const s of survivors) {
    if (!sizes.has(s.size)) continue;
    const site = sampling.allocationSite(s.stack);
    if (!site) continue;
    const entry = bySite.get(site.text) ?? { site, count: 0 };
    entry.count++;
    bySite.set(site.text, entry);
  }
  let best = null;
  for (const entry of bySite.values()) if (!best || entry.count > best.count) best = entry;
  return best ? best.site : null;
}

/**
 * The verdict on a findLeaks report of round-1 survivors (asked with the 'assertion' profile,
 * whose rules already dropped what is not a JS heap object a function made, and V8's template
 * caches): the clusters of classes not ignored are the candidates, and those at or above the
 * threshold the leaks. `survivors` (allocation samples) name where each was allocated.
 */
function judge(report, { iterations, ignored, survivors = [] }) {
  const threshold = leakThreshold(iterations);
  const candidates = report.clusters
    .filter((c) => !ignored(c.className))
    .map((c) => ({
      className: c.className,
      count: c.count,
      perIteration: Math.round((c.count / iterations) * 100) / 100,
      retainedSize: c.retainedSize,
      shallowSize: c.shallowSize,
      objects: c.objects,
      name: c.name,
      location: c.location ?? null,
      holder: c.holder ?? null,
      path: c.path.text,
      pathSteps: c.path.steps,
      sampleIds: c.sampleIds,
      allocatedAt: c.sampleSizes ? allocationSiteOf(c, survivors) : null,
    }));
  return { candidates, leaks: candidates.filter((c) => c.count >= threshold) };
}

/** Validated options of assertNoLeak (and of the matchers). */
function noLeakOptions(fn, options, { sync = false } = {}) {
  validateFunction(fn, 'fn');
  validateObject(options, 'options');
  const o = {
    iterations: callCount(options.iterations ?? 10, 'options.iterations', 2),
    warmup: callCount(options.warmup ?? 2, 'options.warmup', 0),
    ignored: classFilter(options.ignore),
    signal: options.signal,
    timeout: options.timeout,
    screen: options.screen ?? true,
  };
  validateAbortSignal(o.signal);
  validateBoolean(o.screen, 'options.screen');
  if (o.timeout !== undefined) {
    if (sync) throw invalidArgValue('options.timeout', o.timeout, 'cannot interrupt a synchronous check (use the asynchronous form)');
    validateNumber(o.timeout, 'options.timeout', 1, 2 ** 31 - 1);
  }
  return o;
}

/** The steps of assertNoLeak (guard.js), for the asynchronous and the synchronous run. */
function* noLeakSteps(fn, o, guard, stackStart) {
  const { iterations, warmup, ignored } = o;
  const threshold = leakThreshold(iterations);
  const started = performance.now();
  const result = (method, leaks, candidates, extra) => ({
    iterations,
    warmup,
    threshold,
    method,
    leaks,
    candidates,
    ...extra,
    durationMs: performance.now() - started,
  });
  guard.check();
  sampling.preventFolding();
  yield* guard.repeat(fn, warmup);
  for (let i = 0; i < 3; i++) yield* guard.turn();

  const screened = o.screen ? yield* screen(fn, { iterations, threshold, guard }) : { verdict: 'skipped' };
  if (screened.verdict === 'clean') return result('screen', [], [], { screen: screened });

  const { report } = yield* measureExactly(fn, { iterations, guard });
  const { survivors, ...screenReport } = screened;
  const { candidates, leaks } = judge(report, { iterations, ignored, survivors });
  const out = result('snapshot', leaks, candidates, { screen: screenReport });
  if (leaks.length) {
    const err = new LeakError(leakMessage(leaks, iterations), { kind: 'assertNoLeak', ...out });
    Error.captureStackTrace?.(err, stackStart);
    throw err;
  }
  return out;
}

/**
 * @param {() => unknown | Promise<unknown>} fn
 * @param {{ iterations?: number, warmup?: number, ignore?: string | RegExp | Array<string | RegExp>, signal?: AbortSignal, timeout?: number, screen?: boolean }} [options]
 */
async function assertNoLeak(fn, options = {}) {
  const o = noLeakOptions(fn, options);
  const guard = new Guard({ signal: o.signal, timeout: o.timeout, what: 'assertNoLeak' });
  try {
    return await runAsync(noLeakSteps(fn, o, guard, assertNoLeak));
  } finally {
    guard.dispose();
  }
}

/**
 * `assertNoLeak` for a synchronous `fn`, run synchronously (the `toLeak` matcher): no promise,
 * no event-loop turn between the rounds, so work `fn` schedules (timers, promise callbacks) does
 * not run meanwhile and counts as kept. `fn` returning a promise is an error.
 */
function assertNoLeakSync(fn, options = {}) {
  const o = noLeakOptions(fn, options, { sync: true });
  const guard = new Guard({ signal: o.signal, what: 'assertNoLeak', sync: true });
  return runSync(noLeakSteps(fn, o, guard, assertNoLeakSync));
}

module.exports = { assertNoLeak, assertNoLeakSync, judge };
