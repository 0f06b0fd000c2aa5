'use strict';
// What every benchmark child shares: a monotonic clock, and the one line of JSON it hands back.
// The parent (bench.mjs) reads the last stdout line that starts with MARKER, so a tool that
// prints progress on stdout cannot corrupt the result.

const MARKER = '@@HEAPSNAP_BENCH ';

const now = () => Number(process.hrtime.bigint()) / 1e6; // milliseconds

/** Times one call (sync or async); returns [result, ms]. */
async function timed(fn) {
  const t0 = now();
  const value = await fn();
  return [value, now() - t0];
}

/**
 * Prints the result with the peak RSS of this process (process.resourceUsage().maxRSS, KiB on
 * every platform Node supports) and exits, so lingering handles in a tool cannot keep it alive.
 */
function report(result) {
  const maxRssKiB = process.resourceUsage().maxRSS;
  const line = MARKER + JSON.stringify({ ...result, node: process.version, maxRssBytes: maxRssKiB * 1024 }) + '\n';
  process.stdout.write(line, () => process.exit(0));
}

function fail(error) {
  const line = MARKER + JSON.stringify({ error: String((error && error.stack) || error), node: process.version,
    maxRssBytes: process.resourceUsage().maxRSS * 1024 }) + '\n';
  process.stdout.write(line, () => process.exit(1));
}

module.exports = { MARKER, now, timed, report, fail };
