'use strict';
/**
 * heapsnap's MCP tools: the questions a coding agent asks of heap snapshots. Each tool that
 * reads a snapshot takes `path`; the store keeps opened snapshots, so follow-up calls on the
 * same file answer at once. Lists take `limit`/`offset` and say how to get the next page.
 * Every answer is a few lines of text for the model plus the same facts as structured JSON.
 */
const { compare, compareObjects } = require('../explore/model.js');
const { formatBytes, formatDistance } = require('../format.js');

const DEFAULT_LIMIT = 20;

const pathProp = { type: 'string', minLength: 1, description: 'A V8 .heapsnapshot file (absolute, or relative to the server\'s working directory).' };
const idProp = { type: 'integer', minimum: 0, description: 'An object id, as shown after @ (e.g. 12345 for @12345).' };
const limitProp = { type: 'integer', minimum: 1, maximum: 500, description: `How many rows (default ${DEFAULT_LIMIT}).` };
const offsetProp = { type: 'integer', minimum: 0, description: 'Rows to skip (default 0): pass the nextOffset of the previous answer.' };

function schema(properties, required = []) {
  return { type: 'object', properties, required, additionalProperties: false };
}

const READ_ONLY = { readOnlyHint: true, openWorldHint: false };

function num(n) {
  return Number(n).toLocaleString('en-US');
}

function quote(s, n = 80) {
  const t = s.length > n ? s.slice(0, n - 1) + '…' : s;
  return JSON.stringify(t);
}

function nodeLine(n) {
  const name = n.name && n.name !== n.className ? ` ${quote(n.name, 60)}` : '';
  const type = n.className === `(${n.type})` ? '' : ` (${n.type})`;
  return `@${n.id} ${n.className}${name}${type}: self ${formatBytes(n.selfSize)}, retained ${formatBytes(n.retainedSize)}, distance ${formatDistance(n)}`;
}

function pageOf(args) {
  return { offset: args.offset ?? 0, limit: args.limit ?? DEFAULT_LIMIT };
}

/** "rows 1–20 of 165" plus the next offset, for the text and the data. */
function paging(p, result) {
  const shown = result.rows.length;
  const next = p.offset + shown < result.total ? p.offset + shown : null;
  const range = shown ? `${p.offset + 1}–${p.offset + shown} of ${num(result.total)}` : `none of ${num(result.total)}`;
  return { range, next, data: { total: result.total, offset: p.offset, limit: p.limit, nextOffset: next } };
}

function more(next) {
  return next === null ? '' : `\n(more: offset ${next})`;
}

function notFound(id, file) {
  const e = new Error(`no object @${id} in ${file}`);
  e.code = 'ERR_HEAPSNAP_NOT_FOUND';
  return e;
}

function progressOf(ctx, what) {
  if (!ctx.progress) return undefined;
  return (p) => ctx.progress(p.bytesRead, p.totalBytes || undefined, `${what}: ${p.phase}`);
}

