#!/usr/bin/env node
'use strict';
// Builds the heap of a plausible Node.js service and writes it with v8.writeHeapSnapshot.
//
//   node realistic-program.js OUT.heapsnapshot [--scale N] [--series K] [--seed S] [--json]
//
// Why this shape: benchmarks need big snapshots that look like real ones (classes, closures,
// collections, strings of every kind, off-heap buffers), and the parity tests need one small
// snapshot that exercises every corner DevTools treats specially:
//   - ES classes (User, Session, Order, RequestLog) and a second `LruCache` from another
//     module (other-module.js), so location-split class keys appear;
//   - closures capturing state, an EventEmitter with listeners, pending Promises;
//   - Map, Set, WeakMap with live keys, WeakRef (live and cleared), FinalizationRegistry;
//   - Float64Array, Uint8Array, Buffer; Date, RegExp, Error, BigInt, symbols;
//   - strings with JSON escapes (quote, backslash, newline, tab, U+0001, U+2028), non-ASCII
//     (é, 中文, 😀), lone surrogates, concatenated and sliced strings;
//   - plain objects with a few repeated shapes (DevTools infers `{a, b}` interface classes),
//     including property names that need quoting (`"a, b"`, `"it's"`, `"{x}"`);
//   - a dictionary-mode object and arrays of objects.
// Content is deterministic for a given scale and seed (a seeded PRNG, no clock in the data).
//
// --scale N   multiplies every per-unit count (N may be fractional). Measured on Node 20:
//             scale 1 ≈ 10 MB, see benchmark/README.md for the scales of the bench sizes.
// --series K  writes K snapshots OUT-1…OUT-K of one process for leak detection: 1 = baseline
//             (app built), 2 = target (traffic whose request contexts leak through a forgotten
//             listener), 3+ = final (more traffic that is released). K defaults to 1.
// --json      prints one JSON line instead of the human one.
// Exit codes: 0 ok, 2 usage error.
// Required as a module it runs nothing and exports buildApp(scale) and the classes, so a test can
// build the same heap in-process.

const v8 = require('node:v8');
const fs = require('node:fs');
const path = require('node:path');
const { EventEmitter } = require('node:events');
const { LruCache: OtherLruCache, makeTokenFormatter } = require('./other-module.js');

// ---------------------------------------------------------------------------------------------
// Arguments

function usage(msg) {
  if (msg) process.stderr.write(`realistic-program: ${msg}\n`);
  process.stderr.write('usage: node realistic-program.js OUT.heapsnapshot [--scale N] [--series K] [--seed S] [--json]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { out: null, scale: 1, series: 1, seed: 1, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const num = () => {
      const v = Number(inline !== undefined ? inline : argv[++i]);
      if (!Number.isFinite(v) || v <= 0) usage(`${flag} needs a positive number`);
      return v;
    };
    if (flag === '--scale') opts.scale = num();
    else if (flag === '--series') opts.series = Math.floor(num());
    else if (flag === '--seed') opts.seed = Math.floor(num());
    else if (a === '--json') opts.json = true;
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (opts.out === null) opts.out = a;
    else usage(`unexpected argument ${a}`);
  }
  if (!opts.out) usage('missing OUT.heapsnapshot');
  return opts;
}

// ---------------------------------------------------------------------------------------------
// Deterministic helpers

