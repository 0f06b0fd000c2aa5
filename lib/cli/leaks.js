'use strict';
// `heapsnap leaks BASELINE TARGET FINAL`: leak clusters with retainer paths; CI gates.
const { findLeaks, formatLeaks } = require('../leaks.js');
const { defineCommand, UsageError, count, size, formatBytes } = require('./common.js');

/** `--max-retained` takes "2MB" (all leaks) or "Session=10MB" (one class). */
function retainedLimit(text, flag) {
  const m = /^(?:(.+)=)?([^=]+)$/.exec(text);
  if (!m) throw new UsageError(`${flag} must be SIZE or CLASS=SIZE, got '${text}'`);
  return { className: m[1], bytes: size(m[2], flag) };
}

module.exports = defineCommand({
  name: 'leaks',
  summary: 'leak clusters with retainer paths (BASELINE TARGET FINAL)',
  usage: 'BASELINE TARGET FINAL',
  files: { min: 3, max: 3 },
  description: `
Objects allocated after BASELINE, alive in TARGET and still alive in FINAL (after the
action was undone) are leaks. They are grouped by the shape of the path that keeps
them alive, ranked by retained size, and named after what leaked, where it is defined
and who holds it.

A leak repeats: objects allocated fewer than --min-count times apart (the first
console.log creating process.stdout, a module loaded lazily, a cache filled once) are
set aside as one-off, and so are objects only Node's own state holds; the report says
how many were set aside and why (--set-aside lists them).`,
  options: {
    'fail-on-leak': { type: 'boolean', description: 'exit 1 when any leak is found' },
    'max-retained': {
      type: 'string',
      value: 'SPEC',
      multiple: true,
      parse: retainedLimit,
      description: 'exit 1 when leaks retain more than SPEC: a size ("2MB") or\nper class ("Session=10MB")',
    },
    'ignore-class': { type: 'string', value: 'NAME', multiple: true, description: 'never report this class' },
    'include-system': { type: 'boolean', description: "also report objects only V8's system roots reach" },
    'min-count': {
      type: 'string',
      value: 'N',
      parse: count,
      description: 'a leak must have been allocated at least N times apart\n(default 5); fewer is one-off, set aside and listed',
    },
    actions: {
      type: 'string',
      value: 'N',
      parse: count,
      description: 'how many actions ran between BASELINE and TARGET:\n--min-count becomes max(2, N/2 rounded up)',
    },
    'set-aside': { type: 'boolean', description: 'also list the clusters set aside (one-off, Node-internal)' },
    limit: { type: 'string', value: 'N', parse: count, default: 10, description: 'clusters shown' },
  },
  examples: [
    'heapsnap leaks base.heapsnapshot target.heapsnapshot final.heapsnapshot',
    'heapsnap leaks b.heapsnapshot t.heapsnapshot f.heapsnapshot --fail-on-leak --json',
  ],
  async run({ values, positionals: [baseline, target, final], out, json, progress }) {
    const report = await findLeaks(
      { baseline, target, final },
      {
        ignoreClasses: values['ignore-class'],
        includeSystem: values['include-system'],
        minCount: values['min-count'],
        actions: values.actions,
        onProgress: progress('reading'),
      },
    );
    const violations = [];
    if (values['fail-on-leak'] && report.clusters.length) violations.push(`${report.totals.topLevel} leaked object(s)`);
    for (const l of values['max-retained'] ?? []) {
      const retained = l.className
        ? report.clusters.filter((c) => c.className === l.className).reduce((s, c) => s + c.retainedSize, 0)
        : report.totals.retainedSize;
      if (retained > l.bytes) violations.push(`${l.className ?? 'leaks'} retain ${formatBytes(retained)} > ${formatBytes(l.bytes)}`);
    }
    if (values.json) {
      json({ ...report, failed: violations.length > 0, violations });
    } else {
      out(formatLeaks(report, { limit: values.limit, setAside: values['set-aside'] }));
      for (const v of violations) out(`FAIL: ${v}\n`);
    }
    return violations.length ? 1 : 0;
  },
});
