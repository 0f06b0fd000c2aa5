'use strict';
/**
 * What Node was started with: looks a flag up in `process.execArgv` and `NODE_OPTIONS`.
 *
 * The capture helpers must know about Node's own diagnostic flags: `--heapsnapshot-signal`
 * (a second handler on the same signal would write two snapshots per signal),
 * `--heapsnapshot-near-heap-limit` (makes `v8.setHeapSnapshotNearHeapLimit` a silent no-op) and
 * `--diagnostic-dir` (where Node writes those files). Node accepts `_` for `-` inside flag
 * names and both `--flag=value` and `--flag value`; so do we. Worker threads see their parent's
 * execArgv unless given their own, which is what Node does too.
 */

/** Splits NODE_OPTIONS the way Node does for the cases that matter: whitespace, "double quotes". */
function splitNodeOptions(text) {
  const out = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m;
  while ((m = re.exec(text)) !== null) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

function normalize(arg) {
  const eq = arg.indexOf('=');
  const name = eq === -1 ? arg : arg.slice(0, eq);
  return { name: name.replace(/_/g, '-'), value: eq === -1 ? undefined : arg.slice(eq + 1) };
}

/**
 * The value of `--name` (last one wins), `true` if given without a value, or undefined.
 * `takesValue` says whether `--name X` consumes X.
 */
function nodeFlag(name, { takesValue = true, execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS } = {}) {
  const lists = [splitNodeOptions(nodeOptions || ''), execArgv || []];
  let found;
  for (const args of lists) {
    for (let i = 0; i < args.length; i++) {
      const { name: n, value } = normalize(args[i]);
      if (n !== name) continue;
      if (value !== undefined) found = value;
      else if (takesValue && i + 1 < args.length && !args[i + 1].startsWith('-')) found = args[++i];
      else found = true;
    }
  }
  return found;
}

module.exports = { nodeFlag };
