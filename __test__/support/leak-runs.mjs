// Small programs for the leak-answer tests: each is written to a temp dir and run in its own
// process, which writes its snapshots there.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes `source` to DIR/name and runs it with DIR as its argument; returns the script path. */
export function run(dir, name, source) {
  const file = join(dir, name);
  writeFileSync(file, source);
  execFileSync(process.execPath, [file, dir], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
  return file;
}

/** The baseline/target/final files a program wrote to DIR. */
export const three = (dir) => ({
  baseline: join(dir, 'baseline.heapsnapshot'),
  target: join(dir, 'target.heapsnapshot'),
  final: join(dir, 'final.heapsnapshot'),
});

/** 1-based line of the first line of `file` containing `text`. */
export function lineOf(file, text) {
  const i = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `${text} in ${file}`);
  return i + 1;
}

/** A program's prelude: `snap(name)` writes DIR/name.heapsnapshot. */
export const SNAP = `const v8 = require('v8'); const path = require('path');
const snap = (n) => v8.writeHeapSnapshot(path.join(process.argv[2], n + '.heapsnapshot'));
`;
