// The real CLI binary on snapshots the test writes: output, --json shapes, exit codes
// (0 ok, 1 check failed, 2 usage or unreadable input) and --help on every command.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { repo } from './support/oracle.mjs';

const bin = join(repo, 'bin', 'heapsnap.js');
const cli = (...args) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, timeout: 120_000 });
let dir, base, target, final;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'heapsnap-cli-'));
  execFileSync(process.execPath, [join(repo, '__test__', 'fixtures', 'leak-scenario.js'), 'requestArray', 'leaky', dir, '40']);
  [base, target, final] = ['baseline', 'target', 'final'].map((n) => join(dir, `${n}.heapsnapshot`));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('summary: table by default, --json with the documented shape, --limit/--filter/--sort', () => {
  const r = cli('summary', final, '--limit', '5');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Class +Count +Shallow +Retained +Distance/);
  assert.match(r.stdout, /\d+(\.\d)? (KB|MB|B)/);
  const j = JSON.parse(cli('summary', final, '--json', '--filter', '^RequestRecord$').stdout);
  assert.deepEqual(Object.keys(j).sort(), ['classes', 'edgeCount', 'file', 'nodeCount', 'totalSize']);
  assert.equal(j.classes.length, 1);
  assert.equal(j.classes[0].count, 42, '40 + the first record + the warm-up one');
  // a located class (its key is "scriptId,line,col,Class") carries its 1-based location
  assert.deepEqual(Object.keys(j.classes[0]).sort(), ['className', 'count', 'distance', 'key', 'location', 'reachability', 'retainedSize', 'shallowSize']);
  const [, line, column] = j.classes[0].key.split(',').map(Number);
  assert.deepEqual([j.classes[0].location.line, j.classes[0].location.column], [line + 1, column + 1]);
  assert.match(j.classes[0].location.url, /leak-scenario\.js$/);
  const byCount = JSON.parse(cli('summary', final, '--json', '--sort', 'count', '--limit', '3').stdout).classes;
  assert.ok(byCount[0].count >= byCount[1].count && byCount[1].count >= byCount[2].count);
});

test('stats: the Statistics view, and --json', () => {
  const r = cli('stats', final);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Strings/);
  const j = JSON.parse(cli('stats', final, '--json').stdout);
  assert.equal(j.statistics.v8heap.total + j.statistics.native.total, j.statistics.total);
});

test('diff: Comparison rows, and --max-growth gates with exit 1', () => {
  const j = JSON.parse(cli('diff', base, target, '--json').stdout);
  const rec = j.classes.find((c) => c.className === 'RequestRecord');
  assert.equal(rec.addedCount, 40);
  assert.equal(cli('diff', base, target, '--max-growth', '100MB').status, 0);
  const r = cli('diff', base, target, '--max-growth', '1KB');
  assert.equal(r.status, 1);
  assert.match(r.stdout, /FAIL: growth/);
});

test('leaks: clusters with paths; --fail-on-leak and --max-retained exit 1', () => {
  const r = cli('leaks', base, target, final);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /RequestRecord ×40/);
  assert.match(r.stdout, /global → \.requestLog \(Object\) → \.records \(Array\)/);
  const j = JSON.parse(cli('leaks', base, target, final, '--json').stdout);
  assert.equal(j.clusters[0].className, 'RequestRecord');
  assert.equal(j.failed, false);
  assert.equal(cli('leaks', base, target, final, '--fail-on-leak').status, 1);
  assert.equal(cli('leaks', base, target, final, '--max-retained', 'RequestRecord=1MB').status, 0);
  assert.equal(cli('leaks', base, target, final, '--max-retained', 'RequestRecord=1KB').status, 1);
  assert.equal(cli('leaks', base, target, final, '--ignore-class', 'RequestRecord', '--fail-on-leak').status, 0);
});

