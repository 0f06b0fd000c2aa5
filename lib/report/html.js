'use strict';
/**
 * The self-contained HTML report: one file that opens anywhere, offline, with no network at
 * all (inline CSS, inline JS, inline SVG, system fonts).
 *
 *     renderReport(data, { title, redact }) → string
 *       data: { files: string[], snapshot: { nodeCount, edgeCount, totalSize }, summary,
 *               statistics, diff?, leaks? }
 *
 * Shape: a `redact` pass first turns `data` into a safe copy, then pure functions turn each part
 * into HTML. Only fields named here are ever rendered (an allow-list, not a deny-list), and no
 * data is embedded as JSON, so anything the engine adds later cannot leak into a report by
 * accident. Every string goes through `esc()`; class names contain `<`, `&` and quotes.
 *
 * What `redact: true` hides (issue 7: reports that leave the machine). Each hidden string is
 * replaced by `‹redacted len=N sha256=xxxxxxxx›` (length in UTF-16 units, first 8 hex digits of
 * its SHA-256), so equal values can still be matched across a report without being shown:
 *   - node names in leak retainer paths (`node.name`: string contents, object previews,
 *     function names), except where the name is empty or the class name itself;
 *   - edge names in leak paths that look like data rather than code: property/context/internal
 *     names that are not short identifiers (see `looksLikeCode`); element indices are kept;
 *   - keys in shape class names (`{a, b}`) that look like data, wherever the class is shown;
 *   - the free-text `path.text` (the chain is rebuilt from the redacted steps instead);
 *   - directories in file names (only the base name is kept).
 * Kept: class names such as `Object`, `Array`, `(string)`, `Leaky`, numbers, sizes, object ids.
 * Caveat: an unsalted 8-hex SHA-256 prefix of a short or guessable secret can be brute-forced;
 * the hash is there to correlate values, not to protect weak ones.
 */
const crypto = require('node:crypto');
const path = require('node:path');
const { formatBytes, formatDistance, shortLocation } = require('../format.js');

const TOP_CLASSES = 25;
const TOP_GROWTH = 20;
const MAX_TABLE_ROWS = 1000;

