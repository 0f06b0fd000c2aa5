'use strict';
// `heapsnap budget save|check`: a heap budget for CI, from one snapshot per run.
const fs = require('node:fs');
const { parse, run, json, UsageError } = require('./common.js');
const { parseBytes } = require('../format.js');
const budgets = require('../budget/index.js');

const HELP = `Usage: heapsnap budget save FILE [-o heap-budget.json] [--min-size SIZE] [--top N] [--json]
       heapsnap budget check BUDGET FILE [--update] [--json]

A heap budget records, from one snapshot, the object count and retained size of every class
that retains at least --min-size (default 100KB; at most --top classes, default 200) and
the heap's totals, with tolerances. Check a later snapshot against it in CI:

  save    writes the budget (atomically, mode 0600); edit its "tolerance" (file-wide) or a
          class's own "tolerance" to loosen or tighten a figure: a figure fails when
          actual > budget + max(budget × percent / 100, min). A class the budget does not
          list fails when it retains more than tolerance.unlisted.retainedSize (1MB).
  check   exit 1 and the classes over budget; 0 when everything is within it
          --update   rewrite the budget with this snapshot's figures (keeps the tolerances
                     and per-class overrides) and exit 0
  --json  the result as JSON

Exit codes: 0 within budget (or saved/updated), 1 over budget, 2 bad usage or input.

Examples:
  heapsnap budget save after-tests.heapsnapshot -o heap-budget.json
  heapsnap budget check heap-budget.json after-tests.heapsnapshot
  heapsnap budget check heap-budget.json after-tests.heapsnapshot --json
`;

async function openSnapshot(file) {
  const { HeapSnapshot } = require('../snapshot.js');
  return HeapSnapshot.open(file);
}

function readBudget(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw Object.assign(new Error(`cannot read budget '${file}': ${e.code === 'ENOENT' ? 'no such file' : e.message}`), { code: 'ERR_HEAPSNAP_BUDGET' });
  }
  return budgets.parseBudget(text, file);
}

async function writeBudget(file, budget) {
  const { AtomicFile } = require('../fs.js');
  const out = new AtomicFile(file, { what: 'heap budget' });
  out.write(JSON.stringify(budget, null, 2) + '\n');
  return out.commit();
}

function sizeOption(value, name) {
  if (value === undefined) return undefined;
  const n = parseBytes(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${name}: not a size: ${value}`);
  return n;
}

function countOption(value, name) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${name} must be a whole number ≥ 1`);
  return n;
}

async function save(args, io) {
  const { values, positionals } = parse(
    args,
    { output: { type: 'string', short: 'o' }, 'min-size': { type: 'string' }, top: { type: 'string' } },
    { min: 1, max: 1 },
  );
  if (values.help) return io.stdout.write(HELP), 0;
  const minSize = sizeOption(values['min-size'], '--min-size');
  const top = countOption(values.top, '--top');
  const output = values.output ?? 'heap-budget.json';
  const snap = await openSnapshot(positionals[0]);
  let budget;
  try {
    budget = budgets.createBudget(snap, { file: require('node:path').basename(positionals[0]), minSize, top });
  } finally {
    snap.dispose();
  }
  await writeBudget(output, budget);
  const classes = Object.keys(budget.classes).length;
  if (values.json) json(io, { output, classes, totals: budget.totals });
  else io.stdout.write(`${output}: ${classes} class(es) and the totals, from ${positionals[0]}\n`);
  return 0;
}

async function check(args, io) {
  const { values, positionals } = parse(args, { update: { type: 'boolean' }, 'min-size': { type: 'string' }, top: { type: 'string' } }, { min: 2, max: 2 });
  if (values.help) return io.stdout.write(HELP), 0;
  const [budgetFile, snapFile] = positionals;
  const minSize = sizeOption(values['min-size'], '--min-size');
  const top = countOption(values.top, '--top');
  const budget = readBudget(budgetFile);
  const snap = await openSnapshot(snapFile);
  let result, next;
  try {
    result = budgets.checkBudget(budget, snap);
    if (values.update) next = budgets.updateBudget(budget, snap, { file: require('node:path').basename(snapFile), minSize, top });
  } finally {
    snap.dispose();
  }
  if (next) await writeBudget(budgetFile, next);
  if (values.json) json(io, { budget: budgetFile, snapshot: snapFile, ...result, updated: Boolean(next) });
  else {
    io.stdout.write(budgets.formatCheck(result, { budgetFile, snapshotFile: snapFile }));
    if (next) io.stdout.write(`Updated ${budgetFile} with these figures.\n`);
  }
  return result.ok || next ? 0 : 1;
}

async function main(args, io) {
  return run(io, HELP, async () => {
    const [sub, ...rest] = args;
    if (sub === 'save') return save(rest, io);
    if (sub === 'check') return check(rest, io);
    if (sub === '--help' || sub === '-h' || sub === 'help') return io.stdout.write(HELP), 0;
    throw new UsageError(sub === undefined ? 'budget needs a subcommand: save or check' : `unknown budget subcommand '${sub}' (save or check)`);
  });
}

module.exports = { main, HELP };
