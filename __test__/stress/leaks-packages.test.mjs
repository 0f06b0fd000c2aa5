// Leaks of real npm packages, at the versions their issue trackers reported them (pinned in
// devDependencies), each next to a twin: the fixed release (installed under an npm alias,
// e.g. `debug-4.3.1`) or, where no release fixes it, the package's documented remedy. The leak
// is cluster #1 with the right count, named after what leaked, its holder is the real one, it
// carries the package's file:line; every twin passes `heapsnap leaks --fail-on-leak`. In
// `npm run test:stress`: each case is a child process of ~7 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { repo } from '../support/oracle.mjs';
import { tempDir } from '../support/programs.mjs';

const require = createRequire(import.meta.url);
const { findLeaks, formatLeaks } = require('../../index.js');
const bin = join(repo, 'bin', 'heapsnap.js');
const N = 20;

function scenario(t, name, variant) {
  const dir = tempDir(t);
  execFileSync(process.execPath, [join(repo, '__test__', 'fixtures', 'package-leaks.js'), name, variant, dir, String(N)], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 120_000,
  });
  return { baseline: join(dir, 'baseline.heapsnapshot'), target: join(dir, 'target.heapsnapshot'), final: join(dir, 'final.heapsnapshot') };
}

/** 1-based line of `text` in an installed package's file. */
function lineIn(file, text) {
  const i = readFileSync(require.resolve(file), 'utf8').split('\n').findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `${text} in ${file}`);
  return i + 1;
}

const EXPECT = {
  winston: {
    version: ['winston', '3.3.3'],
    className: 'Function',
    name: 'bound _uncaughtException (this: ExceptionHandler)',
    // Node 24 sometimes reaches process through its bootstrap getter's variable `_process`
    holder: /^'uncaughtException' listeners on _?process/,
    file: /node_modules\/winston\/lib\/winston\/exception-handler\.js$/,
    line: () => lineIn('winston/lib/winston/exception-handler.js', '_uncaughtException(err) {'),
    retains: /^(DerivedLogger|ExceptionHandler|Stream|WritableState)$/, // the largest class of the package's it keeps
  },
  nodeCache: {
    version: ['node-cache', '5.1.2'],
    className: 'Timeout',
    name: 'Timeout → bound _checkData (this: NodeCache)',
    holder: /timerListMap|TimersList|_idle/,
    file: /node_modules\/node-cache\/lib\/node_cache\.js$/,
    line: () => lineIn('node-cache/lib/node_cache.js', '_checkData(startPeriod = true) {'),
    retains: /^NodeCache$/,
  },
  debug: {
    version: ['debug-4.1.1', '4.1.1'],
    title: 'debug@4.1.1',
    fixedVersion: ['debug-4.3.1', '4.3.1'],
    className: 'Function',
    name: 'debug',
    holder: /^instances \(Array\) ← createDebug$/,
    file: /node_modules\/debug-4\.1\.1\/src\/common\.js$/,
    line: () => lineIn('debug-4.1.1/src/common.js', 'function debug(...args) {'),
  },
  timedOut: {
    version: ['timed-out', '3.1.0'],
    fixedVersion: ['timed-out-3.1.3', '3.1.3'],
    className: 'Timeout',
    name: 'Timeout → timeoutHandler',
    holder: /timerListMap|TimersList|_idle/,
    file: /node_modules\/timed-out\/index\.js$/,
    line: () => lineIn('timed-out/index.js', 'function timeoutHandler() {'),
    // and the listener it adds to the pooled socket, the leak its issue reported
    second: {
      className: 'Function',
      name: 'connect',
      // Node 20 reaches the socket as req.socket, Node 22 and 24 as req[kSocket]
      holder: /^'connect' listeners on (socket|<symbol kSocket>)/,
      line: () => lineIn('timed-out/index.js', "socket.on('connect', function connect() {"),
    },
  },
  cacheableLookup: {
    version: ['cacheable-lookup', '6.1.0'],
    className: 'Timeout',
    name: 'Timeout → (anonymous)',
    holder: /timerListMap|TimersList|_idle/,
    file: /node_modules\/cacheable-lookup\/source\/index\.js$/,
    line: () => lineIn('cacheable-lookup/source/index.js', 'const interval = setInterval(() => {'),
    retains: /^CacheableLookup$/,
  },
};

for (const [name, want] of Object.entries(EXPECT)) {
  test(`${want.title ?? want.version.join('@')}: the leak is cluster #1, named, held and located`, async (t) => {
    assert.equal(require(`${want.version[0]}/package.json`).version, want.version[1], 'the pinned version is installed');
    const s = scenario(t, name, 'leaky');
    const report = await findLeaks(s);
    const top = report.clusters[0];
    assert.ok(top, formatLeaks(report, { setAside: true }));
    assert.equal(top.className, want.className);
    assert.equal(top.count, N);
    assert.equal(top.name, want.name);
    assert.match(top.holder?.text ?? '', want.holder, `holder: ${top.holder?.text}; path: ${top.path.text}`);
    assert.match(top.location?.url ?? '', want.file);
    assert.equal(top.location.line, want.line());
    if (want.retains) {
      assert.match(top.retains?.className ?? '', want.retains);
      assert.match(top.retains.location?.url ?? '', /\/node_modules\//, "a class of the package's own");
    }
    if (want.second) {
      const next = report.clusters[1];
      assert.equal(next?.className, want.second.className);
      assert.equal(next.count, N);
      assert.equal(next.name, want.second.name);
      assert.match(next.holder?.text ?? '', want.second.holder, next.path.text);
      assert.match(next.location?.url ?? '', want.file);
      assert.equal(next.location.line, want.second.line());
    }
    const cli = spawnSync(process.execPath, [bin, 'leaks', s.baseline, s.target, s.final, '--fail-on-leak'], { encoding: 'utf8' });
    assert.equal(cli.status, 1);
    assert.match(cli.stdout, new RegExp(`#1 ${want.className} ×${N}: `));
  });

  test(`${want.title ?? want.version.join('@')}: the fixed twin (fixed release or documented remedy) passes --fail-on-leak`, async (t) => {
    if (want.fixedVersion) assert.equal(require(`${want.fixedVersion[0]}/package.json`).version, want.fixedVersion[1]);
    const s = scenario(t, name, 'fixed');
    const cli = spawnSync(process.execPath, [bin, 'leaks', s.baseline, s.target, s.final, '--fail-on-leak'], { encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stdout + cli.stderr);
    assert.match(cli.stdout, /^No leaks found/);
  });
}