test('growth, path and top', () => {
  const g = JSON.parse(cli('growth', base, target, final, '--json').stdout);
  assert.ok(Array.isArray(g.classes) && Array.isArray(g.collections));
  const leaks = JSON.parse(cli('leaks', base, target, final, '--json').stdout);
  const id = leaks.clusters[0].sampleIds[0];
  const p = cli('path', final, `@${id}`);
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, /Retainer path:\n  global → \.requestLog/);
  assert.equal(cli('path', final, '@999999999').status, 1);
  const top = JSON.parse(cli('top', final, '--json', '--limit', '3').stdout);
  assert.equal(top.length, 3);
  assert.ok(top[0].retainedSize >= top[1].retainedSize);
});

test('dupes: duplicated strings with their copies', () => {
  const j = JSON.parse(cli('dupes', final, '--json').stdout);
  assert.ok(j.length > 0 && j.every((g) => g.count >= 2));
  // every RequestRecord has headers.accept = 'json': one of the strings V8 shares, or duplicates
  assert.ok(j[0].totalRetainedSize >= j.at(-1).totalRetainedSize);
  assert.equal(cli('dupes', final).status, 0);
});

test('exit 2 with one line for bad usage and unreadable input; --help everywhere', () => {
  const bad = join(dir, 'bad.heapsnapshot');
  writeFileSync(bad, '{"snapshot":');
  for (const args of [['summary'], ['summary', join(dir, 'missing.heapsnapshot')], ['summary', bad], ['diff', base], ['nope'], ['summary', final, '--sort', 'x'], ['path', final, 'abc']]) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /^heapsnap: /);
  }
  assert.match(cli('summary', bad).stderr, /ERR_HEAPSNAP_PARSE/);
  for (const cmd of ['summary', 'stats', 'diff', 'leaks', 'growth', 'path', 'top', 'dupes', 'capture', 'report', 'demo']) {
    const r = cli(cmd, '--help');
    assert.equal(r.status, 0, cmd);
    assert.match(r.stdout, /Usage: heapsnap/, cmd);
  }
  assert.equal(cli('--help').status, 0);
  assert.equal(cli().status, 2);
});

test('demo: finds the bundled leak, and nothing in the fixed program', () => {
  const before = readdirSync(dir).sort();
  const r = cli('demo', '--requests', '60');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Function ×60/);
  assert.match(r.stdout, /\.server \(Server\) → \.bus \(EventEmitter\) → \._events/);
  // one line for each word it uses
  for (const word of ['shallow', 'retained', 'distance', 'cluster', 'system / Context']) {
    assert.match(r.stdout, new RegExp(`^ {2}${word} +\\S.*$`, 'm'), `explains "${word}"`);
  }
  // the ids it prints are ids of a snapshot that still exists
  const [, snap, id] = r.stdout.match(/Next: heapsnap path (\S+) @(\d+)/);
  assert.match(r.stdout, new RegExp(`sample ids: @${id}\\b`));
  const why = cli('path', snap, `@${id}`);
  assert.equal(why.status, 0, why.stderr);
  assert.match(why.stdout, /onConfigChange/);
  rmSync(dirname(snap), { recursive: true, force: true });

  const fixed = cli('demo', '--fixed', '--requests', '60', '--json');
  const result = JSON.parse(fixed.stdout);
  assert.equal(result.leaks.clusters.length, 0);
  const html = readFileSync(result.report, 'utf8');
  assert.match(html, /<svg/);
  rmSync(result.dir, { recursive: true, force: true });
  assert.deepEqual(readdirSync(dir).sort(), before, 'nothing written where it runs');
});

// ---------- A CLI that never hides a finding ----------

const commandModule = (name) => createRequire(import.meta.url)(join(repo, 'lib', 'cli', `${name}.js`));

/** An io whose stderr claims to be a terminal, for the progress bar. */
function ttyIo() {
  const io = { out: '', err: '' };
  io.stdout = { write: (s) => ((io.out += s), true), isTTY: true };
  io.stderr = { write: (s) => ((io.err += s), true), isTTY: true };
  return io;
}

