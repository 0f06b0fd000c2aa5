'use strict';
/**
 * Heap budgets for CI: one snapshot per run, compared with a committed file of per-class
 * object counts and retained sizes.
 *
 *     createBudget(snap, { file, minSize, top })  → budget (a plain, JSON-ready object)
 *     parseBudget(text, where)                     → budget, or throws ERR_HEAPSNAP_BUDGET
 *     checkBudget(budget, snap)                    → { ok, over, improved, checked, totals }
 *     updateBudget(budget, snap)                   → budget with today's numbers, the file's
 *                                                    tolerances and per-class overrides kept
 *
 * A figure is over budget when `actual > budget + max(budget × percent / 100, min)`: the
 * percentage absorbs proportional noise, the floor keeps tiny classes from flapping. Classes are
 * keyed by class name (a constructor's source location moves with every edit, its name does
 * not); the Summary rows of one name are added up. A class the budget does not list fails only
 * when it retains more than `tolerance.unlisted.retainedSize` (default 1 MB) — a new cache, say.
 */
const { codedError } = require('../errors.js');
const { formatBytes, printable } = require('../format.js');

const VERSION = 1;
const KIND = 'heapsnap-budget';

const DEFAULT_TOLERANCE = Object.freeze({
  count: { percent: 10, min: 100 },
  retainedSize: { percent: 10, min: 256 * 1024 },
  totalSize: { percent: 10, min: 1024 * 1024 },
  nodeCount: { percent: 10, min: 1000 },
  unlisted: { retainedSize: 1024 * 1024 },
});

/** Default figures for `createBudget`: classes retaining at least 100 KB, at most 200 of them. */
const DEFAULT_MIN_SIZE = 100 * 1024;
const DEFAULT_TOP = 200;

function budgetError(message, where) {
  return codedError('ERR_HEAPSNAP_BUDGET', where ? `${where}: ${message}` : message);
}

/** Summary rows merged by class name: Map name → { count, retainedSize }. */
function classTotals(snap) {
  const out = new Map();
  for (const r of snap.summary()) {
    const t = out.get(r.className);
    if (t) {
      t.count += r.count;
      t.retainedSize += r.retainedSize;
    } else out.set(r.className, { count: r.count, retainedSize: r.retainedSize });
  }
  return out;
}

