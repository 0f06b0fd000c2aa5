'use strict';
// Number formatting shared by the CLI, reports and error messages.

function formatBytes(n) {
  const a = Math.abs(n);
  if (a < 1024) return `${n} B`;
  if (a < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (a < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

/** Parses "5MB", "10 kb", "1.5GB", "123" into bytes. */
function parseBytes(text) {
  const m = /^\s*([\d.]+)\s*([kmg]?i?b?)?\s*$/i.exec(String(text));
  if (!m) return NaN;
  const unit = (m[2] || '').toLowerCase().replace('i', '');
  const mult = { '': 1, b: 1, k: 1024, kb: 1024, m: 1 << 20, mb: 1 << 20, g: 1 << 30, gb: 1 << 30 }[unit];
  return mult === undefined ? NaN : Math.round(Number(m[1]) * mult);
}

module.exports = { formatBytes, parseBytes };