test('numeric options are validated: a typo exits 2 with one line, never an empty result with exit 0', () => {
  const cases = [
    [['top', final, '--limit', 'abc'], '--limit'],
    [['dupes', final, '--limit', 'abc'], '--limit'],
    [['diff', base, target, '--limit', 'abc'], '--limit'],
    [['leaks', base, target, final, '--limit', 'abc'], '--limit'],
    [['growth', base, target, final, '--limit', 'abc'], '--limit'],
    [['summary', final, '--limit', 'ten'], '--limit'],
    [['top', final, '--limit=-1'], '--limit'],
    [['top', final, '--limit', '1.5'], '--limit'],
    [['path', final, '@1', '--retainers', 'x'], '--retainers'],
    [['demo', '--requests', 'many'], '--requests'],
    [['capture', '--pid', '12ab'], '--pid'],
    [['capture', '--port', '9229', '--timeout', '10s'], '--timeout'],
    [['diff', base, target, '--max-growth', '5XB'], '--max-growth'],
    [['leaks', base, target, final, '--max-retained', 'RequestRecord=lots'], '--max-retained'],
  ];
  for (const [args, flag] of cases) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, '', args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^heapsnap: ${flag} must be .* \\(see 'heapsnap ${args[0]} --help'\\)\\n$`));
  }
  // `--limit -1` reads as a missing value followed by an option: still a usage error naming --limit
  const r = cli('top', final, '--limit', '-1');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^heapsnap: .*'--limit'.* \(see 'heapsnap top --help'\)\n$/);
});

test('piped into a reader that has gone (| head), output ends quietly and the exit code still tells', () => {
  const run = (args) =>
    spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${bin}" "$@" | true`, 'heapsnap', ...args], { encoding: 'utf8', cwd: dir, timeout: 120_000 });
  const leaks = JSON.parse(cli('leaks', base, target, final, '--json').stdout);
  const id = leaks.clusters[0].sampleIds[0];
  for (const args of [['summary', final], ['stats', final], ['path', final, `@${id}`], ['leaks', base, target, final], ['growth', base, target, final], ['top', final], ['dupes', final], ['diff', base, target]]) {
    const r = run(args);
    assert.equal(r.stderr, '', `${args[0]}: no EPIPE stack trace`);
    assert.equal(r.status, 0, args[0]);
  }
  // The finding is not lost with the output: the gate still fails the pipeline.
  assert.equal(run(['leaks', base, target, final, '--fail-on-leak']).status, 1);
  assert.equal(run(['diff', base, target, '--max-growth', '1KB']).status, 1);
});