function byRetained(a, b) {
  return b[1].retainedSize - a[1].retainedSize || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

function cloneTolerance(t) {
  return JSON.parse(JSON.stringify(t));
}

/** A fresh budget from one snapshot. */
function createBudget(snap, { file, minSize = DEFAULT_MIN_SIZE, top = DEFAULT_TOP, tolerance = DEFAULT_TOLERANCE } = {}) {
  const all = [...classTotals(snap)].sort(byRetained);
  const classes = {};
  for (const [name, t] of all.filter(([, t]) => t.retainedSize >= minSize).slice(0, top)) {
    Object.defineProperty(classes, name, { value: { count: t.count, retainedSize: t.retainedSize }, enumerable: true, writable: true, configurable: true });
  }
  const budget = {
    kind: KIND,
    version: VERSION,
    snapshot: file === undefined ? undefined : String(file),
    tolerance: cloneTolerance(tolerance),
    totals: { totalSize: snap.totalSize, nodeCount: snap.nodeCount },
    classes,
  };
  if (budget.snapshot === undefined) delete budget.snapshot;
  return budget;
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v) => Number.isSafeInteger(v) && v >= 0;

function checkTolerance(t, where) {
  if (t === undefined) return;
  if (!isObject(t)) throw budgetError('tolerance must be an object', where);
  for (const [k, v] of Object.entries(t)) {
    if (!Object.hasOwn(DEFAULT_TOLERANCE, k)) throw budgetError(`unknown tolerance '${k}' (known: ${Object.keys(DEFAULT_TOLERANCE).join(', ')})`, where);
    if (!isObject(v)) throw budgetError(`tolerance.${k} must be an object`, where);
    for (const [f, n] of Object.entries(v)) {
      if (!Object.hasOwn(DEFAULT_TOLERANCE[k], f)) throw budgetError(`unknown field tolerance.${k}.${f} (known: ${Object.keys(DEFAULT_TOLERANCE[k]).join(', ')})`, where);
      if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw budgetError(`tolerance.${k}.${f} must be a number ≥ 0`, where);
    }
  }
}

/** Parses and validates a budget file's text. */
function parseBudget(text, where = 'budget') {
  let b;
  try {
    b = JSON.parse(text);
  } catch (e) {
    throw budgetError(`not JSON (${e.message})`, where);
  }
  if (!isObject(b) || b.kind !== KIND) throw budgetError(`not a heap budget (expected "kind": "${KIND}"; write one with: heapsnap budget save FILE -o ${where})`, where);
  if (b.version !== VERSION) throw budgetError(`budget version ${JSON.stringify(b.version)} is not supported (this heapsnap reads version ${VERSION})`, where);
  checkTolerance(b.tolerance, where);
  if (!isObject(b.totals)) throw budgetError('"totals" must be an object', where);
  for (const k of ['totalSize', 'nodeCount']) {
    if (b.totals[k] !== undefined && !isCount(b.totals[k])) throw budgetError(`totals.${k} must be a whole number ≥ 0`, where);
  }
  if (!isObject(b.classes)) throw budgetError('"classes" must be an object (class name → { count, retainedSize })', where);
  for (const [name, c] of Object.entries(b.classes)) {
    const at = `classes[${JSON.stringify(name)}]`;
    if (!isObject(c)) throw budgetError(`${at} must be an object`, where);
    if (c.count === undefined && c.retainedSize === undefined) throw budgetError(`${at} needs count or retainedSize`, where);
    for (const k of ['count', 'retainedSize']) if (c[k] !== undefined && !isCount(c[k])) throw budgetError(`${at}.${k} must be a whole number ≥ 0`, where);
    checkTolerance(c.tolerance, `${where} ${at}`);
  }
  return b;
}

/** The tolerance for one metric: class override, then file, then default. */
function toleranceOf(budget, metric, override) {
  return { ...DEFAULT_TOLERANCE[metric], ...budget.tolerance?.[metric], ...override?.[metric] };
}

function allowedFor(budgeted, tol) {
  return budgeted + Math.max(Math.floor((budgeted * tol.percent) / 100), tol.min);
}

/**
 * Compares a snapshot with a budget. `over` lists every figure above its allowance (the
 * check fails), `improved` those now below the budget by more than the tolerance (a hint to
 * tighten it with --update).
 */
function checkBudget(budget, snap) {
  const actual = classTotals(snap);
  const over = [];
  const improved = [];
  const compare = (scope, name, metric, budgeted, value, override) => {
    if (budgeted === undefined) return;
    const tol = toleranceOf(budget, metric, override);
    const allowed = allowedFor(budgeted, tol);
    const row = { scope, name, metric, budget: budgeted, allowed, actual: value, delta: value - budgeted };
    if (value > allowed) over.push(row);
    else if (value < budgeted - Math.max(Math.floor((budgeted * tol.percent) / 100), tol.min)) improved.push(row);
  };
  compare('total', '(total)', 'totalSize', budget.totals.totalSize, snap.totalSize);
  compare('total', '(total)', 'nodeCount', budget.totals.nodeCount, snap.nodeCount);
  let checked = 0;
  for (const [name, c] of Object.entries(budget.classes)) {
    const a = actual.get(name) ?? { count: 0, retainedSize: 0 };
    checked++;
    compare('class', name, 'count', c.count, a.count, c.tolerance);
    compare('class', name, 'retainedSize', c.retainedSize, a.retainedSize, c.tolerance);
  }
  const unlisted = toleranceOf(budget, 'unlisted').retainedSize;
  for (const [name, a] of [...actual].sort(byRetained)) {
    if (Object.hasOwn(budget.classes, name)) continue;
    if (a.retainedSize <= unlisted) break;
    over.push({ scope: 'unlisted', name, metric: 'retainedSize', budget: 0, allowed: unlisted, actual: a.retainedSize, delta: a.retainedSize });
  }
  return {
    ok: over.length === 0,
    checked,
    totals: { totalSize: snap.totalSize, nodeCount: snap.nodeCount },
    over,
    improved,
  };
}

/**
 * Today's numbers in the file's frame: its tolerances and per-class overrides stay, every
 * listed class gets its current figures, and classes that now pass the selection of
 * `createBudget` are added.
 */
function updateBudget(budget, snap, { file, minSize = DEFAULT_MIN_SIZE, top = DEFAULT_TOP } = {}) {
  const fresh = createBudget(snap, { file, minSize, top, tolerance: budget.tolerance ?? DEFAULT_TOLERANCE });
  const actual = classTotals(snap);
  const classes = {};
  const put = (name, value) => Object.defineProperty(classes, name, { value, enumerable: true, writable: true, configurable: true });
  for (const [name, c] of Object.entries(budget.classes)) {
    const a = actual.get(name) ?? { count: 0, retainedSize: 0 };
    const next = {};
    if (c.count !== undefined) next.count = a.count;
    if (c.retainedSize !== undefined) next.retainedSize = a.retainedSize;
    if (c.tolerance !== undefined) next.tolerance = c.tolerance;
    put(name, next);
  }
  for (const [name, c] of Object.entries(fresh.classes)) if (!Object.hasOwn(classes, name)) put(name, c);
  const sorted = {};
  for (const name of Object.keys(classes).sort((a, b) => (classes[b].retainedSize ?? 0) - (classes[a].retainedSize ?? 0) || (a < b ? -1 : 1))) {
    Object.defineProperty(sorted, name, { value: classes[name], enumerable: true, writable: true, configurable: true });
  }
  const totals = {};
  for (const k of ['totalSize', 'nodeCount']) if (budget.totals[k] !== undefined) totals[k] = fresh.totals[k];
  return { ...budget, snapshot: fresh.snapshot ?? budget.snapshot, totals, classes: sorted };
}

function fmt(metric, n) {
  return metric === 'count' || metric === 'nodeCount' ? Number(n).toLocaleString('en-US') : formatBytes(n);
}

/** Human text for a check result. */
function formatCheck(result, { budgetFile, snapshotFile } = {}) {
  const lines = [];
  const head = `${printable(snapshotFile ?? 'snapshot')} against ${printable(budgetFile ?? 'budget')}: ${result.checked} class(es) and the totals checked`;
  if (result.ok) lines.push(`OK ${head}, all within budget.`);
  else {
    lines.push(`FAIL ${head}, ${result.over.length} over budget:`);
    const names = result.over.map((o) => printable(o.name)); // class names come from the snapshot
    const w = Math.min(60, Math.max(...names.map((n) => n.length)));
    for (const [i, o] of result.over.entries()) {
      const name = names[i].length > w ? names[i].slice(0, w - 1) + '…' : names[i].padEnd(w);
      const what = o.scope === 'unlisted' ? 'not in the budget, retains' : o.metric;
      lines.push(`  ${name}  ${what} ${fmt(o.metric, o.actual)} > allowed ${fmt(o.metric, o.allowed)} (budget ${fmt(o.metric, o.budget)}, ${o.delta >= 0 ? '+' : '−'}${fmt(o.metric, Math.abs(o.delta))})`);
    }
  }
  if (result.improved.length) lines.push(`${result.improved.length} figure(s) well under budget: tighten it with --update.`);
  return lines.join('\n') + '\n';
}

module.exports = { createBudget, parseBudget, checkBudget, updateBudget, formatCheck, DEFAULT_TOLERANCE, VERSION };
