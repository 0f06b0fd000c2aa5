// `heapsnap capture --pid --track-allocations` (issue 13's allocation stacks for another process):
// through the capture agent, tracking is turned on in the target and stays on across captures
// (an in-process inspector session, no port); `--stop-tracking` ends it. Over an inspector it is
// refused before anything is sent to the process. Real processes and the real CLI (~8 s: stress).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { repo } from '../support/oracle.mjs';
import { startTarget, tempDir, tcp, until, sleep } from '../support/targets.mjs';

const require = createRequire(import.meta.url);
const { HeapSnapshot, captureRemote } = require('../../index.js');
const { findAgent } = require('../../lib/capture/agent-client.js');
const linux = process.platform === 'linux';
const agent = path.join(repo, 'lib', 'capture', 'agent-start.js');

// The target makes a Session every 10 ms in grow(), before and after tracking starts.
const GROW = 'class Session { constructor(i) { this.i = i; } } globalThis.sessions = []; setInterval(function grow() { sessions.push(new Session(sessions.length)); }, 10);';

async function sessions(file) {
  const snap = await HeapSnapshot.open(file);
  try {
    const ids = snap.instances('Session');
    return { has: snap.hasAllocationStacks, count: ids.length, stacks: ids.map((id) => snap.allocationStack(id)) };
  } finally {
    snap.dispose();
  }
}

test('--track-allocations through the agent: the next captures carry allocation stacks, --stop-tracking ends them', { skip: !linux && 'the agent test helpers read /proc' }, async (t) => {
  const child = await startTarget(t, { mb: 1, nodeArgs: ['--require', agent], body: `process.on('SIGUSR1', () => console.error('got SIGUSR1')); ${GROW}` });
  await until('the agent', () => findAgent(child.pid));
  const out = tempDir('track');
  t.after(() => fs.rmSync(out, { recursive: true, force: true }));
  const cli = (...args) => spawnSync(process.execPath, [path.join(repo, 'bin', 'heapsnap.js'), 'capture', '--pid', String(child.pid), ...args], { encoding: 'utf8', timeout: 60000 });

  let r = cli('--track-allocations', '-o', path.join(out, 'base.heapsnapshot'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal((await sessions(path.join(out, 'base.heapsnapshot'))).has, true, 'tracking is on from this capture on');
  await sleep(300);
  r = cli('--stop-tracking', '-o', path.join(out, 'tracked.heapsnapshot'));
  assert.equal(r.status, 0, r.stderr);
  const tracked = await sessions(path.join(out, 'tracked.heapsnapshot'));
  assert.equal(tracked.has, true, 'tracking stayed on between captures');
  const inGrow = tracked.stacks.filter((st) => st && st.some((f) => f.functionName === 'grow'));
  t.diagnostic(`Sessions with a stack in grow(): ${inGrow.length} of ${tracked.count}`);
  // Node 22 and 24 (V8 12-13) lose the stacks of many tracked objects, differently run to run
  // (measured in this very flow on v22.20.0 and v24.19.0: 1 to 44 of the 35-45 made since tracking
  // started; Node 20: all): the count is exact on Node 20 only.
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) assert.ok(inGrow.length >= 5, `Sessions made since tracking started are allocated in grow(): ${inGrow.length} of ${tracked.count}`);
  assert.ok(inGrow.length < tracked.count, 'those made before tracking started have no stack');

  r = cli('-o', path.join(out, 'after.heapsnapshot'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal((await sessions(path.join(out, 'after.heapsnapshot'))).has, false, '--stop-tracking turned tracking off');
  assert.doesNotMatch(child.stderrText, /got SIGUSR1/, 'no SIGUSR1 was sent');
  assert.deepEqual(tcp(child.pid), [], 'no TCP port in the target');

  r = cli('--track-allocations', '--stop-tracking');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cannot be combined/);
});

test('--track-allocations over an inspector is refused before anything is sent to the process', { skip: !linux && 'reads /proc' }, async (t) => {
  const child = await startTarget(t, { mb: 1, nodeArgs: [], body: "process.on('SIGUSR1', () => console.error('got SIGUSR1')); setInterval(() => {}, 1000);" });
  await assert.rejects(captureRemote({ pid: child.pid }, { trackAllocations: true, timeout: 5000 }), (err) => {
    assert.equal(err.code, 'ERR_HEAPSNAP_UNSUPPORTED');
    assert.match(err.message, /capture agent/);
    assert.match(err.message, /heapsnap\/agent/);
    return true;
  });
  await sleep(100);
  assert.doesNotMatch(child.stderrText, /got SIGUSR1/, 'no SIGUSR1 was sent');
  assert.deepEqual(tcp(child.pid), [], 'no inspector was opened');
  await assert.rejects(captureRemote({ pid: child.pid }, { trackAllocations: 'yes' }), { code: 'ERR_INVALID_ARG_TYPE' });
});
