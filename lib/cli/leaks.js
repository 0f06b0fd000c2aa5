'use strict';
// `heapsnap leaks BASELINE TARGET FINAL`: leak clusters with retainer paths; CI gates.
const { parse, run, json, formatBytes, UsageError } = require('./common.js');
const { parseBytes } = require('../format.js');

const HELP = `Usage: heapsnap leaks BASELINE TARGET FINAL [options]

Objects allocated after BASELINE, alive in TARGET and still alive in FINAL (after the
action was undone) are leaks. They are grouped by the shape of the path that keeps
them alive, ranked by retained size.

  --fail-on-leak            exit 1 when any leak is found
  --max-retained SPEC       exit 1 when leaks retain more than SPEC: a size ("2MB") or
                            per class ("Session=10MB", repeatable)
  --ignore-class NAME       never report this class (repeatable)
  --include-system          also report objects only V8's system roots reach
  --limit N                 clusters shown (default 10)
  --json                    the findLeaks() result as JSON

Examples:
  heapsnap leaks base.heapsnapshot target.heapsnapshot final.heapsnapshot
  heapsnap leaks b.heapsnapshot t.heapsnapshot f.heapsnapshot --fail-on-leak --json
`;

async function main(args, io) {
  return run(io, HELP, async () => {
    const { values, positionals } = parse(
      args,
      {
        'fail-on-leak': { type: 'boolean' },
        'max-retained': { type: 'string', multiple: true },
        'ignore-class': { type: 'string', multiple: true },
        'include-system': { type: 'boolean' },
        limit: { type: 'string' },
      },
      { min: 3, max: 3 },
    );
    if (values.help) return io.stdout.write(HELP), 0;
    const limits = (values['max-retained'] ?? []).map((spec) => {
      const m = /^(?:(.+)=)?(.+)$/.exec(spec);
      const bytes = parseBytes(m[2]);
      if (Number.isNaN(bytes)) throw new UsageError(`--max-retained: not a size: ${spec}`);
      return { className: m[1], bytes };
    });
    const { findLeaks, formatLeaks } = require('../../index.js');
    const [baseline, target, final] = positionals;
    const report = await findLeaks(
      { baseline, target, final },
      { ignoreClasses: values['ignore-class'], includeSystem: values['include-system'] },
    );
    const violations = [];
    if (values['fail-on-leak'] && report.clusters.length) violations.push(`${report.totals.topLevel} leaked object(s)`);
    for (const l of limits) {
      const retained = l.className
        ? report.clusters.filter((c) => c.className === l.className).reduce((s, c) => s + c.retainedSize, 0)
        : report.totals.retainedSize;
      if (retained > l.bytes) violations.push(`${l.className ?? 'leaks'} retain ${formatBytes(retained)} > ${formatBytes(l.bytes)}`);
    }
    if (values.json) {
      json(io, { ...report, failed: violations.length > 0, violations });
    } else {
      io.stdout.write(formatLeaks(report, { limit: values.limit ? Number(values.limit) : 10 }));
      for (const v of violations) io.stdout.write(`FAIL: ${v}\n`);
    }
    return violations.length ? 1 : 0;
  });
}

module.exports = { main, HELP };
