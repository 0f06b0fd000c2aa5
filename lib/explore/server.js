'use strict';
/**
 * The explorer's HTTP server: the front end in lib/explore/ui and a JSON API over the snapshot
 * models, on 127.0.0.1 only, behind a secret token.
 *
 *     const ex = await startExplorer({ file, base, baseline, target, port: 0 });
 *     ex.url     // http://127.0.0.1:PORT/TOKEN/  — the only way in
 *     ex.ready   // resolves when FILE is analysed (the page shows the progress meanwhile)
 *     await ex.close();
 *
 * Every URL starts with the token (so the page's relative links carry it to assets and API
 * alike); anything else gets 403, as does a Host header other than the loopback address we
 * listen on (DNS rebinding). The token is compared in constant time and never logged. Responses
 * carry a strict CSP (scripts and styles from this server only, no inline code, no requests
 * anywhere else), no-store, nosniff, no-referrer. Only GET and HEAD.
 */
const http = require('node:http');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { SnapshotStore } = require('./store.js');
const { compare, compareObjects, SnapshotModel } = require('./model.js');

const UI_DIR = path.join(__dirname, 'ui');
const ASSETS = {
  '': ['index.html', 'text/html; charset=utf-8'],
  'index.html': ['index.html', 'text/html; charset=utf-8'],
  'app.js': ['app.js', 'text/javascript; charset=utf-8'],
  'app.css': ['app.css', 'text/css; charset=utf-8'],
};

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function digest(s) {
  return crypto.createHash('sha256').update(String(s)).digest();
}

/** Constant-time: both sides hashed to 32 bytes first, so lengths leak nothing either. */
function tokenMatches(given, token) {
  return crypto.timingSafeEqual(digest(given), digest(token));
}

