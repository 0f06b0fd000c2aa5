// heapsnap explorer front end: hand-written, no dependencies, no build step. Talks only to the
// server that served it (relative URLs under the secret token). Every string from the snapshot
// goes into the page as text (textContent), never as HTML.
'use strict';
(() => {
  const PAGE = 100;
  const PALETTE = ['#4285f4', '#ea4335', '#fbbc04', '#34a853', '#a142f4', '#24c1e0', '#9aa0a6'];
  const VIEWS = ['summary', 'containment', 'dominators', 'statistics', 'comparison', 'leaks', 'dupes'];

  // ------------------------------------------------------------------------------------------
  // Small helpers

  /** h('div', { class: 'x', dataset: { v: 1 }, onclick }, child, 'text', …) */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return el;
  }
  const svg = (tag, attrs) => {
    const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
    return el;
  };
  const $ = (id) => document.getElementById(id);

  function fmtBytes(n) {
    const a = Math.abs(n);
    if (a < 1024) return `${n} B`;
    if (a < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
    if (a < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
    return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
  }
  const fmtNum = (n) => Number(n).toLocaleString('en-US');
  // As lib/format.js' formatDistance: the number only when a user root reaches the object.
  const distText = (n) => (n.reachability === 'user' ? fmtNum(n.distance) : '−');
  const signed = (n, f) => (n > 0 ? '+' + f(n) : n < 0 ? '−' + f(-n) : f(0));
  const clip = (s, n) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

  async function api(name, params = {}) {
    const u = new URL('api/' + name, location.href);
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, String(v));
    const res = await fetch(u, { cache: 'no-store', credentials: 'same-origin' });
    const body = await res.json().catch(() => ({ error: res.statusText }));
    if (!res.ok) throw new Error(body.error || res.statusText);
    return body;
  }

  // ------------------------------------------------------------------------------------------
  // State and deep links: the hash holds what you look at

  const state = { view: 'summary', id: null, key: null, filter: '', sort: 'retained', base: '', baseline: '', target: '' };
  let info = null;
  let files = [];

  function readHash() {
    const q = new URLSearchParams(location.hash.slice(1));
    return {
      view: VIEWS.includes(q.get('view')) ? q.get('view') : 'summary',
      id: /^\d+$/.test(q.get('id') || '') ? Number(q.get('id')) : null,
      key: q.get('key'),
      filter: q.get('filter') || '',
      sort: q.get('sort') || 'retained',
      base: q.get('base') || '',
      baseline: q.get('baseline') || '',
      target: q.get('target') || '',
    };
  }

  function writeHash(push = false) {
    const q = new URLSearchParams();
    q.set('view', state.view);
    if (state.id !== null) q.set('id', state.id);
    if (state.key) q.set('key', state.key);
    if (state.filter) q.set('filter', state.filter);
    if (state.sort !== 'retained') q.set('sort', state.sort);
    for (const k of ['base', 'baseline', 'target']) if (state[k]) q.set(k, state[k]);
    const hash = '#' + q.toString();
    if (hash === location.hash) return;
    if (push) history.pushState(null, '', hash);
    else history.replaceState(null, '', hash);
  }

  // ------------------------------------------------------------------------------------------
  // A lazy, paged tree grid (DevTools' data grid): rows load when expanded, PAGE at a time.

  class TreeGrid {
    /**
     * columns: [{ title, num, width, sort }]; an item: { label: () => Node[], cells: [{ text, v, title, cls }],
     * id, weak, key, load(offset, limit) → { total, rows: items } (absent: a leaf) }
     */
    constructor(host, { columns, sort, onSort, onSelect, name }) {
      this.columns = columns;
      this.onSelect = onSelect;
      this.roots = [];
      this.rootTotal = 0;
      this.rootLoad = null;
      this.flat = [];
      this.selected = null;
      const table = h('table', { class: 'grid', role: 'treegrid', 'aria-label': name });
      const colgroup = h('colgroup');
      for (const c of columns) colgroup.append(h('col', c.width ? { width: c.width } : {}));
      const headRow = h('tr');
      for (const c of columns) {
        const th = h('th', { class: [c.num ? 'num' : '', c.sort ? 'sortable' : ''].join(' '), scope: 'col', text: c.title });
        if (c.sort) {
          th.dataset.sort = c.sort;
          if (sort === c.sort) th.setAttribute('aria-sort', c.sort === 'distance' || c.sort === 'name' ? 'ascending' : 'descending');
          th.addEventListener('click', () => onSort && onSort(c.sort));
        }
        headRow.append(th);
      }
      this.tbody = h('tbody', { tabindex: '0' });
      table.append(colgroup, h('thead', {}, headRow), this.tbody);
      host.replaceChildren(table);
      this.tbody.addEventListener('keydown', (e) => this.#key(e));
      this.tbody.addEventListener('click', (e) => this.#click(e));
      this.tbody.addEventListener('dblclick', (e) => {
        const n = this.#nodeOf(e);
        if (n && !n.more) this.toggle(n);
      });
    }

    async setRoots(load) {
      this.rootLoad = load;
      this.roots = [];
      this.selected = null;
      this.tbody.replaceChildren(h('tr', {}, h('td', { colspan: this.columns.length, class: 'muted', text: 'Loading…' })));
      const r = await load(0, PAGE);
      this.rootTotal = r.total;
      this.roots = r.rows.map((item) => this.#node(item, 0, null));
      this.render();
      return r;
    }

    #node(item, level, parent) {
      return { item, level, parent, expanded: false, children: null, total: 0, loading: false };
    }

    async expand(n) {
      if (!n.item.load || n.expanded) return;
      n.expanded = true;
      if (!n.children) {
        n.loading = true;
        this.render();
        try {
          const r = await n.item.load(0, PAGE);
          n.total = r.total;
          n.children = r.rows.map((item) => this.#node(item, n.level + 1, n));
        } catch (e) {
          n.total = 0;
          n.children = [this.#node({ label: () => [h('span', { class: 'error', text: e.message })], cells: [] }, n.level + 1, n)];
        }
        n.loading = false;
      }
      this.render();
    }

    collapse(n) {
      n.expanded = false;
      this.render();
    }

    toggle(n) {
      return n.expanded ? this.collapse(n) : this.expand(n);
    }

    async more(m) {
      const parent = m.parent;
      const list = parent ? parent.children : this.roots;
      const load = parent ? parent.item.load : this.rootLoad;
      const r = await load(list.length, PAGE);
      for (const item of r.rows) list.push(this.#node(item, parent ? parent.level + 1 : 0, parent));
      this.select(list[list.length - r.rows.length] || null, { focus: false, notify: false });
      this.render();
    }

    #flatten() {
      const out = [];
      const walk = (list, parent, total) => {
        for (const n of list) {
          out.push(n);
          if (n.expanded && n.children) walk(n.children, n, n.total);
          if (n.expanded && n.loading) out.push({ loadingRow: true, level: n.level + 1, parent: n });
        }
        if (list.length < total) out.push({ more: true, parent, level: parent ? parent.level + 1 : 0, left: total - list.length });
      };
      walk(this.roots, null, this.rootTotal);
      return out;
    }

    render() {
      this.flat = this.#flatten();
      const rows = this.flat.map((n, i) => {
        if (n.more || n.loadingRow) {
          return h(
            'tr',
            { class: n.more ? 'row more' : 'row', dataset: { i }, 'aria-level': n.level + 1, 'aria-selected': String(this.selected === n) },
            h('td', { colspan: this.columns.length, class: 'name' }, h('span', { class: 'tog' }), ' '.repeat(n.level * 2), n.more ? `… ${fmtNum(n.left)} more: show ${Math.min(PAGE, n.left)}` : 'Loading…'),
          );
        }
        const item = n.item;
        const tog = item.load ? (n.expanded ? '▾' : '▸') : '';
        const nameCell = h('td', { class: 'name', title: item.title || undefined }, h('span', { class: 'tog', 'aria-hidden': 'true', text: tog }));
        nameCell.style.paddingLeft = `${6 + n.level * 14}px`;
        nameCell.append(...item.label());
        const tr = h('tr', {
          class: 'row' + (item.weak ? ' weak' : ''),
          role: 'row',
          dataset: { i, ...(item.id !== undefined && item.id !== null ? { id: item.id } : {}), ...(item.key ? { key: item.key } : {}) },
          'aria-level': n.level + 1,
          'aria-expanded': item.load ? String(n.expanded) : undefined,
          'aria-selected': String(this.selected === n),
        });
        tr.append(nameCell);
        for (let c = 1; c < this.columns.length; c++) {
          const cell = item.cells[c - 1] || { text: '' };
          const td = h('td', { class: (this.columns[c].num ? 'num ' : '') + (cell.cls || ''), title: cell.title });
          if (cell.v !== undefined) td.dataset.v = cell.v;
          td.append(cell.text ?? '');
          if (cell.pct !== undefined) td.append(h('span', { class: 'pct', text: cell.pct }));
          tr.append(td);
        }
        return tr;
      });
      this.tbody.replaceChildren(...rows);
      if (!rows.length) this.tbody.append(h('tr', {}, h('td', { colspan: this.columns.length, class: 'muted note', text: 'Nothing here.' })));
      const sel = this.tbody.querySelector('tr[aria-selected="true"]');
      if (sel) sel.scrollIntoView({ block: 'nearest' });
    }

    select(n, { focus = true, notify = true } = {}) {
      this.selected = n;
      for (const tr of this.tbody.querySelectorAll('tr[aria-selected="true"]')) tr.setAttribute('aria-selected', 'false');
      const i = this.flat.indexOf(n);
      const tr = i >= 0 ? this.tbody.querySelector(`tr[data-i="${i}"]`) : null;
      if (tr) {
        tr.setAttribute('aria-selected', 'true');
        tr.scrollIntoView({ block: 'nearest' });
      }
      if (focus) this.tbody.focus({ preventScroll: true });
      if (notify && n && !n.more && !n.loadingRow && this.onSelect) this.onSelect(n.item, n);
    }

    /** Finds a loaded row (depth first) by predicate on its item. */
    find(pred) {
      const walk = (list) => {
        for (const n of list) {
          if (pred(n.item)) return n;
          if (n.children) {
            const f = walk(n.children);
            if (f) return f;
          }
        }
        return null;
      };
      return walk(this.roots);
    }

    #nodeOf(e) {
      const tr = e.target.closest('tr[data-i]');
      return tr ? this.flat[Number(tr.dataset.i)] : null;
    }

    #click(e) {
      const n = this.#nodeOf(e);
      if (!n) return;
      if (e.target.closest('a, button')) return;
      if (n.more) return void this.more(n);
      this.select(n);
      if (e.target.classList.contains('tog')) this.toggle(n);
    }

    #key(e) {
      const i = this.flat.indexOf(this.selected);
      const n = this.selected;
      const go = (j) => {
        if (this.flat.length === 0) return;
        this.select(this.flat[Math.max(0, Math.min(this.flat.length - 1, j))]);
      };
      switch (e.key) {
        case 'ArrowDown':
          go(i + 1);
          break;
        case 'ArrowUp':
          go(i < 0 ? 0 : i - 1);
          break;
        case 'Home':
          go(0);
          break;
        case 'End':
          go(this.flat.length - 1);
          break;
        case 'PageDown':
          go(i + 20);
          break;
        case 'PageUp':
          go(i - 20);
          break;
        case 'ArrowRight':
          if (!n || n.more) break;
          if (n.item.load && !n.expanded) this.expand(n);
          else if (n.expanded) go(i + 1);
          break;
        case 'ArrowLeft':
          if (!n) break;
          if (!n.more && n.expanded) this.collapse(n);
          else if (n.parent) this.select(n.parent);
          break;
        case 'Enter':
        case ' ':
          if (!n) break;
          if (n.more) this.more(n);
          else if (n.item.load) this.toggle(n);
          break;
        default:
          return;
      }
      e.preventDefault();
      e.stopPropagation();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Rows of objects, references and classes

  function pctOf(n) {
    return info && info.totalSize > 0 ? `${Math.round((n / info.totalSize) * 100)} %` : undefined;
  }

  function sizeCells(n) {
    return [
      { text: distText(n), v: n.distance },
      { text: fmtBytes(n.selfSize), v: n.selfSize, title: `${fmtNum(n.selfSize)} bytes`, pct: pctOf(n.selfSize) },
      { text: fmtBytes(n.retainedSize), v: n.retainedSize, title: `${fmtNum(n.retainedSize)} bytes`, pct: pctOf(n.retainedSize) },
    ];
  }

  function objectLabel(n) {
    const parts = [h('span', { class: 'cls', text: n.className })];
    const isString = /string/.test(n.type);
    if (n.name && n.name !== n.className) parts.push(' ', h('span', { class: isString ? 'str' : 'muted', text: isString ? JSON.stringify(clip(n.name, 120)) : clip(n.name, 120) }));
    parts.push(' ', h('span', { class: 'id', text: `@${n.id}` }));
    return parts;
  }

  function edgeText(type, name) {
    switch (type) {
      case 'element':
        return `[${name}]`;
      case 'hidden':
      case 'internal':
        return `{${name}}`;
      case 'weak':
        return `[[${name}]]`;
      default:
        return name;
    }
  }

  /** An object row; `children` picks what expanding it shows (its references by default). */
  function objectItem(n, { edge, via = '::', children = 'edges', extraCells = [] } = {}) {
    const loaders = {
      edges: (offset, limit) => api('edges', { id: n.id, offset, limit }).then((r) => ({ total: r.total, rows: r.rows.map((e) => objectItem(e.node, { edge: e })) })),
      retainers: (offset, limit) =>
        api('retainers', { id: n.id, offset, limit }).then((r) => ({ total: r.total, rows: r.rows.map((e) => objectItem(e.node, { edge: e, via: 'in', children: 'retainers' })) })),
      dominated: (offset, limit) => api('dominated', { id: n.id, offset, limit }).then((r) => ({ total: r.total, rows: r.rows.map((c) => objectItem(c, { children: 'dominated' })) })),
      none: null,
    };
    return {
      id: n.id,
      node: n,
      weak: edge && edge.type === 'weak',
      label: () => [
        ...(edge ? [h('span', { class: `edge-${edge.type}`, text: edgeText(edge.type, edge.name) }), h('span', { class: 'muted', text: ` ${via} ` })] : []),
        ...objectLabel(n),
      ],
      cells: [...extraCells, ...sizeCells(n)],
      load: loaders[children],
    };
  }

  // ------------------------------------------------------------------------------------------
  // Views

  const viewBody = $('view-body');
  const toolbar = $('toolbar');
  let grid = null;

  function filterBox(placeholder, onChange) {
    let timer;
    const input = h('input', { type: 'search', placeholder, value: state.filter, 'aria-label': placeholder, spellcheck: 'false' });
    input.value = state.filter;
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => onChange(input.value), 200);
    });
    return input;
  }

  function fileSelect(label, current, onChange, { exclude } = {}) {
    const sel = h('select', { 'aria-label': label });
    sel.append(h('option', { value: '', text: `— ${label} —` }));
    for (const f of files) if (f !== exclude) sel.append(h('option', { value: f, text: f.split(/[\\/]/).pop(), title: f }));
    sel.value = current || '';
    sel.addEventListener('change', () => onChange(sel.value));
    return h('label', {}, `${label}: `, sel);
  }

  const views = {
    async summary() {
      const count = h('span', { class: 'muted' });
      toolbar.replaceChildren(
        filterBox('Class filter', (v) => {
          state.filter = v;
          state.key = null;
          writeHash();
          views.summary();
        }),
        count,
      );
      grid = new TreeGrid(viewBody, {
        name: 'Summary',
        columns: [
          { title: 'Constructor', sort: 'name' },
          { title: 'Distance', num: true, width: '80', sort: 'distance' },
          { title: 'Objects', num: true, width: '110', sort: 'count' },
          { title: 'Shallow size', num: true, width: '150', sort: 'shallow' },
          { title: 'Retained size', num: true, width: '150', sort: 'retained' },
        ],
        sort: state.sort,
        onSort: (s) => {
          state.sort = s;
          writeHash();
          views.summary();
        },
        onSelect: (item) => {
          if (item.classRow) {
            state.key = item.key;
            writeHash();
          } else if (item.id !== undefined && item.id !== null) selectObject(item.id);
        },
      });
      const r = await grid.setRoots((offset, limit) =>
        api('classes', { filter: state.filter, sort: state.sort, offset, limit }).then((r) => ({
          total: r.total,
          rows: r.rows.map((c) => ({
            classRow: true,
            key: c.key,
            title: c.key,
            label: () => [h('span', { class: 'cls', text: c.className }), h('span', { class: 'cnt', text: ` ×${fmtNum(c.count)}` })],
            cells: [
              { text: distText(c), v: c.distance },
              { text: fmtNum(c.count), v: c.count },
              { text: fmtBytes(c.shallowSize), v: c.shallowSize, title: `${fmtNum(c.shallowSize)} bytes`, pct: pctOf(c.shallowSize) },
              { text: fmtBytes(c.retainedSize), v: c.retainedSize, title: `${fmtNum(c.retainedSize)} bytes`, pct: pctOf(c.retainedSize) },
            ],
            load: (o, l) => api('instances', { key: c.key, offset: o, limit: l }).then((x) => ({ total: x.total, rows: x.rows.map((n) => objectItem(n, { extraCells: [] })).map(withCountGap) })),
          })),
        })),
      );
      count.textContent = `${fmtNum(r.total)} classes`;
      if (state.key) {
        const n = grid.find((it) => it.key === state.key);
        if (n) {
          await grid.expand(n);
          grid.select(n, { focus: false, notify: false });
        }
      }
    },

    async containment() {
      toolbar.replaceChildren(h('span', { class: 'muted', text: 'Everything reachable from the root, reference by reference.' }));
      grid = objectGrid('Containment');
      await grid.setRoots((offset, limit) => api('edges', { id: info.rootId, offset, limit }).then((r) => ({ total: r.total, rows: r.rows.map((e) => objectItem(e.node, { edge: e })) })));
    },

    async dominators() {
      toolbar.replaceChildren(h('span', { class: 'muted', text: 'The dominator tree: each object with what it alone keeps alive, largest first.' }));
      grid = objectGrid('Dominators');
      await grid.setRoots((offset, limit) => api('dominated', { id: info.rootId, offset, limit }).then((r) => ({ total: r.total, rows: r.rows.map((n) => objectItem(n, { children: 'dominated' })) })));
    },

    async statistics() {
      toolbar.replaceChildren(h('span', { class: 'muted', text: 'Where the memory goes, by kind.' }));
      grid = null;
      const s = await api('statistics');
      const other = s.v8heap.total - s.v8heap.code - s.v8heap.strings - s.v8heap.jsArrays - s.v8heap.system;
      const parts = [
        ['Code', s.v8heap.code],
        ['Strings', s.v8heap.strings],
        ['JS arrays', s.v8heap.jsArrays],
        ['Typed arrays', s.native.typedArrays],
        ['System objects', s.v8heap.system],
        ['Other JS objects', other],
        ['Other native', s.native.total - s.native.typedArrays],
      ];
      const chart = svg('svg', { id: 'stats-chart', viewBox: '0 0 200 200', width: 220, height: 220, role: 'img', 'aria-label': 'Statistics' });
      const R = 80;
      const C = 2 * Math.PI * R;
      let at = 0;
      parts.forEach(([name, v], i) => {
        const len = s.total > 0 ? (v / s.total) * C : 0;
        const c = svg('circle', {
          class: 'seg',
          cx: 100,
          cy: 100,
          r: R,
          fill: 'none',
          stroke: PALETTE[i],
          'stroke-width': 36,
          'stroke-dasharray': `${len} ${C - len}`,
          'stroke-dashoffset': -at,
          transform: 'rotate(-90 100 100)',
          'data-value': v,
          'data-name': name,
        });
        at += len;
        chart.append(c);
      });
      const t1 = svg('text', { x: 100, y: 98, 'text-anchor': 'middle', class: 'donut-total' });
      t1.textContent = fmtBytes(s.total);
      const t2 = svg('text', { x: 100, y: 116, 'text-anchor': 'middle', class: 'donut-sub' });
      t2.textContent = 'total';
      chart.append(t1, t2);
      const table = h(
        'table',
        { id: 'stats-table' },
        h('tr', {}, h('th', { text: 'Kind' }), h('th', { text: 'Size' }), h('th', { text: 'Share' })),
        parts.map(([name, v], i) =>
          h('tr', {}, h('td', {}, h('span', { class: `swatch sw${i}` }), name), h('td', { dataset: { v }, title: `${fmtNum(v)} bytes`, text: fmtBytes(v) }), h('td', { text: s.total ? `${((v / s.total) * 100).toFixed(1)} %` : '—' })),
        ),
        h('tr', {}, h('th', { text: 'Total' }), h('th', { dataset: { v: s.total }, text: fmtBytes(s.total) }), h('th', { text: '100 %' })),
      );
      viewBody.replaceChildren(h('div', { class: 'stats' }, chart, table));
    },

    async comparison() {
      const others = files.filter((f) => f !== info.file);
      const count = h('span', { class: 'muted' });
      toolbar.replaceChildren(
        fileSelect('Compare with', state.base, (v) => {
          state.base = v;
          writeHash(true);
          views.comparison();
        }, { exclude: info.file }),
        filterBox('Class filter', (v) => {
          state.filter = v;
          writeHash();
          views.comparison();
        }),
        count,
      );
      if (!state.base) {
        grid = null;
        viewBody.replaceChildren(h('p', { class: 'note muted', text: others.length ? 'Pick a snapshot to compare this one with (an earlier snapshot of the same process).' : 'No other snapshot beside this file: start the explorer with FILE BASE.' }));
        return;
      }
      grid = new TreeGrid(viewBody, {
        name: 'Comparison',
        columns: [
          { title: 'Constructor' },
          { title: '# New', num: true, width: '90' },
          { title: '# Deleted', num: true, width: '90' },
          { title: '# Delta', num: true, width: '90' },
          { title: 'Alloc. size', num: true, width: '110' },
          { title: 'Freed size', num: true, width: '110' },
          { title: 'Size delta', num: true, width: '110' },
        ],
        onSelect: (item) => item.id !== undefined && item.id !== null && selectObject(item.id),
      });
      const base = state.base;
      const objectsOf = (c, kind) => (o, l) =>
        api('compare-objects', { base, key: c.key, kind, offset: o, limit: l }).then((r) => ({
          total: r.total,
          rows: r.rows.map((n) => ({
            id: kind === 'added' ? n.id : null,
            label: () => [h('span', { class: kind === 'added' ? 'add' : 'del', text: kind === 'added' ? '+ ' : '− ' }), ...objectLabel(n)],
            cells: kind === 'added' ? [{ text: '' }, { text: '' }, { text: '' }, { text: fmtBytes(n.selfSize), v: n.selfSize }, { text: '' }, { text: '' }] : [{ text: '' }, { text: '' }, { text: '' }, { text: '' }, { text: fmtBytes(n.selfSize), v: n.selfSize }, { text: '' }],
          })),
        }));
      viewBody.prepend(h('p', { class: 'note muted', id: 'compare-loading', text: 'Comparing… (the other snapshot is analysed first if it was not open)' }));
      const r = await grid.setRoots((offset, limit) =>
        api('compare', { base, filter: state.filter, offset, limit }).then((r) => ({
          total: r.total,
          rows: r.rows.map((c) => ({
            key: c.key,
            title: c.key,
            label: () => [h('span', { class: 'cls', text: c.className })],
            cells: [
              { text: fmtNum(c.addedCount), v: c.addedCount },
              { text: fmtNum(c.removedCount), v: c.removedCount },
              { text: signed(c.countDelta, fmtNum), v: c.countDelta, cls: c.countDelta > 0 ? 'add' : c.countDelta < 0 ? 'del' : '' },
              { text: fmtBytes(c.addedSize), v: c.addedSize },
              { text: fmtBytes(c.removedSize), v: c.removedSize },
              { text: signed(c.sizeDelta, fmtBytes), v: c.sizeDelta, cls: c.sizeDelta > 0 ? 'add' : c.sizeDelta < 0 ? 'del' : '' },
            ],
            load: async () => {
              const groups = [];
              if (c.addedCount) groups.push({ label: () => [h('span', { class: 'add', text: `New objects (${fmtNum(c.addedCount)})` })], cells: [], load: objectsOf(c, 'added') });
              if (c.removedCount) groups.push({ label: () => [h('span', { class: 'del', text: `Deleted objects (${fmtNum(c.removedCount)})` })], cells: [], load: objectsOf(c, 'removed') });
              return { total: groups.length, rows: groups };
            },
          })),
        })),
      ).catch((e) => {
        viewBody.replaceChildren(h('p', { class: 'error', text: e.message }));
        return null;
      });
      $('compare-loading')?.remove();
      if (r) count.textContent = `${fmtNum(r.total)} classes changed`;
    },

    async leaks() {
      grid = null;
      const run = h('button', { type: 'button', text: 'Find leaks', id: 'find-leaks' });
      toolbar.replaceChildren(
        fileSelect('Baseline', state.baseline, (v) => ((state.baseline = v), writeHash())),
        fileSelect('Target', state.target, (v) => ((state.target = v), writeHash())),
        h('span', { class: 'muted', text: `final: ${info.file.split(/[\\/]/).pop()}` }),
        run,
      );
      const show = async () => {
        if (!state.baseline || !state.target) {
          viewBody.replaceChildren(
            h('p', { class: 'note muted', text: 'Leaks need three snapshots of one process: a baseline (before an action), a target (after doing it) and this file as the final one (after undoing it). Pick the first two.' }),
          );
          return;
        }
        viewBody.replaceChildren(h('p', { class: 'note muted', text: 'Finding leaks…' }));
        try {
          const r = await api('leaks', { baseline: state.baseline, target: state.target, limit: 200 });
          if (!r.rows.length) return void viewBody.replaceChildren(h('p', { class: 'note', text: 'No leaks: nothing allocated during the action survived it.' }));
          viewBody.replaceChildren(
            h('p', { class: 'note', id: 'leak-totals', text: `${fmtNum(r.totals.topLevel)} leaked object(s) in ${fmtNum(r.totals.clusters)} cluster(s), retaining ${fmtBytes(r.totals.retainedSize)}` }),
            h(
              'ol',
              { class: 'clusters' },
              r.rows.map((c) =>
                h(
                  'li',
                  { class: 'cluster', dataset: { class: c.className } },
                  h('div', { class: 'cluster-head' }, `${c.className} ×${fmtNum(c.count)}: retains ${fmtBytes(c.retainedSize)}`, h('span', { class: 'muted', text: ` (shallow ${fmtBytes(c.shallowSize)}, ${fmtNum(c.objects)} objects)` })),
                  h('div', { class: 'path', text: c.path.text }),
                  h('div', { class: 'samples' }, 'samples: ', c.sampleIds.map((id) => objLink(id))),
                ),
              ),
            ),
          );
        } catch (e) {
          viewBody.replaceChildren(h('p', { class: 'error', text: e.message }));
        }
      };
      run.addEventListener('click', () => {
        writeHash(true);
        show();
      });
      await show();
    },

    async dupes() {
      toolbar.replaceChildren(h('span', { class: 'muted', text: 'Strings stored more than once: candidates for interning or a lookup table.' }));
      grid = new TreeGrid(viewBody, {
        name: 'Duplicated strings',
        columns: [{ title: 'String' }, { title: 'Copies', num: true, width: '90' }, { title: 'Shallow size', num: true, width: '130' }, { title: 'Retained size', num: true, width: '130' }],
        onSelect: (item) => item.id !== undefined && item.id !== null && selectObject(item.id),
      });
      await grid.setRoots((offset, limit) =>
        api('dupes', { offset, limit }).then((r) => ({
          total: r.total,
          rows: r.rows.map((g) => ({
            label: () => [h('span', { class: 'str', text: JSON.stringify(clip(g.value, 200)) })],
            cells: [
              { text: fmtNum(g.count), v: g.count },
              { text: fmtBytes(g.totalSelfSize), v: g.totalSelfSize },
              { text: fmtBytes(g.totalRetainedSize), v: g.totalRetainedSize },
            ],
            load: async (o, l) => {
              const ids = g.sampleIds.slice(o, o + l);
              const nodes = await Promise.all(ids.map((id) => api('node', { id })));
              return { total: g.sampleIds.length, rows: nodes.map((n) => ({ id: n.id, label: () => objectLabel(n), cells: [{ text: '' }, { text: fmtBytes(n.selfSize), v: n.selfSize }, { text: fmtBytes(n.retainedSize), v: n.retainedSize }] })) };
            },
          })),
        })),
      );
    },
  };

  /** Object rows in Summary have an empty "Objects" cell. */
  function withCountGap(item) {
    item.cells = [item.cells[0], { text: '' }, ...item.cells.slice(1)];
    const load = item.load;
    if (load) item.load = (o, l) => load(o, l).then((r) => ({ total: r.total, rows: r.rows.map(withCountGap) }));
    return item;
  }

  function objectGrid(name) {
    return new TreeGrid(viewBody, {
      name,
      columns: [{ title: 'Object' }, { title: 'Distance', num: true, width: '80' }, { title: 'Shallow size', num: true, width: '150' }, { title: 'Retained size', num: true, width: '150' }],
      onSelect: (item) => item.id !== undefined && item.id !== null && selectObject(item.id),
    });
  }

  function objLink(id) {
    return h('a', {
      class: 'obj',
      href: '#',
      text: `@${id}`,
      dataset: { id },
      onclick: (e) => {
        e.preventDefault();
        selectObject(id);
      },
    });
  }

  let rendered = null; // what the view shows: view + its inputs

  async function showView() {
    for (const b of document.querySelectorAll('.tabs button')) b.setAttribute('aria-selected', String(b.dataset.view === state.view));
    $('view').setAttribute('aria-labelledby', `tab-${state.view}`);
    const sig = JSON.stringify([state.view, state.filter, state.sort, state.base, state.view === 'leaks' ? [state.baseline, state.target] : 0]);
    if (sig === rendered) return;
    rendered = sig;
    try {
      await views[state.view]();
    } catch (e) {
      viewBody.replaceChildren(h('p', { class: 'error', text: e.message }));
    }
  }

  function switchView(v) {
    if (!VIEWS.includes(v) || v === state.view) return;
    state.view = v;
    if (v !== 'summary') state.key = null;
    writeHash(true);
    showView();
  }

  // ------------------------------------------------------------------------------------------
  // The selected object: inspector and retainers tree

  const retainersGrid = new TreeGrid($('retainers-body'), {
    name: 'Retainers',
    columns: [{ title: 'Object' }, { title: 'Distance', num: true, width: '80' }, { title: 'Shallow size', num: true, width: '130' }, { title: 'Retained size', num: true, width: '130' }],
    onSelect: (item) => item.id !== undefined && item.id !== null && showInspector(item.id),
  });
  let inspected = null;
  let selectSeq = 0;

  async function selectObject(id, { hash = true } = {}) {
    if (state.id === id && inspected === id && hash) return;
    state.id = id;
    if (hash) writeHash();
    const seq = ++selectSeq;
    $('retainers-of').textContent = `of @${id}`;
    const shown = await showInspector(id);
    if (seq !== selectSeq) return;
    try {
      await retainersGrid.setRoots((offset, limit) =>
        api('retainers', { id, offset, limit }).then((r) => ({ total: r.total, rows: r.rows.map((e) => objectItem(e.node, { edge: e, via: 'in', children: 'retainers' })) })),
      );
      // Like DevTools: open the first (nearest the roots) chain a few levels.
      let n = shown && shown.reachability === 'user' && shown.distance > 1 ? retainersGrid.roots[0] : null;
      const seen = new Set([id]);
      for (let depth = 0; n && depth < 8 && seq === selectSeq; depth++) {
        if (n.item.weak || seen.has(n.item.id) || n.item.node.distance <= 1 || n.item.node.reachability !== 'user') break;
        seen.add(n.item.id);
        await retainersGrid.expand(n);
        n = n.children && n.children[0];
      }
    } catch (e) {
      $('retainers-body').querySelector('tbody').replaceChildren(h('tr', {}, h('td', { class: 'error', text: e.message })));
    }
  }

  /** `file.js:12:5` for a location or a stack frame ({ url, scriptId, line, column }, 1-based). */
  function placeText(l) {
    const where = l.url || (l.scriptId ? `(script ${l.scriptId})` : '(unknown script)');
    return l.line ? `${where}:${l.line}${l.column ? ':' + l.column : ''}` : where;
  }

  async function showInspector(id) {
    const body = $('inspector-body');
    let n;
    try {
      n = await api('node', { id });
    } catch (e) {
      body.replaceChildren(h('p', { class: 'error', text: e.message }));
      return;
    }
    inspected = id;
    const dl = h('dl', { id: 'inspector-fields' });
    const field = (k, v, dv) => dl.append(h('dt', { text: k }), h('dd', dv === undefined ? {} : { dataset: { v: dv, field: k } }, v));
    field('Class', n.className);
    field('Id', `@${n.id}`, n.id);
    field('Type', n.type);
    field('Shallow size', `${fmtBytes(n.selfSize)} (${fmtNum(n.selfSize)} bytes)`, n.selfSize);
    field('Retained size', `${fmtBytes(n.retainedSize)} (${fmtNum(n.retainedSize)} bytes)`, n.retainedSize);
    field('Distance', distText(n), n.distance);
    field('Dominator', n.dominatorId === n.id ? '(root)' : objLink(n.dominatorId), n.dominatorId);
    field('References', `${fmtNum(n.edgeCount)} out, ${fmtNum(n.retainerCount)} in`);
    if (n.detachedness === 2) field('DOM', 'detached');
    field('Class key', n.classKey);
    const parts = [dl];
    if (n.name && n.name !== n.className) {
      parts.push(h('h3', { text: /string/.test(n.type) ? `Value (${fmtNum(n.nameLength)} characters)` : 'Name' }), h('div', { class: 'value', text: n.name + (n.nameLength > n.name.length ? '…' : '') }));
    }
    if (n.location) parts.push(h('h3', { text: 'Source location' }), h('div', { class: 'path', id: 'location', text: placeText(n.location) }));
    if (n.allocationStack && n.allocationStack.length) {
      parts.push(h('h3', { text: 'Allocation stack' }), h('ol', { class: 'path' }, n.allocationStack.map((f) => h('li', { text: `${f.functionName || '(anonymous)'} ${placeText(f)}` }))));
    }
    if (n.retainerPath) parts.push(h('h3', { text: 'Retainer path (shortest from a root)' }), h('div', { class: 'path', id: 'retainer-path', text: n.retainerPath.text }));
    body.replaceChildren(...parts);
    body.dataset.id = n.id;
    return n;
  }

  // ------------------------------------------------------------------------------------------
  // Search

  const search = $('search');
  const results = $('search-results');
  let hits = [];
  let hitAt = -1;

  async function runSearch() {
    const q = search.value.trim();
    if (!q) return closeResults();
    let r;
    try {
      r = await api('search', { q, limit: 30 });
    } catch (e) {
      results.replaceChildren(h('div', { class: 'error', text: e.message }));
      results.hidden = false;
      return;
    }
    hits = [];
    const groups = [];
    const group = (title, list, make) => {
      if (!list.length) return;
      groups.push(h('div', { class: 'group', text: title }));
      for (const x of list) {
        const el = make(x);
        el.classList.add('hit');
        el.setAttribute('role', 'option');
        el.dataset.hit = hits.length;
        hits.push({ el, x, kind: title });
        groups.push(el);
      }
    };
    group('Objects', r.nodes, (n) => h('div', {}, ...objectLabel(n)));
    group('Classes', r.classes, (c) => h('div', {}, h('span', { class: 'cls', text: c.className }), h('span', { class: 'cnt', text: ` ×${fmtNum(c.count)}, ${fmtBytes(c.retainedSize)}` })));
    group('Strings', r.strings, (n) => h('div', {}, ...objectLabel(n)));
    if (!hits.length) groups.push(h('div', { class: 'group', text: `Nothing matches ${JSON.stringify(q)}` }));
    results.replaceChildren(...groups);
    results.hidden = false;
    hitAt = hits.length ? 0 : -1;
    markHit();
  }

  function markHit() {
    hits.forEach((x, i) => x.el.setAttribute('aria-selected', String(i === hitAt)));
    if (hits[hitAt]) hits[hitAt].el.scrollIntoView({ block: 'nearest' });
  }

  function closeResults() {
    results.hidden = true;
    hits = [];
    hitAt = -1;
  }

  function pick(hit) {
    closeResults();
    search.blur();
    if (!hit) return;
    if (hit.kind === 'Classes') {
      state.view = 'summary';
      state.filter = hit.x.className;
      state.key = hit.x.key;
      state.sort = 'retained';
      writeHash(true);
      rendered = null;
      showView();
    } else {
      selectObject(hit.x.id);
    }
  }

  search.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      if (!results.hidden && hits[hitAt]) pick(hits[hitAt]);
      else runSearch();
    } else if (e.key === 'ArrowDown' && hits.length) {
      e.preventDefault();
      hitAt = Math.min(hits.length - 1, hitAt + 1);
      markHit();
    } else if (e.key === 'ArrowUp' && hits.length) {
      e.preventDefault();
      hitAt = Math.max(0, hitAt - 1);
      markHit();
    } else if (e.key === 'Escape') {
      closeResults();
      search.blur();
    }
  });
  let searchTimer;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => (search.value.trim().length >= 2 ? runSearch() : closeResults()), 300);
  });
  results.addEventListener('click', (e) => {
    const el = e.target.closest('[data-hit]');
    if (el) pick(hits[Number(el.dataset.hit)]);
  });
  document.addEventListener('click', (e) => {
    if (!e.target.closest('.search')) closeResults();
  });

  // ------------------------------------------------------------------------------------------
  // Keyboard

  const help = $('help');
  $('help-button').addEventListener('click', () => (help.hidden = !help.hidden));
  help.addEventListener('click', (e) => e.target === help && (help.hidden = true));

  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const inField = e.target.closest && e.target.closest('input, select, textarea');
    if (e.key === 'Escape') {
      help.hidden = true;
      closeResults();
      return;
    }
    if (inField) return;
    if (e.key === '/') {
      e.preventDefault();
      search.focus();
      search.select();
    } else if (e.key === '?') help.hidden = !help.hidden;
    else if (/^[1-7]$/.test(e.key)) switchView(VIEWS[Number(e.key) - 1]);
    else if (e.key === 'r') $('retainers-body').querySelector('tbody')?.focus();
    else if (e.key === 'v') viewBody.querySelector('tbody')?.focus();
    else if (e.key === 'd' && inspected !== null) {
      const dom = $('inspector-fields')?.querySelector('dd[data-field="Dominator"]');
      if (dom && Number(dom.dataset.v) !== inspected) selectObject(Number(dom.dataset.v));
    } else return;
    e.preventDefault();
  });

  for (const b of document.querySelectorAll('.tabs button')) b.addEventListener('click', () => switchView(b.dataset.view));

  // ------------------------------------------------------------------------------------------
  // Start: wait for the analysis (with progress), then show what the address asks for

  async function applyHash() {
    const next = readHash();
    Object.assign(state, { ...next, id: state.id });
    await showView();
    if (next.id !== null && next.id !== inspected) await selectObject(next.id, { hash: false });
    state.id = next.id ?? state.id;
  }

  async function waitReady() {
    const bar = $('loading-bar');
    const text = $('loading-text');
    for (;;) {
      const s = await api('status');
      const me = s.loads.find((l) => l.file === s.given.file) || {};
      if (s.state === 'error') {
        $('loading-title').textContent = 'Cannot open the snapshot';
        text.textContent = s.error;
        text.className = 'error';
        throw new Error(s.error);
      }
      const frac = me.totalBytes ? me.bytesRead / me.totalBytes : 0;
      bar.style.width = `${Math.round((me.phase === 'analyze' ? 1 : frac) * 100)}%`;
      text.textContent = me.phase === 'analyze' ? (me.step ? `Analysing: ${me.step}…` : 'Computing dominators, retained sizes and classes…') : me.totalBytes ? `Reading ${fmtBytes(me.bytesRead)} of ${fmtBytes(me.totalBytes)}` : 'Starting…';
      if (s.state === 'ready') return;
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  async function start() {
    await waitReady();
    [info, { files }] = await Promise.all([api('info'), api('files')]);
    $('loading').hidden = true;
    const name = info.file.split(/[\\/]/).pop();
    document.title = `${name} — heapsnap explorer`;
    $('file-info').replaceChildren(h('b', { text: name, title: info.file }), ` · ${fmtNum(info.nodeCount)} objects · ${fmtNum(info.edgeCount)} references · total `, h('b', { id: 'total-size', dataset: { v: info.totalSize }, text: fmtBytes(info.totalSize) }));
    const initial = readHash();
    if (!location.hash) {
      // First visit: the files given on the command line.
      initial.base = info.given.base || '';
      initial.baseline = info.given.baseline || '';
      initial.target = info.given.target || '';
    }
    Object.assign(state, initial, { id: null });
    writeHash();
    await showView();
    if (initial.id !== null) await selectObject(initial.id);
    window.addEventListener('hashchange', applyHash);
    window.addEventListener('popstate', applyHash);
    document.body.dataset.ready = 'true';
  }

  start().catch((e) => {
    document.body.dataset.ready = 'error';
    console.warn(e);
  });
})();
