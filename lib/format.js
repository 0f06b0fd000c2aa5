'use strict';
/**
 * The one byte formatter, and its inverse for command-line sizes; distances as DevTools shows them.
 *
 * One unit system everywhere (CLI tables, messages, reports, assertions): binary multiples
 * written KB, MB, GB — 1 KB = 1024 bytes, 1 MB = 1024 KB, 1 GB = 1024 MB, the way memory is
 * counted (and the way `--max-old-space-size` counts). `parseBytes` reads the same units, and
 * accepts the IEC spellings (KiB, MiB, GiB) as the same numbers.
 */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/**
 * `formatBytes(1536)` → "1.5 KB". Below 1 KB: whole bytes; KB and MB with one decimal, GB and
 * above with two. `{ unit: 'MB', digits: 0 }` forces a unit and a number of decimals.
 */
function formatBytes(n, { unit, digits } = {}) {
  if (!Number.isFinite(n)) return String(n);
  let i = unit ? UNITS.indexOf(unit) : 0;
  if (i < 0) throw new RangeError(`unknown unit ${unit}`);
  if (!unit) while (i < UNITS.length - 1 && Math.abs(n) >= 1024 ** (i + 1)) i++;
  if (i === 0) return `${n} B`;
  return `${(n / 1024 ** i).toFixed(digits ?? (i >= 3 ? 2 : 1))} ${UNITS[i]}`;
}

/**
 * A distance as DevTools shows it: the number when a user root (a global, the stack) reaches the
 * object, "−" when only V8's system roots do, or nothing. Takes anything with `distance` and
 * `reachability` (a node, a Summary row); `format` writes the number.
 */
function formatDistance(item, format = String) {
  return item && item.reachability === 'user' ? format(item.distance) : '−';
}

/** Parses "5MB", "10 kb", "1.5GiB", "123" into bytes; NaN for anything else. */
function parseBytes(text) {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([kmgt]?)(i?)(b?)\s*$/i.exec(String(text));
  if (!m || (m[3] && !m[2])) return NaN;
  return Math.round(Number(m[1]) * 1024 ** ('_kmgt'.indexOf((m[2] || '_').toLowerCase()) || 0));
}

/**
 * Text from a snapshot (class names, strings, property names, file names) made safe to print on
 * a terminal: C0 and C1 control characters, DEL and the bidirectional overrides become visible
 * escapes (`\x1b[2J` prints as the six characters `\x1b[2J`, a carriage return as `\r`, a newline
 * as `\n`), so a crafted snapshot cannot move the cursor, recolour, clear the screen or fake a
 * line. Everything else, backslashes included, is left as it is. JSON output never goes through
 * this: it stays exact. (The CLI reaches it as `printable` in lib/cli/common.js.)
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function printable(text) {
  return String(text).replace(UNPRINTABLE, (c) => {
    if (NAMED[c]) return NAMED[c];
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * `server.js:42` for a source location `{ scriptId, url, line, column }` (the script's file
 * name and its 1-based line; Node's own modules whole, `node:events:219`), '' for none.
 */
function shortLocation(loc) {
  if (!loc) return '';
  const url = loc.url || '';
  let file = url ? url.split(/[?#]/)[0] : `script #${loc.scriptId}`;
  if (url && !url.startsWith('node:')) file = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1) || url;
  return `${file}:${loc.line}`;
}

module.exports = { formatBytes, formatDistance, parseBytes, printable, shortLocation };