// ---------------------------------------------------------------------------------------------
// Escaping and formatting

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function esc(v) {
  return String(v).replace(/[&<>"']/g, (c) => ESC[c]);
}

function num(n) {
  return Number(n).toLocaleString('en-US');
}

function signed(n, fmt = num) {
  return n > 0 ? `+${fmt(n)}` : n < 0 ? `−${fmt(-n)}` : fmt(0);
}

function pct(part, whole) {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '—';
}

// ---------------------------------------------------------------------------------------------
// Redaction

function redactedMarker(s) {
  const str = String(s);
  const hash = crypto.createHash('sha256').update(str, 'utf8').digest('hex').slice(0, 8);
  return `‹redacted len=${str.length} sha256=${hash}›`;
}

/**
 * Whether a property/variable name reads as program structure rather than data: a JS
 * identifier, or a lower-case kebab-case word (`user-agent`), of at most 32 characters with at
 * most 2 digits (so `headers`, `_events`, `x2`, `content-type` pass; `sk_live_SECRET123`,
 * `user_48213`, `a@b.c`, `/api/x`, UUIDs do not). A heuristic: it errs on the side of hiding.
 */
function looksLikeCode(name) {
  const s = String(name);
  if (s.length > 32) return false;
  if (!/^[A-Za-z_$][\w$]*$/.test(s) && !/^[a-z][a-z0-9]*(-[a-z0-9]+)+$/.test(s)) return false;
  return (s.match(/\d/g) || []).length <= 2;
}

/** `{a, b, …}` shape class names: keeps code-like keys, hides the rest. Other names unchanged. */
function redactClassName(name) {
  const s = String(name);
  const m = /^\{(.*)\}$/s.exec(s);
  if (!m) return s;
  const keys = m[1].split(', ').map((k) => (k === '…' || k === '...' || looksLikeCode(k) ? k : redactedMarker(k)));
  return `{${keys.join(', ')}}`;
}

function redactEdgeName(type, name) {
  if (/^\d+$/.test(String(name))) return String(name); // element / hidden indices
  return looksLikeCode(name) ? String(name) : redactedMarker(name);
}

/**
 * DevTools' edge label (mirrors heapsnap-core's `edge_label`) built from a (redacted) `name`;
 * the bracket form is chosen on the original name, which a marker replaces.
 */
function edgeLabel(type, name, original = name) {
  switch (type) {
    case 'element':
      return `[${name}]`;
    case 'property':
    case 'shortcut':
      return String(original).includes(' ') ? `["${name}"]` : `.${name}`;
    case 'context':
      return `->${name}`;
    case 'weak':
      return `[[${name}]]`;
    default:
      return `{${name}}`;
  }
}

/** A phrase built from code names (`'tick' listeners on bus (EventEmitter) ← server.js`): kept
 * when each of its words looks like code or a file name, else hidden whole. */
function redactPhrase(text) {
  const words = String(text).match(/[^\s'()←→:,]+/g) ?? [];
  return words.every((w) => looksLikeCode(w) || /^[\w$.-]+\.[cm]?[jt]sx?$/.test(w) || /^node:[\w/]+$/.test(w) || /^\d+$/.test(w)) ? String(text) : redactedMarker(text);
}

function redactNode(node) {
  const className = redactClassName(node.className);
  const name = node.name ?? '';
  const keep = name === '' || name === node.className;
  return { id: node.id, type: node.type, className, name: keep ? (name && className) : redactedMarker(name) };
}

function redactData(data) {
  const out = {
    files: (data.files || []).map((f) => path.basename(String(f))),
    snapshot: data.snapshot,
    statistics: data.statistics,
    summary: (data.summary || []).map((r) => ({ ...r, className: redactClassName(r.className) })),
  };
  if (data.diff) out.diff = data.diff.map((r) => ({ ...r, className: redactClassName(r.className) }));
  if (data.leaks) {
    out.leaks = {
      totals: data.leaks.totals,
      clusters: data.leaks.clusters.map((c) => ({
        className: redactClassName(c.className),
        count: c.count,
        retainedSize: c.retainedSize,
        shallowSize: c.shallowSize,
        objects: c.objects,
        sampleIds: c.sampleIds,
        name: redactPhrase(c.name ?? ''),
        where: shortLocation(c.location),
        holder: c.holder ? redactPhrase(c.holder.text) : '',
        path: {
          root: c.path.root ? redactNode(c.path.root) : null,
          steps: c.path.steps.map((st) => {
            const edgeName = redactEdgeName(st.edgeType, st.edgeName);
            return { edgeType: st.edgeType, edgeName, edgeLabel: edgeLabel(st.edgeType, edgeName, st.edgeName), node: redactNode(st.node) };
          }),
        },
      })),
    };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// SVG charts

// Sized to the card it sits in (about 760 px wide) so that text renders at its nominal size.
const CHART_W = 760;
const LABEL_W = 220;
const VALUE_W = 76;
const BAR_W = CHART_W - LABEL_W - VALUE_W - 16;
const ROW_H = 22;

function truncate(s, n) {
  const str = String(s);
  return str.length > n ? `${str.slice(0, n - 1)}…` : str;
}

/**
 * Horizontal bar chart. Each bar is a `<rect class="bar">` with `data-class` and `data-value`,
 * its width exactly proportional to the value (max value = full width).
 */
function barChart(rows, { id, label, fmt = formatBytes, color = '#3b82f6' }) {
  if (!rows.length) return '<p class="empty">Nothing to chart.</p>';
  const max = Math.max(...rows.map((r) => r.value), 1);
  const h = rows.length * ROW_H + 8;
  const bars = rows
    .map((r, i) => {
      const y = 4 + i * ROW_H;
      const w = (r.value / max) * BAR_W;
      return (
        `<g class="row">` +
        `<title>${esc(r.label)}: ${esc(fmt(r.value))}</title>` +
        `<text class="lbl" x="${LABEL_W - 8}" y="${y + 15}" text-anchor="end">${esc(truncate(r.label, 32))}</text>` +
        `<rect class="track" x="${LABEL_W}" y="${y + 3}" width="${BAR_W}" height="${ROW_H - 6}" rx="3"/>` +
        `<rect class="bar" data-class="${esc(r.label)}" data-value="${r.value}" x="${LABEL_W}" y="${y + 3}" width="${w.toFixed(3)}" height="${ROW_H - 6}" rx="3" fill="${color}"/>` +
        `<text class="val" x="${LABEL_W + BAR_W + 8}" y="${y + 15}">${esc(fmt(r.value))}</text>` +
        `</g>`
      );
    })
    .join('');
  return `<svg id="${id}" class="chart" role="img" aria-label="${esc(label)}" viewBox="0 0 ${CHART_W} ${h}" width="100%" preserveAspectRatio="xMinYMin meet">${bars}</svg>`;
}

const STAT_COLORS = ['#f59e0b', '#8b5cf6', '#10b981', '#06b6d4', '#94a3b8', '#3b82f6', '#ef4444'];

function statisticsParts(st) {
  const v = st.v8heap;
  return [
    ['Code', v.code],
    ['Strings', v.strings],
    ['JS arrays', v.jsArrays],
    ['Typed arrays', st.native.typedArrays],
    ['System objects', v.system],
    ['Other JS objects', v.total - v.code - v.strings - v.jsArrays - v.system],
    ['Other non-JS objects', st.native.total - st.native.typedArrays],
  ].map(([name, value], i) => ({ name, value: Math.max(0, value), color: STAT_COLORS[i] }));
}

/** Donut of the Statistics view: one `<circle class="seg">` per part, arcs by stroke-dasharray. */
function statisticsChart(st) {
  const parts = statisticsParts(st);
  const sum = parts.reduce((a, p) => a + p.value, 0) || 1;
  const r = 70;
  const c = 2 * Math.PI * r;
  let offset = 0;
  const segs = parts
    .map((p) => {
      const len = (p.value / sum) * c;
      const s =
        `<circle class="seg" data-name="${esc(p.name)}" data-value="${p.value}" cx="100" cy="100" r="${r}" fill="none" stroke="${p.color}" stroke-width="34" ` +
        `stroke-dasharray="${len.toFixed(3)} ${(c - len).toFixed(3)}" stroke-dashoffset="${(-offset).toFixed(3)}" transform="rotate(-90 100 100)">` +
        `<title>${esc(p.name)}: ${esc(formatBytes(p.value))} (${pct(p.value, st.total)})</title></circle>`;
      offset += len;
      return s;
    })
    .join('');
  const legend = parts
    .map(
      (p) =>
        `<tr><td><span class="swatch" style="background:${p.color}"></span>${esc(p.name)}</td>` +
        `<td class="num">${esc(formatBytes(p.value))}</td><td class="num muted">${pct(p.value, st.total)}</td></tr>`,
    )
    .join('');
  return (
    `<div class="stats">` +
    `<svg id="stats-chart" class="donut" role="img" aria-label="Statistics" viewBox="0 0 200 200" width="200" height="200">${segs}` +
    `<text x="100" y="96" text-anchor="middle" class="donut-total">${esc(formatBytes(st.total))}</text>` +
    `<text x="100" y="116" text-anchor="middle" class="donut-sub">total</text></svg>` +
    `<table class="legend"><tbody>${legend}</tbody><tfoot><tr><td>Total</td><td class="num">${esc(formatBytes(st.total))}</td><td class="num muted">100%</td></tr></tfoot></table>` +
    `</div>`
  );
}

// ---------------------------------------------------------------------------------------------
// Tables (sortable: each cell carries its raw value in data-v; the script sorts on click)

function table(id, columns, rows) {
  const head = columns
    .map((c, i) => `<th data-col="${i}" data-type="${c.type || 'num'}"${c.type === 'str' ? '' : ' class="num"'} tabindex="0" role="columnheader" aria-sort="${c.sorted ? 'descending' : 'none'}">${esc(c.title)}</th>`)
    .join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${columns
          .map((c) => {
            const v = c.value(r);
            const cls = [c.type === 'str' ? 'cls' : 'num', c.cls ? c.cls(r) : ''].filter(Boolean).join(' ');
            return `<td class="${cls}" data-v="${esc(v)}">${esc(c.text ? c.text(r) : v)}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  return `<div class="table-wrap"><table id="${id}" class="sortable"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

function capNote(shown, total, what) {
  return shown < total ? `<p class="muted small">Showing the top ${num(shown)} of ${num(total)} ${what}.</p>` : '';
}

// ---------------------------------------------------------------------------------------------
// Sections

function header(data, title) {
  const s = data.snapshot || {};
  const files = (data.files || []).map((f) => `<code>${esc(f)}</code>`).join(' <span class="muted">→</span> ');
  return (
    `<header><h1>${esc(title)}</h1>` +
    `<p class="files">${files}</p>` +
    `<dl class="facts">` +
    `<div><dt>Nodes</dt><dd>${num(s.nodeCount ?? 0)}</dd></div>` +
    `<div><dt>Edges</dt><dd>${num(s.edgeCount ?? 0)}</dd></div>` +
    `<div><dt>Total size</dt><dd>${esc(formatBytes(s.totalSize ?? 0))}</dd></div>` +
    (data.leaks ? `<div><dt>Leaked</dt><dd>${esc(formatBytes(data.leaks.totals.retainedSize))}</dd></div>` : '') +
    `</dl></header>`
  );
}

function summarySection(summary, statistics) {
  const top = summary.slice(0, TOP_CLASSES).map((r) => ({ label: r.className, value: r.retainedSize }));
  const rows = summary.slice(0, MAX_TABLE_ROWS);
  const cols = [
    { title: 'Class', type: 'str', value: (r) => r.className },
    { title: 'Count', value: (r) => r.count, text: (r) => num(r.count) },
    { title: 'Shallow', value: (r) => r.shallowSize, text: (r) => formatBytes(r.shallowSize) },
    { title: 'Retained', value: (r) => r.retainedSize, text: (r) => formatBytes(r.retainedSize), sorted: true },
    // Sorted by the raw distance (a system-only one is stored above every user one), unreachable last.
    { title: 'Distance', value: (r) => (r.distance >= 0 ? r.distance : Number.MAX_SAFE_INTEGER), text: (r) => formatDistance(r, num) },
  ];
  return (
    `<section id="overview"><div class="grid">` +
    `<div class="card wide"><h2>Retained size by class <span class="muted small">top ${top.length}</span></h2>${barChart(top, { id: 'retained-chart', label: 'Retained size by class' })}</div>` +
    (statistics ? `<div class="card"><h2>Statistics</h2>${statisticsChart(statistics)}</div>` : '') +
    `</div></section>` +
    `<section id="summary" class="card"><h2>Summary <span class="muted small">${num(summary.length)} classes · click a header to sort</span></h2>` +
    `<input type="search" class="filter" data-table="summary-table" placeholder="Filter classes…" aria-label="Filter classes">` +
    table('summary-table', cols, rows) +
    capNote(rows.length, summary.length, 'classes by retained size') +
    `</section>`
  );
}

function diffSection(diff) {
  const changed = diff.filter((r) => r.addedCount || r.removedCount || r.sizeDelta).sort((a, b) => b.sizeDelta - a.sizeDelta || b.countDelta - a.countDelta);
  const growth = changed.filter((r) => r.sizeDelta > 0).slice(0, TOP_GROWTH).map((r) => ({ label: r.className, value: r.sizeDelta }));
  const total = changed.reduce((a, r) => a + r.sizeDelta, 0);
  const rows = changed.slice(0, MAX_TABLE_ROWS);
  const tone = (v) => (v > 0 ? 'up' : v < 0 ? 'down' : '');
  const cols = [
    { title: 'Class', type: 'str', value: (r) => r.className },
    { title: '# New', value: (r) => r.addedCount, text: (r) => num(r.addedCount) },
    { title: '# Deleted', value: (r) => r.removedCount, text: (r) => num(r.removedCount) },
    { title: '# Delta', value: (r) => r.countDelta, text: (r) => signed(r.countDelta), cls: (r) => tone(r.countDelta) },
    { title: 'Alloc. size', value: (r) => r.addedSize, text: (r) => formatBytes(r.addedSize) },
    { title: 'Freed size', value: (r) => r.removedSize, text: (r) => formatBytes(r.removedSize) },
    { title: 'Size delta', value: (r) => r.sizeDelta, text: (r) => signed(r.sizeDelta, formatBytes), cls: (r) => tone(r.sizeDelta), sorted: true },
  ];
  return (
    `<section id="diff" class="card"><h2>Growth by class <span class="muted small">net ${esc(signed(total, formatBytes))} · ${num(changed.length)} classes changed</span></h2>` +
    (growth.length ? barChart(growth, { id: 'growth-chart', label: 'Size delta by class', color: '#ef4444', fmt: (v) => signed(v, formatBytes) }) : '<p class="empty">No class grew.</p>') +
    table('diff-table', cols, rows) +
    capNote(rows.length, changed.length, 'changed classes') +
    `</section>`
  );
}

function nodeChip(node, cls = '') {
  const name = node.name && node.name !== node.className ? `<span class="nname">${esc(truncate(node.name, 80))}</span>` : '';
  return `<span class="node ${cls}" title="${esc(node.type)} @${esc(node.id)}"><span class="ncls">${esc(truncate(node.className, 80))}</span>${name}<span class="nid">@${esc(node.id)}</span></span>`;
}

function leaksSection(leaks) {
  const { clusters, totals } = leaks;
  if (!clusters.length) {
    return `<section id="leaks" class="card"><h2>Leaks</h2><p class="ok">No leaks found: nothing allocated during the action survived it.</p></section>`;
  }
  const items = clusters
    .map((c, i) => {
      const p = c.path || { steps: [] };
      const chain = [p.root ? nodeChip(p.root, 'root') : '<span class="node root">(root)</span>']
        .concat(p.steps.map((st, k) => `<span class="edge" data-edge-type="${esc(st.edgeType)}">${esc(st.edgeLabel)}</span>${nodeChip(st.node, k === p.steps.length - 1 ? 'leaf' : '')}`))
        .join('<span class="arrow" aria-hidden="true">→</span>');
      return (
        `<li class="cluster" data-class="${esc(c.className)}">` +
        `<div class="cluster-head"><span class="rank">#${i + 1}</span><span class="cname">${esc(c.className)}</span>` +
        `<span class="badge">×${num(c.count)}</span>` +
        (c.name && c.name !== c.className ? `<span class="lname">${esc(c.name)}</span>` : '') +
        (c.where ? `<span class="where">${esc(c.where)}</span>` : '') +
        `<span class="metric"><b>${esc(formatBytes(c.retainedSize))}</b> retained</span>` +
        `<span class="metric muted">${esc(formatBytes(c.shallowSize))} shallow · ${num(c.objects)} objects</span></div>` +
        (c.holder ? `<div class="holder">held by ${esc(c.holder)}</div>` : '') +
        `<div class="path" aria-label="Retainer path">${chain}</div>` +
        (c.sampleIds?.length ? `<div class="samples muted small">sample ids: ${c.sampleIds.map((x) => `@${esc(x)}`).join(' ')}</div>` : '') +
        `</li>`
      );
    })
    .join('');
  return (
    `<section id="leaks" class="card"><h2>Leaks <span class="muted small">${num(totals.topLevel)} leaked object(s) in ${num(totals.clusters)} cluster(s), ` +
    `retaining ${esc(formatBytes(totals.retainedSize))} (${num(totals.leakedObjects)} objects in all)</span></h2>` +
    `<ol class="clusters">${items}</ol></section>`
  );
}

// ---------------------------------------------------------------------------------------------
// Page

const CSS = `
:root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f8fafc;--card:#fff;--accent:#3b82f6;--up:#b91c1c;--down:#047857}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1200px;margin:0 auto;padding:24px}
header{margin-bottom:16px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:16px;margin:0 0 12px}
code,.nid,.edge{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.files code{background:#eef2f7;border-radius:4px;padding:1px 6px;word-break:break-all}
.facts{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0 0}
.facts div{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:120px}
.facts dt{color:var(--muted);font-size:12px}.facts dd{margin:0;font-size:18px;font-weight:600}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px;margin-bottom:16px}
.grid{display:grid;grid-template-columns:minmax(0,1fr) 360px;gap:16px;align-items:start}
.grid .card{margin-bottom:16px}
@media (max-width:900px){.grid{grid-template-columns:1fr}}
.muted{color:var(--muted)}.small{font-size:12px;font-weight:400}
.empty,.ok{color:var(--muted)}.ok{color:var(--down)}
svg.chart{display:block;font-size:12px;max-width:900px;margin-bottom:12px}
svg .lbl{fill:var(--fg)}svg .val{fill:var(--muted)}svg .track{fill:#f1f5f9}
svg .row:hover .bar{opacity:.8}
.stats{display:flex;flex-direction:column;align-items:center;gap:8px}
.donut-total{font-size:16px;font-weight:600;fill:var(--fg)}.donut-sub{font-size:11px;fill:var(--muted)}
table{border-collapse:collapse;width:100%}
.legend td{padding:3px 6px;border-bottom:1px solid var(--line)}.legend tfoot td{font-weight:600;border:0}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:baseline}
.table-wrap{max-height:560px;overflow:auto;border:1px solid var(--line);border-radius:8px}
table.sortable th{position:sticky;top:0;background:#f1f5f9;text-align:left;font-weight:600;padding:7px 10px;border-bottom:1px solid var(--line);cursor:pointer;user-select:none;white-space:nowrap}
table.sortable th.num{text-align:right}
table.sortable th:hover{background:#e2e8f0}
table.sortable th[aria-sort=descending]::after{content:" ▼";font-size:10px;color:var(--accent)}
table.sortable th[aria-sort=ascending]::after{content:" ▲";font-size:10px;color:var(--accent)}
table.sortable td{padding:5px 10px;border-bottom:1px solid #f1f5f9}
table.sortable tbody tr:nth-child(even){background:#fafbfc}
table.sortable tbody tr:hover{background:#eff6ff}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.cls{min-width:14em;overflow-wrap:anywhere}
td.up{color:var(--up)}td.down{color:var(--down)}
.filter{margin:0 0 10px;padding:6px 10px;border:1px solid var(--line);border-radius:6px;width:280px;font:inherit}
.clusters{list-style:none;margin:0;padding:0}
.cluster{border:1px solid var(--line);border-radius:8px;padding:12px;margin-bottom:10px}
.cluster-head{display:flex;flex-wrap:wrap;align-items:baseline;gap:10px;margin-bottom:8px}
.rank{color:var(--muted);font-weight:600}.cname{font-weight:600;font-size:15px;word-break:break-all}
.lname{font-family:ui-monospace,monospace}.where{color:var(--muted);font-family:ui-monospace,monospace}.holder{margin:0 0 6px}
.badge{background:#fee2e2;color:#991b1b;border-radius:10px;padding:0 8px;font-weight:600;font-size:12px}
.metric b{color:var(--up)}
.path{display:flex;flex-wrap:wrap;align-items:center;gap:4px 6px}
.node{display:inline-flex;gap:6px;align-items:baseline;border:1px solid var(--line);background:#f8fafc;border-radius:6px;padding:2px 8px;max-width:100%}
.node.root{background:#ecfdf5;border-color:#a7f3d0}.node.leaf{background:#fef2f2;border-color:#fecaca}
.ncls{font-weight:600;word-break:break-all}.nname{color:#374151;word-break:break-all}.nid{color:var(--muted)}
.edge{color:#1d4ed8}
.arrow{color:var(--muted)}
.samples{margin-top:6px}
footer{color:var(--muted);font-size:12px;text-align:center;padding:8px 0 24px}
`;

// Sorting and filtering: vanilla, no dependencies. A header click sorts by that column
// (numbers descending first, text ascending first); a second click reverses.
const SCRIPT = `
(function(){
  function sortBy(th){
    var table=th.closest('table'),tbody=table.tBodies[0],col=+th.dataset.col,isStr=th.dataset.type==='str';
    var cur=th.getAttribute('aria-sort');
    var dir=cur==='none'?(isStr?1:-1):(cur==='ascending'?-1:1);
    var rows=Array.prototype.slice.call(tbody.rows);
    rows.sort(function(a,b){
      var x=a.cells[col].dataset.v,y=b.cells[col].dataset.v;
      var r=isStr?x.localeCompare(y):(+x)-(+y);
      return r*dir;
    });
    var frag=document.createDocumentFragment();
    rows.forEach(function(r){frag.appendChild(r)});
    tbody.appendChild(frag);
    table.querySelectorAll('th').forEach(function(h){h.setAttribute('aria-sort','none')});
    th.setAttribute('aria-sort',dir>0?'ascending':'descending');
  }
  document.querySelectorAll('table.sortable th').forEach(function(th){
    th.addEventListener('click',function(){sortBy(th)});
    th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();sortBy(th)}});
  });
  document.querySelectorAll('input.filter').forEach(function(input){
    var table=document.getElementById(input.dataset.table);
    input.addEventListener('input',function(){
      var q=input.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows,function(r){
        r.style.display=!q||r.cells[0].dataset.v.toLowerCase().indexOf(q)>=0?'':'none';
      });
    });
  });
})();
`;

function renderReport(data, { title, redact = false } = {}) {
  if (!data || !Array.isArray(data.summary)) throw Object.assign(new TypeError('renderReport: data.summary must be an array'), { code: 'ERR_INVALID_ARG_VALUE' });
  const d = redact ? redactData(data) : data;
  const heading = title || (d.leaks ? 'Heap leak report' : d.diff ? 'Heap comparison report' : 'Heap snapshot report');
  const body =
    header(d, heading) +
    (d.leaks ? leaksSection(d.leaks) : '') +
    (d.diff ? diffSection(d.diff) : '') +
    summarySection(d.summary, d.statistics);
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1">` +
    // No network, ever: nothing but inline styles/scripts and data: images may load.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">` +
    `<meta name="referrer" content="no-referrer">` +
    `<title>${esc(heading)}</title><style>${CSS}</style></head>` +
    `<body><main>${body}</main>` +
    `<footer>Generated by heapsnap${redact ? ' · redacted: strings that may be data are replaced by ‹redacted len sha256›' : ''}</footer>` +
    `<script>${SCRIPT}</script></body></html>\n`
  );
}

module.exports = { renderReport };