function intParam(q, name, fallback) {
  const v = q.get(name);
  if (v === null || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new HttpError(400, `${name} must be a whole number ≥ 0`);
  return n;
}

function idParam(q) {
  const v = q.get('id');
  if (v === null) throw new HttpError(400, 'id is required');
  const n = Number(String(v).replace(/^@/, ''));
  if (!Number.isSafeInteger(n) || n < 0) throw new HttpError(400, 'id must be an object id');
  return n;
}

function pageParams(q) {
  return { offset: intParam(q, 'offset', 0), limit: Math.min(intParam(q, 'limit', 100), 1000) };
}

/** Starts the server; resolves once it listens. */
async function startExplorer({ file, base, baseline, target, port = 0, host = '127.0.0.1', maxOpen = 4, log = () => {} }) {
  const token = crypto.randomBytes(24).toString('base64url');
  const store = new SnapshotStore({ maxOpen });
  const absolute = (f) => (f ? path.resolve(f) : undefined);
  const given = { file: absolute(file), base: absolute(base), baseline: absolute(baseline), target: absolute(target) };
  const loads = new Map(); // absolute path → { phase, step, bytesRead, totalBytes, error }
  const leakReports = new Map();

  const openFile = (abs) => {
    const state = loads.get(abs) ?? { phase: 'queued', bytesRead: 0, totalBytes: 0 };
    loads.set(abs, state);
    return store
      .get(abs, {
        // The engine's 'done' is the end of the analysis; the model is ready once its index is built.
        onProgress: (p) => Object.assign(state, p, p.phase === 'done' ? { phase: 'analyze' } : {}),
      })
      .then(
        (m) => {
          state.phase = 'done';
          return m;
        },
        (e) => {
          state.phase = 'error';
          state.error = `${e.message}${e.code ? ` [${e.code}]` : ''}`;
          throw e;
        },
      );
  };

  const ready = openFile(given.file);
  ready.catch(() => {}); // reported through api/status
  const main = () => ready;

  /** Snapshot files the UI may pick: the given ones and the .heapsnapshot files beside FILE. */
  function files() {
    const out = new Set(Object.values(given).filter(Boolean));
    for (const dir of new Set([...out].map((f) => path.dirname(f)))) {
      let names = [];
      try {
        names = fs.readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names) if (/\.heapsnapshot$/i.test(n) && !n.startsWith('.')) out.add(path.join(dir, n));
    }
    return [...out].sort();
  }

  function pickFile(q, name) {
    const v = q.get(name);
    if (!v) throw new HttpError(400, `${name} is required`);
    const abs = path.resolve(v);
    if (!files().includes(abs)) throw new HttpError(404, `${name}: not one of the snapshot files the explorer offers`);
    return abs;
  }

  const api = {
    status() {
      const state = loads.get(given.file);
      return {
        state: state.phase === 'done' ? 'ready' : state.phase === 'error' ? 'error' : 'loading',
        error: state.error,
        given,
        loads: [...loads].map(([f, s]) => ({ file: f, phase: s.phase, step: s.step ?? null, bytesRead: s.bytesRead, totalBytes: s.totalBytes, error: s.error })),
      };
    },
    async info() {
      const m = await main();
      return { ...m.info(), file: given.file, statistics: m.statistics(), given };
    },
    async files() {
      return { files: files(), given };
    },
    async classes(q) {
      return (await main()).classes({ ...pageParams(q), filter: q.get('filter') ?? undefined, sort: q.get('sort') ?? 'retained' });
    },
    async instances(q) {
      const key = q.get('key');
      if (key === null) throw new HttpError(400, 'key is required');
      return (await main()).instances(key, pageParams(q));
    },
    async node(q) {
      const m = await main();
      const id = idParam(q);
      const n = m.node(id);
      if (!n) throw new HttpError(404, `no object @${id}`);
      return { ...n, retainerPath: m.retainerPath(id) };
    },
    async edges(q) {
      const r = (await main()).edges(idParam(q), pageParams(q));
      if (!r) throw new HttpError(404, 'no such object');
      return r;
    },
    async retainers(q) {
      const r = (await main()).retainers(idParam(q), pageParams(q));
      if (!r) throw new HttpError(404, 'no such object');
      return r;
    },
    async dominated(q) {
      const r = (await main()).dominated(idParam(q), pageParams(q));
      if (!r) throw new HttpError(404, 'no such object');
      return r;
    },
    async statistics() {
      return (await main()).statistics();
    },
    async dupes(q) {
      return (await main()).duplicatedStrings(pageParams(q));
    },
    async search(q) {
      return (await main()).search(q.get('q') ?? '', { limit: Math.min(intParam(q, 'limit', 50), 200) });
    },
    async compare(q) {
      const m = await main();
      const b = await openFile(pickFile(q, 'base'));
      return compare(b, m, { ...pageParams(q), filter: q.get('filter') ?? undefined, sort: q.get('sort') ?? 'size' });
    },
    async compareObjects(q) {
      const m = await main();
      const b = await openFile(pickFile(q, 'base'));
      const kind = q.get('kind') === 'removed' ? 'removed' : 'added';
      const r = await compareObjects(b, m, q.get('key') ?? '', kind, pageParams(q));
      if (!r) throw new HttpError(404, 'no such class in the comparison');
      return r;
    },
    async leaks(q) {
      const m = await main();
      const bl = pickFile(q, 'baseline');
      const tg = pickFile(q, 'target');
      const stamp = (f) => {
        const st = fs.statSync(f);
        return `${f}:${st.size}:${st.mtimeMs}`;
      };
      const cacheKey = `${stamp(bl)}|${stamp(tg)}|${m.snapshot.nodeCount}`;
      let report = leakReports.get(cacheKey);
      if (!report) {
        const { findLeaks } = require('../leaks.js');
        report = await findLeaks({ baseline: bl, target: tg, final: m.snapshot });
        leakReports.set(cacheKey, report);
      }
      const { offset, limit } = pageParams(q);
      return { totals: report.totals, total: report.clusters.length, rows: report.clusters.slice(offset, offset + limit) };
    },
  };
  const ROUTES = {
    status: api.status,
    info: api.info,
    files: api.files,
    classes: api.classes,
    instances: api.instances,
    node: api.node,
    edges: api.edges,
    retainers: api.retainers,
    dominated: api.dominated,
    statistics: api.statistics,
    dupes: api.dupes,
    search: api.search,
    compare: api.compare,
    'compare-objects': api.compareObjects,
    leaks: api.leaks,
  };

  let actualPort;
  const allowedHosts = () => new Set([`${host}:${actualPort}`, `localhost:${actualPort}`]);

  function send(res, status, type, body, extra = {}) {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  }

  async function handle(req, res) {
    const started = process.hrtime.bigint();
    if (!allowedHosts().has(String(req.headers.host))) return send(res, 403, 'text/plain; charset=utf-8', 'Forbidden\n');
    const url = new URL(req.url, 'http://127.0.0.1');
    const parts = url.pathname.split('/');
    // parts[0] is '' (leading slash), parts[1] the token
    if (parts.length < 2 || !tokenMatches(parts[1] ?? '', token)) return send(res, 403, 'text/plain; charset=utf-8', 'Forbidden\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
    if (parts.length === 2) return send(res, 308, 'text/plain; charset=utf-8', '', { Location: `/${token}/` });
    const rest = parts.slice(2).join('/');
    if (Object.hasOwn(ASSETS, rest)) {
      const [name, type] = ASSETS[rest];
      return send(res, 200, type, fs.readFileSync(path.join(UI_DIR, name)));
    }
    const m = /^api\/([a-z-]+)$/.exec(rest);
    if (!m || !Object.hasOwn(ROUTES, m[1])) return send(res, 404, 'application/json', JSON.stringify({ error: 'not found' }));
    try {
      const result = await ROUTES[m[1]](url.searchParams);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      send(res, 200, 'application/json', JSON.stringify(result), { 'Server-Timing': `app;dur=${ms.toFixed(1)}` });
    } catch (e) {
      const status = e instanceof HttpError ? e.status : e && typeof e.code === 'string' && e.code.startsWith('ERR_HEAPSNAP') ? 422 : 500;
      if (status === 500) log(`explore: ${e && e.stack ? e.stack : e}`);
      send(res, status, 'application/json', JSON.stringify({ error: e && e.message ? e.message : String(e), code: e?.code }));
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      log(`explore: ${e && e.stack ? e.stack : e}`);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'Internal Server Error\n');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  actualPort = server.address().port;
  const url = `http://${host}:${actualPort}/${token}/`;
  return {
    url,
    port: actualPort,
    host,
    ready,
    server,
    async close() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve()));
      store.close();
    },
  };
}

module.exports = { startExplorer, CSP, SnapshotModel };
