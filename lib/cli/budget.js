'use strict';
// `heapsnap budget save|check`: a heap budget for CI, from one snapshot per run.
const fs = require('node:fs');
const path = require('node:path');
const { HeapSnapshot } = require('../snapshot.js');
const { writeWhole } = require('../fs.js');
const budgets = require('../budget/index.js');
const { defineCommand, positive, size } = require('./common.js');

function readBudget(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw Object.assign(new Error(`cannot read budget '${file}': ${e.code === 'ENOENT' ? 'no such file' : e.message}`), { code: 'ERR_HEAPSNAP_BUDGET' });
  }
  return budgets.parseBudget(text, file);
}

function writeBudget(file, budget) {
  return writeWhole(file, JSON.stringify(budget, null, 2) + '\n', { what: 'the heap budget' });
}

const SELECTION = {
  'min-size': { type: 'string', value: 'SIZE', parse: size, description: 'record classes that retain at least SIZE (default 100KB)' },
  top: { type: 'string', value: 'N', parse: positive, description: 'record at most N classes (default 200)' },
};

module.exports = defineCommand({
  name: 'budget',
  summary: 'heap budget for CI (save FILE | check BUDGET FILE)',
  description: `
A heap budget records, from one snapshot, the object count and retained size of every class
that retains at least --min-size (default 100KB; at most --top classes, default 200) and
the heap's totals, with tolerances. Check a later snapshot against it in CI:

  save    writes the budget (atomically, mode 0600); edit its "tolerance" (file-wide) or a
          class's own "tolerance" to loosen or tighten a figure: a figure fails when
          actual > budget + max(budget × percent / 100, min). A class the budget does not
          list fails when it retains more than tolerance.unlisted.retainedSize (1MB).
  check   exit 1 and the classes over budget; 0 when everything is within it; --update
          rewrites the budget with this snapshot's figures (keeps the tolerances and
          per-class overrides) and exits 0`,
  examples: [
    'heapsnap budget save after-tests.heapsnapshot -o heap-budget.json',
    'heapsnap budget check heap-budget.json after-tests.heapsnapshot',
    'heapsnap budget check heap-budget.json after-tests.heapsnapshot --json',
  ],
  exitCodes: 'Exit codes: 0 within budget (or saved/updated), 1 over budget, 2 bad usage or input.',
  subcommands: {
    save: {
      usage: 'FILE',
      files: { min: 1, max: 1 },
      options: {
        output: { type: 'string', short: 'o', value: 'FILE', default: 'heap-budget.json', description: 'where to write the budget' },
        ...SELECTION,
      },
      async run({ values, positionals: [file], out, json, progress }) {
        const snap = await HeapSnapshot.open(file, { onProgress: progress('reading') });
        let budget;
        try {
          budget = budgets.createBudget(snap, { file: path.basename(file), minSize: values['min-size'], top: values.top });
        } finally {
          snap.dispose();
        }
        await writeBudget(values.output, budget);
        const classes = Object.keys(budget.classes).length;
        if (values.json) json({ output: values.output, classes, totals: budget.totals });
        else out(`${values.output}: ${classes} class(es) and the totals, from ${file}\n`);
        return 0;
      },
    },
    check: {
      usage: 'BUDGET FILE',
      positionals: { min: 2, max: 2 },
      options: {
        update: { type: 'boolean', description: "rewrite the budget with this snapshot's figures and exit 0" },
        ...SELECTION,
      },
      async run({ values, positionals: [budgetFile, snapFile], out, json, progress }) {
        const budget = readBudget(budgetFile);
        const snap = await HeapSnapshot.open(snapFile, { onProgress: progress('reading') });
        let result, next;
        try {
          result = budgets.checkBudget(budget, snap);
          if (values.update) next = budgets.updateBudget(budget, snap, { file: path.basename(snapFile), minSize: values['min-size'], top: values.top });
        } finally {
          snap.dispose();
        }
        if (next) await writeBudget(budgetFile, next);
        if (values.json) json({ budget: budgetFile, snapshot: snapFile, ...result, updated: Boolean(next) });
        else {
          out(budgets.formatCheck(result, { budgetFile, snapshotFile: snapFile }));
          if (next) out(`Updated ${budgetFile} with these figures.\n`);
        }
        return result.ok || next ? 0 : 1;
      },
    },
  },
});