test('progress on a terminal for every command that reads snapshots, cleared before the results', async () => {
  const cases = [
    ['summary', [final]],
    ['stats', [final]],
    ['top', [final, '--limit', '3']],
    ['dupes', [final]],
    ['diff', [base, target]],
    ['leaks', [base, target, final]],
    ['growth', [base, target, final]],
    ['report', [final, '-o', join(dir, 'progress.html')]],
  ];
  for (const [name, args] of cases) {
    const io = ttyIo();
    assert.equal(await commandModule(name).main(args, io), 0, `${name}: ${io.err}`);
    assert.match(io.err, /reading \[[#.]{30}\] +\d+%/, `${name} draws a bar on a TTY`);
    assert.ok(io.err.endsWith('\r\x1b[K'), `${name} clears its bar`);
    assert.doesNotMatch(io.out, /\r/, `${name}: no bar in the results`);
  }
  const quiet = { out: '', err: '', stdout: { write: (s) => ((quiet.out += s), true) }, stderr: { write: (s) => ((quiet.err += s), true) } };
  assert.equal(await commandModule('top').main([final], quiet), 0);
  assert.equal(quiet.err, '', 'no progress when stderr is not a TTY');
});

test('the progress bar keeps moving once every byte is read: spinner, seconds and the pass named', async () => {
  const { progressBar } = commandModule('common');
  const io = ttyIo();
  const bar = progressBar(io, 'reading');
  bar.update({ fraction: 0.5, phase: 'parse' });
  assert.match(io.err, /reading \[#{15}\.{15}\]  50% parse/);
  bar.update({ fraction: 1, phase: 'analyze' });
  await new Promise((r) => setTimeout(r, 700));
  bar.update({ fraction: 1, phase: 'analyze' });
  const first = io.err.split('\r').at(-1);
  await new Promise((r) => setTimeout(r, 300));
  bar.update({ fraction: 1, phase: 'analyze' });
  const second = io.err.split('\r').at(-1);
  assert.match(first, /100% analyze [|/\\-] \d+\.\ds/);
  assert.notEqual(first, second, 'the line changes while the phase runs');
  bar.update({ fraction: 1, phase: 'analyze', step: 'dominators' });
  assert.match(io.err.split('\r').at(-1), /100% analyze: dominators\x1b\[K$/, 'a new pass is named and its clock starts again');
  bar.update({ fraction: 1, phase: 'done' });
  assert.ok(io.err.endsWith('\r\x1b[K'));
});

test('one unit system everywhere: KB/MB/GB (1024-based), never KiB/MiB', () => {
  const leaks = JSON.parse(cli('leaks', base, target, final, '--json').stdout);
  const outputs = [
    cli('summary', final).stdout,
    cli('stats', final).stdout,
    cli('top', final).stdout,
    cli('dupes', final).stdout,
    cli('diff', base, target).stdout,
    cli('leaks', base, target, final).stdout,
    cli('growth', base, target, final).stdout,
    cli('path', final, `@${leaks.clusters[0].sampleIds[0]}`).stdout,
  ];
  for (const text of outputs) assert.doesNotMatch(text, /[KMGT]iB/);
  for (const text of outputs.filter((o) => !o.startsWith('Classes growing'))) assert.match(text, /\d(\.\d+)? (B|KB|MB|GB)\b/);
  // 1 KB is 1024 bytes in both directions: the gate and the printed numbers agree.
  const j = JSON.parse(cli('leaks', base, target, final, '--json').stdout);
  const retained = j.clusters.find((c) => c.className === 'RequestRecord').retainedSize;
  const kb = Math.floor(retained / 1024);
  assert.equal(cli('leaks', base, target, final, '--max-retained', `RequestRecord=${kb + 1}KB`).status, 0);
  assert.equal(cli('leaks', base, target, final, '--max-retained', `RequestRecord=${kb}KiB`).status, 1);
});

test('every command is a spec: --help option lines come from the same schema util.parseArgs uses', () => {
  const { COMMANDS } = createRequire(import.meta.url)(bin);
  const commandList = cli('--help').stdout;
  for (const cmd of COMMANDS) {
    const { spec, HELP } = commandModule(cmd);
    const r = cli(cmd, '--help');
    assert.equal(r.stdout, HELP, cmd);
    assert.match(commandList, new RegExp(`\\n  ${cmd} +${spec.summary.replace(/[()|.*+?[\]\\]/g, '\\$&')}\\n`), `${cmd} in the command list`);
    const specs = spec.subcommands ? Object.values(spec.subcommands) : [spec];
    for (const s of specs) {
      for (const [name, o] of Object.entries(s.options)) {
        assert.match(HELP, new RegExp(`\\n  ${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ' [A-Z]+' : ''} +\\S`), `${s.name} --${name}`);
      }
      // an option that is not in the schema is a usage error, with the same one-line shape
      const bad = cli(...s.name.split(' '), '--no-such-option');
      assert.equal(bad.status, 2, s.name);
      assert.match(bad.stderr, new RegExp(`^heapsnap: .*--no-such-option.* \\(see 'heapsnap ${s.name} --help'\\)\\n$`), s.name);
    }
    assert.match(HELP, /\n {6}--json +\S/, cmd);
    assert.match(HELP, /\n {2}-h, --help +\S/, cmd);
  }
});