function mulberry32(seed) {
  let a = seed >>> 0;
  return function rand() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let rand = mulberry32(1);
const pick = (arr) => arr[Math.floor(rand() * arr.length)];
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

// Strings that are hard to serialize: each must survive the JSON escaping of the file.
const AWKWARD_STRINGS = [
  'say "hello"',
  'C:\\path\\to\\file',
  'line one\nline two',
  'col\tcol\tcol',
  'ctrl \u0001 \u0002 \u001f char',
  'line\u2028separator\u2029para',
  'café crème brûlée é',
  '中文字符串 用户名',
  'emoji 😀 and 🚀 and 👩‍👩‍👧',
  'lone high \uD800 surrogate',
  'lone low \uDC00 surrogate',
  '\uD800',
  '{"json":[1,2,{"k":"v"}]}',
  "it's a </script> tag",
  'nul \u0000 inside',
];
const FIRST_NAMES = ['Zoë', 'José', 'Ana', 'Li Wei', '王芳', 'Mohammed', 'Søren', 'Ólafur', 'Ngozi', 'Ava 😀', 'Kenji', 'Łukasz'];
const LAST_NAMES = ['Müller', 'García', '张', 'Smith', "O'Brien", 'Nguyễn', 'Kowalski', 'Dubois', 'Rossi', 'Ivanov'];
const CITIES = ['Zürich', 'São Paulo', '東京', 'Kraków', 'Reykjavík', 'Paris', 'Lagos', 'Austin'];
const COUNTRIES = ['CH', 'BR', 'JP', 'PL', 'IS', 'FR', 'NG', 'US'];
const SKUS = ['SKU-kettle', 'SKU-teapot', 'SKU-mug', 'SKU-grinder', 'SKU-filter', 'SKU-scale', 'SKU-beans'];
const ROUTES = ['/api/users/:id', '/api/orders', '/api/orders/:id', '/login', '/logout', '/api/search', '/health'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const USER_AGENTS = ['Mozilla/5.0 (X11; Linux x86_64)', 'curl/8.5.0', 'node-fetch/3', 'Go-http-client/2.0'];
// One long flat string; slices of it (length ≥ 13) become V8 "sliced string" nodes.
const LOREM = ('Lorem ipsum dolor sit amet, consectetur adipiscing elit — ünïcödé — 日本語 — ' +
  'sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ').repeat(64);

const SECRET = Symbol('user.secret');
const REGISTRY_KEY = Symbol.for('heapsnap.bench.registry');

// ---------------------------------------------------------------------------------------------
// The application model

class User {
  constructor(id, name, email) {
    this.id = id;
    this.name = name;
    this.email = email;
    this.profile = makeProfile(id);
    this.tags = new Set();
    this.prefs = new Map();
    this.createdAt = new Date(Date.UTC(2024, id % 12, 1 + (id % 28)));
    this.score = id * 0.75 + 0.5; // a heap number
    this[SECRET] = `secret-${id.toString(16)}`;
  }

  greet() {
    return `Hello, ${this.name}!`;
  }
}

class Session {
  constructor(user, token) {
    this.user = user;
    this.token = token;
    this.timings = new Float64Array(8);
    this.expiresAt = 1_700_000_000_000 + user.id * 1000;
    this.label = Symbol(`session:${token.slice(0, 6)}`);
    let touched = 0;
    // A closure that captures the session's user and a private counter.
    this.touch = () => {
      touched++;
      return `${user.email} touched ${touched}`;
    };
  }
}

class Order {
  constructor(seq, user, items) {
    this.id = BigInt(seq) * 1_000_003n + 7n; // a bigint per order
    this.user = user;
    this.items = items;
    this.total = items.reduce((s, it) => s + it.qty * it.price, 0);
    this.currency = pick(['EUR', 'USD', 'JPY', 'CHF']);
    this.shipTo = { street: `${int(1, 999)} ${pick(LAST_NAMES)} Street`, city: pick(CITIES), zip: String(int(10000, 99999)), country: pick(COUNTRIES) };
    this.note = seq % 7 === 0 ? `Deliver to "back door"\n\tcode: ${seq}\u0001` : null;
  }
}

class RequestLog {
  constructor(capacity) {
    this.capacity = capacity;
    this.entries = [];
    this.bytes = new Uint8Array(Math.max(16, capacity * 4));
    this.dropped = 0;
  }

  push(entry) {
    if (this.entries.length >= this.capacity) {
      this.entries.shift();
      this.dropped++;
    }
    this.entries.push(entry);
  }
}

// Same name as other-module.js's LruCache: two location-split class keys.
class LruCache {
  constructor(limit) {
    this.limit = limit;
    this.map = new Map();
    this.hits = 0;
    this.misses = 0;
  }

  get(key) {
    const v = this.map.get(key);
    if (v === undefined) { this.misses++; return undefined; }
    this.map.delete(key);
    this.map.set(key, v);
    this.hits++;
    return v;
  }

  set(key, value) {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value);
  }
}

class RequestContext {
  constructor(seq, session) {
    this.seq = seq;
    this.session = session;
    this.startedAt = 1_700_000_000_000 + seq;
    this.scratch = new Array(8).fill(seq);
    this.trace = `${pick(METHODS)} ${pick(ROUTES)} #${seq}`;
  }
}

// Plain objects in a few repeated shapes, so DevTools infers interface classes such as
// `{theme, locale, notifications}` or `{street, city, zip, country}`.
function makeProfile(id) {
  const profile = {
    settings: { theme: pick(['dark', 'light', 'système']), locale: pick(['en-US', 'fr-FR', 'zh-CN', 'ja-JP']), notifications: id % 3 !== 0 },
    stats: { a: id, b: id * 2 },
    bio: id % 5 === 0 ? pick(AWKWARD_STRINGS) + ` #${id}` : '',
  };
  if (id % 4 === 0) profile.links = [{ rel: 'home', href: `https://example.test/u/${id}` }, { rel: 'avatar', href: `https://cdn.example.test/a/${id}.png` }];
  if (id % 6 === 0) profile.quirky = { 'a, b': id, "it's": true, '{x}': 'curly', 'quote"d': null };
  return profile;
}

function makeName(i) {
  // Concatenation of two strings of total length ≥ 13 makes a V8 ConsString.
  return pick(FIRST_NAMES) + ' ' + pick(LAST_NAMES) + ` ${i}`;
}

function makeMiddleware(name, config) {
  let calls = 0;
  const seen = new Set();
  return function middleware(req, next) {
    calls++;
    seen.add(req.route);
    if (config.log) req.tags.push(`${name}:${calls}`);
    return next(req);
  };
}

// ---------------------------------------------------------------------------------------------
// Building the heap

function buildApp(scale = 1, seed = 1) {
  rand = mulberry32(seed);
  const n = (base) => Math.max(1, Math.round(base * scale));
  const formatToken = makeTokenFormatter('tok');
  const app = {
    name: 'heapsnap-realistic-service',
    startedAt: new Date(Date.UTC(2025, 0, 1)),
    awkward: AWKWARD_STRINGS.slice(),
    users: [],
    usersByEmail: new Map(),
    sessions: new Map(),
    sessionRefs: [],
    orders: [],
    ordersByUser: new Map(),
    activeUserIds: new Set(),
    userMeta: new WeakMap(),
    caches: [],
    otherCaches: [],
    logs: new RequestLog(n(1800)),
    bus: new EventEmitter(),
    middleware: [],
    routes: ROUTES.map((r) => ({ route: r, re: new RegExp('^' + r.replace(/:\w+/g, '([^/]+)') + '$') })),
    metrics: { latency: new Float64Array(n(2400)), statusCounts: new Uint32Array(600), raw: Buffer.alloc(n(40 * 1024)) },
    registry: {}, // becomes dictionary-mode
    pending: [],
    resolvers: [],
    finalization: new FinalizationRegistry(() => {}),
    big: 2n ** 200n - 1n,
    errors: [],
    excerpts: [],
    stats: { logins: 0, orders: 0, revenue: 0 },
  };
  app[REGISTRY_KEY] = 'global symbol key';
  app.bus.setMaxListeners(0);

  const userCount = n(900);
  for (let i = 0; i < userCount; i++) {
    const name = makeName(i);
    const email = `user${i}@${pick(['example.com', 'exämple.de', '例え.jp'])}`;
    const u = new User(i, name, email);
    for (let t = 0; t < 3; t++) u.tags.add(pick(['admin', 'beta', 'vip', 'trial', 'émigré', '新']));
    u.prefs.set('lang', u.profile.settings.locale);
    u.prefs.set('tz', pick(['UTC', 'Europe/Zürich', 'Asia/Tokyo']));
    app.users.push(u);
    app.usersByEmail.set(email, u);
    if (i % 2 === 0) app.activeUserIds.add(i);
    app.userMeta.set(u, { lastSeen: 1_700_000_000_000 + i, visits: int(1, 500) }); // live keys
  }

  const sessionCount = n(720);
  for (let i = 0; i < sessionCount; i++) {
    const u = app.users[int(0, app.users.length - 1)];
    const s = new Session(u, formatToken(i * 7919));
    s.timings[0] = i;
    app.sessions.set(s.token, s);
    app.sessionRefs.push(new WeakRef(s));
    if (i % 10 === 0) app.finalization.register(s, s.token);
    if (i % 3 === 0) app.bus.on('logout', (uid) => { if (uid === u.id) app.sessions.delete(s.token); });
  }
  // WeakRefs whose targets are gone by the time the snapshot is written.
  for (let i = 0; i < n(120); i++) app.sessionRefs.push(new WeakRef({ dead: i }));

  const orderCount = n(1500);
  for (let i = 0; i < orderCount; i++) {
    const u = app.users[int(0, app.users.length - 1)];
    const items = [];
    for (let k = int(1, 5); k > 0; k--) items.push({ sku: pick(SKUS), qty: int(1, 4), price: int(199, 9999) / 100 });
    const o = new Order(i, u, items);
    app.orders.push(o);
    let list = app.ordersByUser.get(u.id);
    if (!list) app.ordersByUser.set(u.id, (list = []));
    list.push(o);
  }

  const logCount = n(1800);
  for (let i = 0; i < logCount; i++) {
    const route = pick(ROUTES);
    const entry = {
      method: pick(METHODS),
      url: route.replace(':id', String(i)) + (i % 9 === 0 ? `?q=${encodeURIComponent(pick(AWKWARD_STRINGS.slice(0, 9)))}` : ''),
      status: pick([200, 200, 200, 201, 204, 304, 400, 404, 500]),
      durationMs: int(1, 900) / 10,
      headers: { host: 'api.example.test', 'user-agent': pick(USER_AGENTS), accept: 'application/json' },
      body: i % 4 === 0 ? Buffer.from(JSON.stringify({ i, note: pick(AWKWARD_STRINGS) })) : new Uint8Array(i % 32),
    };
    app.logs.push(entry);
    app.metrics.statusCounts[entry.status]++;
  }

  for (let i = 0; i < n(90); i++) {
    const c = new LruCache(64);
    for (let k = 0; k < 24; k++) c.set(`k${i}:${k}`, { value: k, at: i });
    app.caches.push(c);
    const o = new OtherLruCache(32, 60_000);
    for (let k = 0; k < 12; k++) o.put(`o${i}:${k}`, [i, k], 1_700_000_000_000);
    app.otherCaches.push(o);
  }

  for (let i = 0; i < n(24); i++) app.middleware.push(makeMiddleware(`mw${i}`, { log: i % 2 === 0, order: i }));

  let orderEvents = 0;
  app.bus.on('order', function countOrder(o) { orderEvents++; app.stats.orders++; app.stats.revenue += o.total; });
  app.bus.on('login', function countLogin() { app.stats.logins++; });
  app.bus.once('shutdown', () => orderEvents);
  for (let i = 0; i < Math.min(app.orders.length, 50); i++) app.bus.emit('order', app.orders[i]);

  for (let i = 0; i < n(600); i++) app.registry[`svc-${i}-${pick(['α', 'β', 'γ'])}`] = { port: 3000 + i, healthy: i % 11 !== 0 };
  for (let i = 0; i < n(600); i += 3) delete app.registry[`svc-${i}-α`]; // deletions keep it in dictionary mode

  for (let i = 0; i < n(12); i++) app.pending.push(new Promise((resolve) => { app.resolvers.push(resolve); }));
  for (let i = 0; i < n(6); i++) app.errors.push(new Error(`upstream failed: "${pick(AWKWARD_STRINGS)}" #${i}`));
  for (let i = 0; i < n(240); i++) {
    const start = (i * 37) % (LOREM.length - 200);
    app.excerpts.push(LOREM.slice(start, start + 40 + (i % 60)));
  }
  return app;
}

// Traffic between the snapshots of a --series run. The request contexts of `leaky` rounds stay
// reachable through a listener that is never removed (a classic Node leak); the others go away.
function serveTraffic(app, round, count, leaky) {
  const sessions = Array.from(app.sessions.values());
  for (let i = 0; i < count; i++) {
    const ctx = new RequestContext(round * 1_000_000 + i, sessions[i % sessions.length]);
    app.logs.push({ method: 'GET', url: `/round/${round}/${i}`, status: 200, durationMs: 1, headers: { host: 'api.example.test', 'user-agent': 'bench', accept: '*/*' }, body: new Uint8Array(0) });
    if (leaky) app.bus.on(`request:${round}:${i % 64}`, () => ctx.seq);
  }
}

// ---------------------------------------------------------------------------------------------

function seriesPath(out, i, k) {
  if (k === 1) return out;
  const ext = path.extname(out) || '.heapsnapshot';
  return `${out.slice(0, out.length - path.extname(out).length)}-${i}${ext}`;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = process.hrtime.bigint();
  globalThis.__heapsnapBenchApp = buildApp(opts.scale, opts.seed);
  const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
  fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });

  const written = [];
  for (let i = 1; i <= opts.series; i++) {
    if (i > 1) serveTraffic(globalThis.__heapsnapBenchApp, i, Math.max(10, Math.round(300 * opts.scale)), i === 2);
    const file = seriesPath(opts.out, i, opts.series);
    const t1 = process.hrtime.bigint();
    v8.writeHeapSnapshot(file);
    const writeMs = Number(process.hrtime.bigint() - t1) / 1e6;
    const bytes = fs.statSync(file).size;
    written.push({ file, bytes, writeMs: Math.round(writeMs) });
  }
  const result = {
    node: process.version,
    scale: opts.scale,
    seed: opts.seed,
    buildMs: Math.round(buildMs),
    files: written,
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  if (opts.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
  } else {
    for (const w of written) {
      process.stdout.write(`${w.file}: ${w.bytes} bytes (${(w.bytes / 1e6).toFixed(1)} MB), written in ${(w.writeMs / 1000).toFixed(2)} s\n`);
    }
    process.stdout.write(`node ${process.version}, scale ${opts.scale}, build ${(buildMs / 1000).toFixed(2)} s, peak RSS ${result.maxRssMB} MB\n`);
  }
}

if (require.main === module) main();
else module.exports = { buildApp, serveTraffic, AWKWARD_STRINGS, User, Session, Order, RequestLog, LruCache, RequestContext };