/** The tools, bound to a SnapshotStore. */
function createTools(store) {
  const open = (file, ctx) => store.get(file, { onProgress: progressOf(ctx, `opening ${file}`), signal: undefined });

  const edgeList = (title, kind) => async (args, ctx) => {
    const m = await open(args.path, ctx);
    const p = pageOf(args);
    const r = m[kind](args.id, p);
    if (!r) throw notFound(args.id, args.path);
    const pg = paging(p, r);
    const lines = r.rows.map((e) => `  ${e.type} ${quote(e.name, 40)} ${kind === 'retainers' ? 'from' : 'to'} ${nodeLine(e.node)}`);
    return {
      text: `${title} of @${args.id}, ${pg.range}:\n${lines.join('\n')}${more(pg.next)}`,
      data: { id: args.id, ...pg.data, rows: r.rows },
    };
  };

  const tools = [
    {
      name: 'summary',
      title: 'Summary view',
      description:
        "Chrome DevTools' Summary view of a heap snapshot: one row per class (constructor, or {a, b} shape for plain objects) with object count, shallow size, retained size and distance, largest retained size first. Numbers equal DevTools'. Start here.",
      inputSchema: schema(
        {
          path: pathProp,
          filter: { type: 'string', description: 'Only classes whose name contains this text (case-insensitive).' },
          sort: { type: 'string', enum: ['retained', 'shallow', 'count', 'distance', 'name'], description: 'Order (default retained).' },
          limit: limitProp,
          offset: offsetProp,
        },
        ['path'],
      ),
      annotations: READ_ONLY,
      async handler(args, ctx) {
        const m = await open(args.path, ctx);
        const p = pageOf(args);
        const r = m.classes({ ...p, filter: args.filter, sort: args.sort });
        const info = m.info();
        const pg = paging(p, r);
        const lines = r.rows.map(
          (c) => `  ${c.className} ×${num(c.count)}: retained ${formatBytes(c.retainedSize)}, shallow ${formatBytes(c.shallowSize)}, distance ${formatDistance(c)}  [key ${JSON.stringify(c.key)}]`,
        );
        return {
          text: `${args.path}: ${num(info.nodeCount)} objects, total ${formatBytes(info.totalSize)}. Classes ${pg.range}:\n${lines.join('\n')}${more(pg.next)}`,
          data: { snapshot: info, ...pg.data, classes: r.rows },
        };
      },
    },
    {
      name: 'statistics',
      title: 'Statistics view',
      description: "Chrome DevTools' Statistics view: the heap split into code, strings, JS arrays, typed arrays, system objects and other native memory.",
      inputSchema: schema({ path: pathProp }, ['path']),
      annotations: READ_ONLY,
      async handler(args, ctx) {
        const m = await open(args.path, ctx);
        const s = m.statistics();
        const other = s.v8heap.total - s.v8heap.code - s.v8heap.strings - s.v8heap.jsArrays - s.v8heap.system;
        const text = [
          `${args.path}: total ${formatBytes(s.total)}`,
          `  V8 heap ${formatBytes(s.v8heap.total)}: code ${formatBytes(s.v8heap.code)}, strings ${formatBytes(s.v8heap.strings)}, JS arrays ${formatBytes(s.v8heap.jsArrays)}, system ${formatBytes(s.v8heap.system)}, other objects ${formatBytes(other)}`,
          `  native ${formatBytes(s.native.total)}: typed arrays ${formatBytes(s.native.typedArrays)}`,
        ].join('\n');
        return { text, data: s };
      },
    },
    {
      name: 'instances',
      title: 'Objects of a class',
      description: 'The objects of one class, largest retained size first. `className` is a class name as in summary (e.g. "Foo"), or a summary row\'s key (e.g. ",Foo").',
      inputSchema: schema({ path: pathProp, className: { type: 'string', minLength: 1 }, limit: limitProp, offset: offsetProp }, ['path', 'className']),
      annotations: READ_ONLY,
      async handler(args, ctx) {
        const m = await open(args.path, ctx);
        const keys = args.className.includes(',') ? [args.className] : m.summary().filter((r) => r.className === args.className).map((r) => r.key);
        if (!keys.length) throw Object.assign(new Error(`no class ${JSON.stringify(args.className)} in ${args.path} (see summary)`), { code: 'ERR_HEAPSNAP_NOT_FOUND' });
        const p = pageOf(args);
        const r = m.instances(keys, p);
        const pg = paging(p, r);
        return {
          text: `${args.className} in ${args.path}, objects ${pg.range} by retained size:\n${r.rows.map((n) => '  ' + nodeLine(n)).join('\n')}${more(pg.next)}`,
          data: { className: args.className, keys, ...pg.data, objects: r.rows },
        };
      },
    },
    {
      name: 'node',
      title: 'One object',
      description: 'Everything about one object: class, name, type, shallow and retained size, distance from the roots, its immediate dominator, counts of references in and out, and its source location and allocation stack where the snapshot records them.',
      inputSchema: schema({ path: pathProp, id: idProp }, ['path', 'id']),
      annotations: READ_ONLY,
      async handler(args, ctx) {
        const m = await open(args.path, ctx);
        const n = m.node(args.id);
        if (!n) throw notFound(args.id, args.path);
        const lines = [
          nodeLine(n),
          `  class key ${JSON.stringify(n.classKey)}; immediate dominator @${n.dominatorId}; ${num(n.edgeCount)} reference(s) out, ${num(n.retainerCount)} in${n.detachedness === 2 ? '; detached DOM' : ''}`,
        ];
        if (n.location) lines.push(`  location: ${JSON.stringify(n.location)}`);
        if (n.allocationStack) lines.push(`  allocated at:\n${n.allocationStack.map((f) => '    ' + (typeof f === 'string' ? f : JSON.stringify(f))).join('\n')}`);
        return { text: lines.join('\n'), data: n };
      },
    },
    {
      name: 'edges',
      title: 'References out of an object',
      description: 'The references an object holds (its properties, elements, closure context, internal fields), in the snapshot\'s order, with the object each points to.',
      inputSchema: schema({ path: pathProp, id: idProp, limit: limitProp, offset: offsetProp }, ['path', 'id']),
      annotations: READ_ONLY,
      handler: edgeList('References', 'edges'),
    },
    {
      name: 'retainers',
      title: 'What holds an object',
      description: 'The references that point at an object (its retainers), nearest to the GC roots first, with the object each comes from. Follow them with retainer_path or retainer_tree.',
      inputSchema: schema({ path: pathProp, id: idProp, limit: limitProp, offset: offsetProp }, ['path', 'id']),
      annotations: READ_ONLY,
      handler: edgeList('Retainers', 'retainers'),
    },
    {
      name: 'retainer_path',
      title: 'Why an object is alive',
      description: 'The shortest chain of strong references from a GC root to an object: what to cut to free it.',
      inputSchema: schema({ path: pathProp, id: idProp }, ['path', 'id']),
      annotations: READ_ONLY,
      async handler(args, ctx) {
        const m = await open(args.path, ctx);
        const p = m.retainerPath(args.id);
        if (!p) throw notFound(args.id, args.path);
        return { text: `@${args.id} is kept alive by:\n  ${p.text}`, data: p };
      },
    },
    {
      name: 'retainer_tree',
      title: 'Retainers tree',
      description: "DevTools' Retainers tree of an object, a few levels deep: who holds it, who holds those, … (weak references left out, nearest to the roots first, cycles cut).",
      inputSchema: schema(
        {
          path: pathProp,
          id: idProp,
          depth: { type: 'integer', minimum: 1, maximum: 12, description: 'Levels (default 4).' },
          breadth: { type: 'integer', minimum: 1, maximum: 20, description: 'Retainers per object (default 4).' },
        },
        ['path', 'id'],
      ),
      annotations: READ_ONLY,
      async handler(args, ctx) {
        const m = await open(args.path, ctx);
        const rootNode = m.node(args.id);
        if (!rootNode) throw notFound(args.id, args.path);
        const depth = args.depth ?? 4;
        const breadth = args.breadth ?? 4;
        const lines = [];
        const expand = (id, level, onPath) => {
          if (level >= depth) return [];
          const r = m.retainers(id, { offset: 0, limit: 1000 });
          const strong = r.rows.filter((e) => e.type !== 'weak');
          return strong.slice(0, breadth).map((e) => {
            const cycle = onPath.has(e.node.id);
            lines.push(`${'  '.repeat(level + 1)}← ${e.type} ${quote(e.name, 40)} of ${nodeLine(e.node)}${cycle ? ' (cycle)' : ''}`);
            const child = { type: e.type, name: e.name, node: e.node, cycle, retainers: [] };
            if (!cycle) child.retainers = expand(e.node.id, level + 1, new Set([...onPath, e.node.id]));
            if (strong.length > breadth && e === strong[breadth - 1]) lines.push(`${'  '.repeat(level + 1)}… ${strong.length - breadth} more`);
            return child;
          });
        };
        lines.push(nodeLine(rootNode));
        const retainers = expand(args.id, 0, new Set([args.id]));
        return { text: lines.join('\n'), data: { node: rootNode, depth, breadth, retainers } };
      },
    },
    {
      name: 'dominated',
      title: 'Dominator tree children',
      description: 'What an object alone keeps alive: its children in the dominator tree, largest retained size first. Without an id: the top of the tree (children of the root).',
      inputSchema: schema({ path: pathProp, id: idProp, limit: limitProp, offset: offsetProp }, ['path']),
      annotations: READ_ONLY,
      async handler(args, ctx) {
        const m = await open(args.path, ctx);
        const id = args.id ?? m.info().rootId;
        const p = pageOf(args);
        const r = m.dominated(id, p);
        if (!r) throw notFound(id, args.path);
        const pg = paging(p, r);
        return {
          text: `Dominated by @${id}, ${pg.range} by retained size:\n${r.rows.map((n) => '  ' + nodeLine(n)).join('\n')}${more(pg.next)}`,
          data: { id, ...pg.data, objects: r.rows },
        };
      },
    },
    {
      name: 'diff',
      title: 'Comparison view',
      description: "Chrome DevTools' Comparison view of `path` against `base` (two snapshots of one process): per class, objects added and removed and the size change, largest change first. Objects of one class: diff_objects.",
      inputSchema: schema(
        {
          base: { ...pathProp, description: 'The earlier snapshot.' },
          path: { ...pathProp, description: 'The later snapshot.' },
          filter: { type: 'string', description: 'Only classes whose name contains this text.' },
          sort: { type: 'string', enum: ['size', 'count', 'added', 'removed', 'name'], description: 'Order (default: largest size change).' },
          limit: limitProp,
          offset: offsetProp,
        },
        ['base', 'path'],
      ),
      annotations: READ_ONLY,
      async handler(args, ctx) {
        const [b, m] = [await open(args.base, ctx), await open(args.path, ctx)];
        const p = pageOf(args);
        const r = await compare(b, m, { ...p, filter: args.filter, sort: args.sort });
        const pg = paging(p, r);
        const sign = (n, f) => (n > 0 ? '+' : n < 0 ? '−' : '±') + f(Math.abs(n));
        const lines = r.rows.map(
          (c) => `  ${c.className}: +${num(c.addedCount)} −${num(c.removedCount)} (${sign(c.countDelta, num)}), size ${sign(c.sizeDelta, formatBytes)}  [key ${JSON.stringify(c.key)}]`,
        );
        return { text: `${args.path} against ${args.base}, classes ${pg.range}:\n${lines.join('\n')}${more(pg.next)}`, data: { ...pg.data, classes: r.rows } };
      },
    },
    {
      name: 'diff_objects',
      title: 'New or deleted objects of a class',
      description: 'The objects of one class (a diff row\'s key) that are new in `path` (kind "added") or gone since `base` (kind "removed").',
      inputSchema: schema(
        {
          base: pathProp,
          path: pathProp,
          key: { type: 'string', minLength: 1, description: 'The class key from a diff row, e.g. ",Foo".' },
          kind: { type: 'string', enum: ['added', 'removed'] },
          limit: limitProp,
          offset: offsetProp,
        },
        ['base', 'path', 'key'],
      ),
      annotations: READ_ONLY,
      async handler(args, ctx) {
        const [b, m] = [await open(args.base, ctx), await open(args.path, ctx)];
        const p = pageOf(args);
        const kind = args.kind ?? 'added';
        const r = await compareObjects(b, m, args.key, kind, p);
        if (!r) throw Object.assign(new Error(`no class key ${JSON.stringify(args.key)} in the comparison (see diff)`), { code: 'ERR_HEAPSNAP_NOT_FOUND' });
        const pg = paging(p, r);
        return {
          text: `${kind === 'added' ? 'New' : 'Deleted'} ${args.key} objects, ${pg.range}:\n${r.rows.map((n) => '  ' + nodeLine(n)).join('\n')}${more(pg.next)}`,
          data: { key: args.key, kind, ...pg.data, objects: r.rows },
        };
      },
    },
    {
      name: 'leaks',
      title: 'Find leaks',
      description:
        'Leak candidates from three snapshots of one process: baseline (before an action), target (after doing it) and final (after undoing it). Objects allocated after baseline, alive in target and still alive in final, grouped by the retainer path that keeps them, largest first.',
      inputSchema: schema(
        {
          baseline: pathProp,
          target: pathProp,
          final: pathProp,
          ignoreClasses: { type: 'array', items: { type: 'string' }, description: 'Class names never reported.' },
          includeSystem: { type: 'boolean', description: 'Also report objects only V8 internals reach.' },
          limit: limitProp,
          offset: offsetProp,
        },
        ['baseline', 'target', 'final'],
      ),
      annotations: READ_ONLY,
      async handler(args, ctx) {
        const { findLeaks } = require('../leaks.js');
        const f = await open(args.final, ctx);
        const report = await findLeaks({ baseline: args.baseline, target: args.target, final: f.snapshot }, { ignoreClasses: args.ignoreClasses, includeSystem: args.includeSystem });
        const p = pageOf(args);
        const r = { total: report.clusters.length, rows: report.clusters.slice(p.offset, p.offset + p.limit) };
        const pg = paging(p, r);
        const t = report.totals;
        const head = r.total
          ? `${num(t.topLevel)} leaked object(s) in ${num(t.clusters)} cluster(s), retaining ${formatBytes(t.retainedSize)}. Clusters ${pg.range}:`
          : 'No leaks: nothing allocated during the action survived it.';
        const lines = r.rows.map((c, i) => `  #${p.offset + i + 1} ${c.className} ×${num(c.count)}: retains ${formatBytes(c.retainedSize)}\n     ${c.path.text}\n     samples: ${c.sampleIds.map((x) => '@' + x).join(' ')}`);
        return { text: `${head}\n${lines.join('\n')}${more(pg.next)}`, data: { totals: t, ...pg.data, clusters: r.rows } };
      },
    },
    {
      name: 'growth',
      title: 'What keeps growing',
      description: 'Classes and collections (arrays, Maps, Sets, objects used as maps) that grew at every step of a series of snapshots of one process, taken at intervals.',
      inputSchema: schema(
        {
          paths: { type: 'array', items: pathProp, minItems: 2, maxItems: 4, description: 'The snapshots, oldest first.' },
          limit: limitProp,
        },
        ['paths'],
      ),
      annotations: READ_ONLY,
      async handler(args, ctx) {
        const { findGrowth } = require('../leaks.js');
        const models = [];
        for (const p of args.paths) models.push(await open(p, ctx));
        const limit = args.limit ?? DEFAULT_LIMIT;
        const r = await findGrowth(
          models.map((m) => m.snapshot),
          { limit },
        );
        const series = (xs, f) => xs.map(f).join(' → ');
        const lines = [
          r.classes.length ? 'Classes growing at every step:' : 'No class grew at every step.',
          ...r.classes.slice(0, limit).map((c) => `  ${c.className}: ${series(c.counts, num)} objects, ${series(c.sizes, formatBytes)}`),
          r.collections.length ? 'Collections growing at every step:' : 'No collection grew at every step.',
          ...r.collections.slice(0, limit).map((c) => `  @${c.id} ${c.className}: ${series(c.sizes, num)} entries\n     ${c.path.text}`),
        ];
        return { text: lines.join('\n'), data: r };
      },
    },
    {
      name: 'duplicated_strings',
      title: 'Duplicated strings',
      description: 'Strings whose text occurs more than once, by the memory the copies take: candidates for interning or a lookup table.',
      inputSchema: schema({ path: pathProp, limit: limitProp, offset: offsetProp }, ['path']),
      annotations: READ_ONLY,
      async handler(args, ctx) {
        const m = await open(args.path, ctx);
        const p = pageOf(args);
        const r = await m.duplicatedStrings(p);
        const pg = paging(p, r);
        const lines = r.rows.map((g) => `  ${quote(g.value, 60)} ×${num(g.count)}: ${formatBytes(g.totalRetainedSize)} (samples ${g.sampleIds.slice(0, 3).map((x) => '@' + x).join(' ')})`);
        return { text: `Duplicated strings ${pg.range}:\n${lines.join('\n')}${more(pg.next)}`, data: { ...pg.data, strings: r.rows } };
      },
    },
    {
      name: 'search',
      title: 'Search a snapshot',
      description: 'Find an object by id ("@12345"), classes whose name contains some text, and strings whose contents contain it.',
      inputSchema: schema({ path: pathProp, query: { type: 'string', minLength: 1 }, limit: limitProp }, ['path', 'query']),
      annotations: READ_ONLY,
      async handler(args, ctx) {
        const m = await open(args.path, ctx);
        const r = await m.search(args.query, { limit: args.limit ?? DEFAULT_LIMIT });
        const lines = [
          ...r.nodes.map((n) => '  object ' + nodeLine(n)),
          ...r.classes.map((c) => `  class ${c.className} ×${num(c.count)}, retained ${formatBytes(c.retainedSize)} [key ${JSON.stringify(c.key)}]`),
          ...r.strings.map((n) => '  string ' + nodeLine(n)),
        ];
        return { text: lines.length ? `Matches for ${JSON.stringify(args.query)}:\n${lines.join('\n')}` : `Nothing matches ${JSON.stringify(args.query)}.`, data: r };
      },
    },
    {
      name: 'close',
      title: 'Forget a snapshot',
      description: 'Frees the memory of an opened snapshot (all of them without a path). Snapshots are otherwise kept for follow-up questions.',
      inputSchema: schema({ path: pathProp }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      async handler(args) {
        const closed = store.close(args.path);
        return { text: args.path ? (closed ? `Closed ${args.path}.` : `${args.path} was not open.`) : 'Closed every snapshot.', data: { closed, open: store.list().map((e) => e.path) } };
      },
    },
  ];
  return tools;
}

module.exports = { createTools };
